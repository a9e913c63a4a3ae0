"""Run every benchmark script (benchmarks/bench_*.py) in turn; each writes results/<topic>.md."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

here = Path(__file__).parent
for script in sorted(here.glob("bench_*.py")):
    if len(sys.argv) > 1 and not any(a in script.stem for a in sys.argv[1:]):
        continue
    print(f"== {script.name}", flush=True)
    runpy.run_path(str(script), run_name="__main__")
