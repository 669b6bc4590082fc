"""The hostile-input suite shares the fault suite's child-process CLI fixture."""

from tests.faults.conftest import cli, small  # noqa: F401  (fixtures, re-exported for this folder)
