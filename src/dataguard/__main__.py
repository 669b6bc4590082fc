"""``python -m dataguard``: the command line."""

from dataguard.app.cli import main

main()
