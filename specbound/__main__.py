"""``python -m specbound``: the command line."""

from specbound.cli import main

raise SystemExit(main())
