"""A small user script, checked by mypy --strict (scripts/test) and run by
test_typed_user.py: the stubs must describe what the package really does."""

from __future__ import annotations

from typing import Dict, List, Union

import pdao
from pdao.audit import AuditResult, audit


def reasons_of(engine: pdao.Engine, request: pdao.Request) -> List[str]:
    decision: pdao.Decision = engine.decide(request)
    return [reason["rule"] for reason in decision["reasons"]]


def count_verdicts(engine: pdao.Engine, requests: List[pdao.Request]) -> Dict[str, int]:
    counts = {"allow": 0, "deny": 0, "error": 0}
    results: List[Union[pdao.Decision, pdao.RequestError]] = engine.decide_many(requests, threads=2)
    for result in results:
        if isinstance(result, pdao.RequestError):
            counts["error"] += 1
            code: str = result.code
            assert code
        else:
            verdict: pdao.Verdict = result["decision"]
            counts[verdict] += 1
    return counts


def main() -> Dict[str, int]:
    engine = pdao.Engine()
    request = {"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "provide_to_third_party"}
    # 五(二) (catalog 1.1) covers a third-party provision too: misuse unknown is a reason.
    assert reasons_of(engine, request) == ["zhejiang.conduct.no_misuse", "zhejiang.conduct.no_third_party"]
    try:
        engine.decide({"jurisdiction": "zhousan", "date": "2024-05-01", "action": "apply"})
    except pdao.UnknownJurisdictionError as e:
        field: Union[str, None] = e.field
        assert field == "jurisdiction"
    text: str = engine.decide_json('{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"}')
    assert text.startswith("{")
    version: str = engine.policy_version
    summary: pdao.CheckSummary = engine.check()
    assert summary["version"] == version
    result: AuditResult = audit([{"id": 1, "request": request}])
    assert result.rows is not None
    first: pdao.AuditRow = result.rows[0]
    assert first["key"] == 1
    return count_verdicts(engine, [request, {"jurisdiction": "nowhere"}])


if __name__ == "__main__":
    print(main())
