"""What the command line's commands do, as functions returning values; the CLI parses, calls and prints.

One module per group of commands: ``validate`` (validating files or a
version), ``datasets`` (projects, versions and what the catalog recorded of
them), ``review`` (quarantined rows and decisions about them), ``peek``,
``admin`` (the drift baseline, the catalog's schema) and ``users`` (who may
use the web page and its API). Training is ``dataguard.gate.train.run_training``. Heavy libraries are imported by the
functions that need them, so the command line starts fast.
"""
