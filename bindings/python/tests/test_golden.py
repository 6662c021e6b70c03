"""decide_json equals the native CLI byte for byte on every golden case, and
decide agrees with decide_json. It compares Python with native whatever the
verdict: whether a case meets its own expectation is the Rust golden tests'
job."""

from __future__ import annotations

import json

import pytest

import pdao
from conftest import GOLDEN, Golden, run_cli


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_decide_json_is_the_cli_s_bytes(engine: pdao.Engine, case: Golden) -> None:
    text = json.dumps(case.request, indent=2, ensure_ascii=False)
    native = run_cli("decide", "-", stdin=text.encode("utf-8"))
    assert native.code in (0, 2), native.stderr
    decided = engine.decide_json(text)
    assert (decided + "\n").encode("utf-8") == native.stdout
    assert engine.decide_json(text.encode("utf-8")) == decided
    decision = engine.decide(case.request)
    assert decision == json.loads(decided)
    assert native.code == (0 if decision["decision"] == "allow" else 2)
