"""Every file of tests/bad_inputs/ raises the error class of its code, with
the code, field, line and column `expected.json` gives (the valid ones are
decided), exactly as the CLI reports them."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Dict, Type

import pytest

import pdao
from conftest import BAD_INPUTS, run_cli

with (BAD_INPUTS / "expected.json").open(encoding="utf-8") as f:
    EXPECTED: Dict[str, Dict[str, Any]] = json.load(f)

# The class each code must raise, written out here rather than read from the
# package, so that a wrong mapping there fails here.
CLASSES: Dict[str, Type[pdao.RequestError]] = {
    "invalid_json": pdao.InvalidJsonError,
    "invalid_utf8": pdao.InvalidUtf8Error,
    "duplicate_key": pdao.DuplicateKeyError,
    "missing_field": pdao.MissingFieldError,
    "unknown_field": pdao.UnknownFieldError,
    "wrong_type": pdao.WrongTypeError,
    "bad_date": pdao.BadDateError,
    "bad_value": pdao.BadValueError,
    "out_of_range": pdao.OutOfRangeError,
    "unknown_jurisdiction": pdao.UnknownJurisdictionError,
    "unknown_action": pdao.UnknownActionError,
    "unknown_event_kind": pdao.UnknownEventKindError,
    "inconsistent": pdao.InconsistentError,
    "too_large": pdao.TooLargeError,
}


def test_every_file_has_an_expectation() -> None:
    files = {p.name for p in BAD_INPUTS.glob("*.json") if p.name != "expected.json"}
    assert files == set(EXPECTED), files ^ set(EXPECTED)
    assert len(files) > 80


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(engine: pdao.Engine, name: str) -> None:
    expected = EXPECTED[name]
    data = (BAD_INPUTS / name).read_bytes()
    native = run_cli("decide", str(BAD_INPUTS / name))
    if "decision" in expected:
        decided = engine.decide_json(data)
        decision = json.loads(decided)
        assert decision["decision"] == expected["decision"]
        reasons = {r["rule"] for r in decision["reasons"]}
        assert set(expected["reasons_include"]) <= reasons
        assert (decided + "\n").encode() == native.stdout
        return
    cls = CLASSES[expected["code"]]
    with pytest.raises(cls) as raised:
        engine.decide_json(data)
    error = raised.value
    assert isinstance(error, pdao.RequestError) and isinstance(error, ValueError)
    assert error.code == expected["code"]
    assert error.field == expected["field"]
    assert error.line == expected.get("line")
    assert error.column == expected.get("column")
    assert str(error) == error.message and error.message
    # The CLI: exit 1 and one line naming the same code (and field).
    assert native.code == 1
    assert re.search(rf"error\[{expected['code']}\]", native.stderr), native.stderr
    if error.field is not None:
        assert f"field `{error.field}`" in native.stderr
    if expected["code"] != "invalid_utf8":
        assert error.message in native.stderr
        # Text given as str meets the same error as the bytes.
        with pytest.raises(cls):
            engine.decide_json(data.decode("utf-8"))


@pytest.mark.parametrize(
    "request_value, cls",
    [
        ({"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply", "x": math.nan},
         pdao.InvalidRequestError),
        ({"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
          "materials": {"application_form"}}, pdao.InvalidRequestError),
        ({"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
          "operator": {"id": b"acme"}}, pdao.InvalidRequestError),
        ({"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
          "scenario": {"count": 2**64}}, pdao.OutOfRangeError),
        ({"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
          "scenario": {"count": 2.5}}, pdao.WrongTypeError),
        (["jurisdiction", "hangzhou"], pdao.WrongTypeError),
        ("hangzhou", pdao.WrongTypeError),
        (None, pdao.WrongTypeError),
    ],
    ids=["nan", "set", "bytes", "2**64", "fraction", "list", "str", "none"],
)
def test_python_values_without_a_request_s_json_are_typed_errors(
    engine: pdao.Engine, request_value: Any, cls: Type[pdao.RequestError]
) -> None:
    with pytest.raises(cls) as raised:
        engine.decide(request_value)
    assert raised.value.code == cls.code


def test_a_cycle_is_an_invalid_request(engine: pdao.Engine) -> None:
    request: Dict[str, Any] = {"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"}
    request["operator"] = request
    with pytest.raises(pdao.InvalidRequestError):
        engine.decide(request)


def test_decide_json_takes_text_only(engine: pdao.Engine) -> None:
    with pytest.raises(TypeError):
        engine.decide_json({"jurisdiction": "hangzhou"})  # type: ignore[arg-type]
