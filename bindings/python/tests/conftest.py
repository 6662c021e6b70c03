"""Shared fixtures: the repository, the golden cases, the reference CLI."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

import pdao

ROOT = Path(os.environ.get("PDAO_ROOT", Path(__file__).resolve().parents[3]))
POLICIES = ROOT / "policies"
BAD_INPUTS = ROOT / "tests" / "bad_inputs"
BROKEN_BUNDLES = ROOT / "tests" / "broken_bundles"


@dataclass(frozen=True)
class Golden:
    """A golden case: its file (relative to policies/) and its request."""

    name: str
    request: Dict[str, Any]


def golden_cases() -> List[Golden]:
    cases = []
    for path in sorted(POLICIES.glob("*/cases/*.json")):
        with path.open(encoding="utf-8") as f:
            cases.append(Golden(str(path.relative_to(POLICIES)), json.load(f)["request"]))
    return cases


GOLDEN = golden_cases()


def cli_path() -> Path:
    """The `pdao` binary built from this checkout (scripts/test builds it)."""
    given = os.environ.get("PDAO_CLI")
    path = Path(given) if given else ROOT / "target" / "release" / "pdao"
    if not path.is_file():
        raise RuntimeError(
            f"the pdao CLI is not at {path}: run `cargo build --release -p pdao-cli` "
            "or set PDAO_CLI (scripts/test does both)"
        )
    return path


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: bytes
    stderr: str


def run_cli(*args: str, stdin: bytes = b"") -> CliRun:
    done = subprocess.run(
        [str(cli_path()), *args], input=stdin, capture_output=True, timeout=120, check=False
    )
    return CliRun(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


@pytest.fixture(scope="session")
def engine() -> pdao.Engine:
    return pdao.Engine()


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    # The golden data must be there: an empty parametrisation would pass
    # silently.
    assert len(GOLDEN) > 400, f"only {len(GOLDEN)} golden cases under {POLICIES}"
