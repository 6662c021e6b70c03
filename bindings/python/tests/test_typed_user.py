"""The typed user script (checked by mypy in scripts/test) runs and says
what it should."""

from __future__ import annotations

from typed_user import main


def test_typed_user_script_runs() -> None:
    assert main() == {"allow": 0, "deny": 1, "error": 1}
