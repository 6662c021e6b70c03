"""decide_many: the one-by-one results, in order, past bad requests, on any
number of threads, with the GIL released."""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any, Dict, Iterator, List, Union

import pytest

import pdao
from conftest import GOLDEN

BAD: List[Any] = [
    {"jurisdiction": "zhousan", "date": "2024-05-01", "action": "apply"},
    {"jurisdiction": "hangzhou", "date": "2024-02-30", "action": "apply"},
    {"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply", "x": float("nan")},
    ["not", "an", "object"],
]


def mixed() -> List[Any]:
    """Every golden request, with a bad one after every 50th."""
    out: List[Any] = []
    for i, case in enumerate(GOLDEN):
        out.append(case.request)
        if i % 50 == 0:
            out.append(BAD[(i // 50) % len(BAD)])
    return out


def one_by_one(engine: pdao.Engine, requests: List[Any]) -> List[Union[Dict[str, Any], pdao.RequestError]]:
    out: List[Union[Dict[str, Any], pdao.RequestError]] = []
    for request in requests:
        try:
            out.append(dict(engine.decide(request)))
        except pdao.RequestError as e:
            out.append(e)
    return out


@pytest.mark.parametrize("threads", [1, 2, 3, None])
def test_decide_many_equals_one_by_one(engine: pdao.Engine, threads: Any) -> None:
    requests = mixed()
    expected = one_by_one(engine, requests)
    results = engine.decide_many(requests, threads=threads)
    assert len(results) == len(requests)
    assert results == expected
    errors = [r for r in results if isinstance(r, pdao.RequestError)]
    assert len(errors) == (len(GOLDEN) + 49) // 50
    assert {type(e) for e in errors} == {
        pdao.UnknownJurisdictionError, pdao.BadDateError, pdao.InvalidRequestError,
        pdao.WrongTypeError,
    }


def test_decide_many_takes_any_iterable(engine: pdao.Engine) -> None:
    requests = [case.request for case in GOLDEN[:40]]

    def generate() -> Iterator[Dict[str, Any]]:
        yield from requests

    assert engine.decide_many(generate(), threads=2) == engine.decide_many(requests)
    assert engine.decide_many([]) == []
    with pytest.raises(ValueError):
        engine.decide_many(requests, threads=0)
    with pytest.raises(TypeError):
        engine.decide_many(42)  # type: ignore[arg-type]


def test_decide_many_json_equals_decide_json(engine: pdao.Engine) -> None:
    texts: List[Union[str, bytes]] = [json.dumps(case.request) for case in GOLDEN]
    texts[7] = b'{"jurisdiction": "hangzhou", "date": "2024-01-01"}'
    texts[9] = b"\xff\xfe not utf-8"
    texts[11] = "{"
    results = engine.decide_many_json(texts, threads=2)
    assert len(results) == len(texts)
    for text, result in zip(texts, results):
        try:
            expected: Union[str, pdao.RequestError] = engine.decide_json(text)
        except pdao.RequestError as e:
            expected = e
        assert result == expected
    assert isinstance(results[7], pdao.MissingFieldError) and results[7].field == "action"
    assert isinstance(results[9], pdao.InvalidUtf8Error)
    assert isinstance(results[11], pdao.InvalidJsonError) and results[11].line == 1
    with pytest.raises(TypeError):
        engine.decide_many_json([{"jurisdiction": "hangzhou"}])  # type: ignore[list-item]


def test_results_do_not_share_state(engine: pdao.Engine) -> None:
    request = GOLDEN[0].request
    first, second = engine.decide_many([request, copy.deepcopy(request)])
    assert first == second and first is not second
    assert isinstance(first, dict)
    first["reasons"].append("changed")
    assert engine.decide(request) == second


def big_batch(count: int) -> List[Dict[str, Any]]:
    base = [case.request for case in GOLDEN]
    return [base[i % len(base)] for i in range(count)]


def watch(call: Any) -> Dict[str, float]:
    """Runs `call` while a Python thread counts and records the longest
    stretch in which it could not run."""
    stop = threading.Event()
    seen = {"ticks": 0.0, "longest_gap": 0.0}

    def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            seen["longest_gap"] = max(seen["longest_gap"], now - last)
            seen["ticks"] += 1
            last = now

    thread = threading.Thread(target=tick)
    thread.start()
    time.sleep(0.05)
    seen["ticks"] = 0
    seen["longest_gap"] = 0.0
    started = time.perf_counter()
    call()
    seen["call"] = time.perf_counter() - started
    stop.set()
    thread.join()
    return seen


def test_the_gil_is_released_while_a_batch_is_decided(engine: pdao.Engine) -> None:
    # One deciding thread, so the ticking thread has a core of its own. Were
    # the GIL held while deciding, the ticking thread would stand still for
    # (nearly) the whole call.
    requests = big_batch(3000)
    seen = watch(lambda: engine.decide_many(requests, threads=1))
    assert seen["call"] > 0.3, f"the batch is too small to tell: {seen}"
    assert seen["ticks"] > 10_000, seen
    assert seen["longest_gap"] < 0.35 * seen["call"], seen

    texts = [json.dumps(r) for r in requests]
    seen = watch(lambda: engine.decide_many_json(texts, threads=1))
    assert seen["call"] > 0.3, f"the batch is too small to tell: {seen}"
    assert seen["longest_gap"] < 0.1 * seen["call"], seen
