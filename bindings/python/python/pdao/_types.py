"""The shapes of requests and decisions, for type checkers.

A decision is a plain ``dict`` at run time; these ``TypedDict`` classes
describe its keys (the contract's decision JSON, ``sources/CONTRACT.md``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Mapping, Optional, TypedDict

__all__ = [
    "Request",
    "Verdict",
    "Source",
    "Reason",
    "Overridden",
    "Obligation",
    "LayerReport",
    "Decision",
    "BundleProblem",
    "LayerSummary",
    "CatalogSummary",
    "CheckSummary",
    "WhyNotSolution",
    "WhyNot",
    "AuditError",
    "AuditObligation",
    "AuditRow",
]

#: A request: a JSON object (``jurisdiction``, ``date``, ``action``, fact
#: objects, ``materials``, ``events``), as in ``sources/CONTRACT.md``.
Request = Mapping[str, Any]

#: ``"allow"`` or ``"deny"``.
Verdict = Literal["allow", "deny"]


class _SourceRequired(TypedDict):
    document: str
    title: str
    article: str
    quote: str


class Source(_SourceRequired, total=False):
    """Where a rule comes from."""

    outside_seeds: str


class _ReasonRequired(TypedDict):
    rule: str
    effect: str
    layer: str
    source: Source
    explanation: str


class Reason(_ReasonRequired, total=False):
    """One deciding rule (an unmet requirement, a firing forbid, ...)."""

    missing: List[str]


class Overridden(TypedDict):
    """A rule displaced by a higher layer."""

    rule: str
    by: str
    layer: str


class _ObligationRequired(TypedDict):
    rule: str
    layer: str
    description: str
    source: Source
    explanation: str


class Obligation(_ObligationRequired, total=False):
    """A duty the decision attaches; ``due`` where the law gives a number."""

    due: str


class LayerReport(TypedDict):
    """How one layer of the chain stood on the request date."""

    layer: str
    status: str
    documents: List[str]
    rules_in_force: int
    note: str


class Decision(TypedDict):
    """The decision, key for key the JSON ``pdao decide`` prints."""

    decision: Verdict
    jurisdiction: str
    date: str
    action: str
    layers: List[str]
    reasons: List[Reason]
    satisfied: List[str]
    overridden: List[Overridden]
    obligations: List[Obligation]
    missing: List[str]
    policy_version: str
    cleared: List[str]
    layer_report: List[LayerReport]


class BundleProblem(TypedDict):
    """One problem of a bundle, located in a file."""

    code: str
    file: str
    line: Optional[int]
    column: Optional[int]
    message: str


class LayerSummary(TypedDict):
    """One layer of a :class:`CheckSummary`."""

    id: str
    name: str
    parent: Optional[str]
    documents: List[str]
    policies: int
    empty: bool


class CatalogSummary(TypedDict):
    """The catalog audit of ``Engine.check(catalog=...)``."""

    encoded: int
    catalog: int
    missing: List[str]
    unknown: List[str]


class _CheckRequired(TypedDict):
    ok: bool
    version: str
    layers: List[LayerSummary]
    policies: int
    rules: int
    definitions: int
    problems: List[BundleProblem]


class CheckSummary(_CheckRequired, total=False):
    """A bundle in numbers, as ``pdao check`` reports it."""

    catalog: CatalogSummary


class WhyNotSolution(TypedDict):
    """One verified way to an allow: the changes and the changed request."""

    changes: List[str]
    request: Dict[str, Any]


class WhyNot(TypedDict):
    """The answer of ``Engine.why_not``, as ``pdao why-not --json`` prints it."""

    decision: Verdict
    reasons: List[str]
    solutions: List[WhyNotSolution]
    unfixable: List[str]
    evaluations: int
    bound_reached: bool


class AuditError(TypedDict):
    """Why an audited record could not be decided."""

    code: str
    message: str
    field: Optional[str]
    line: Optional[int]
    column: Optional[int]


class AuditObligation(TypedDict):
    """An obligation in an audit row."""

    rule: str
    due: Optional[str]


class AuditRow(TypedDict):
    """One row of an audit: the record's key and its decision in brief.

    A record that cannot be decided is denied, with ``error`` saying why.
    """

    key: Any
    decision: Verdict
    reasons: List[str]
    missing: List[str]
    obligations: List[AuditObligation]
    error: Optional[AuditError]
