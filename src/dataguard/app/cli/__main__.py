"""``python -m dataguard.app.cli``: the command line, as ``python -m dataguard``."""

from dataguard.app.cli import main

main()
