"""`python -m auditor` is the `auditor` command.

`python -m` puts the current directory first on sys.path. Run inside an untrusted target, that would let
the target's own `yaml.py` or `coverage.py` shadow the libraries we read it with, so it goes first.
"""

import os
import sys

_cwd = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != _cwd]

from auditor.cli import main  # noqa: E402

main()
