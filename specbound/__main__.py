"""``python -m specbound``: the command line."""

import sys

try:
    from specbound.cli import main
except KeyboardInterrupt:  # Ctrl-C while importing: the same one line as in main()
    sys.stderr.write("specbound: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
