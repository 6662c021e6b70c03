"""pdao: may this organisation do this act, here, on this date — and why (not)?

A policy-as-code compliance engine for Chinese public-data authorised
operation (公共数据授权运营), compiled from Rust::

    import pdao

    engine = pdao.Engine()                     # the embedded default bundle
    decision = engine.decide({"jurisdiction": "hangzhou", "date": "2024-05-01",
                              "action": "provide_to_third_party"})
    print(decision["decision"], [r["rule"] for r in decision["reasons"]])

``Engine.decide_many`` decides batches in parallel with the GIL released;
:mod:`pdao.audit` decides whole tables (JSON Lines, Parquet), in process or
on a Dask cluster.
"""

from pdao import errors
from pdao._pdao import Engine, __version__, check_dir
from pdao._types import (
    AuditRow,
    CheckSummary,
    Decision,
    LayerReport,
    Obligation,
    Overridden,
    Reason,
    Request,
    Source,
    Verdict,
    WhyNot,
)
from pdao.errors import (
    BadDateError,
    BadValueError,
    BundleError,
    DuplicateKeyError,
    EnginePanicError,
    InconsistentError,
    InvalidJsonError,
    InvalidRequestError,
    InvalidUtf8Error,
    MissingFieldError,
    OutOfRangeError,
    PdaoError,
    RequestError,
    TooLargeError,
    UnknownActionError,
    UnknownEventKindError,
    UnknownFieldError,
    UnknownJurisdictionError,
    WrongTypeError,
)

__all__ = [
    "Engine",
    "check_dir",
    "__version__",
    "errors",
    "AuditRow",
    "CheckSummary",
    "Decision",
    "LayerReport",
    "Obligation",
    "Overridden",
    "Reason",
    "Request",
    "Source",
    "Verdict",
    "WhyNot",
    "PdaoError",
    "RequestError",
    "BundleError",
    "BadDateError",
    "BadValueError",
    "DuplicateKeyError",
    "EnginePanicError",
    "InconsistentError",
    "InvalidJsonError",
    "InvalidRequestError",
    "InvalidUtf8Error",
    "MissingFieldError",
    "OutOfRangeError",
    "TooLargeError",
    "UnknownActionError",
    "UnknownEventKindError",
    "UnknownFieldError",
    "UnknownJurisdictionError",
    "WrongTypeError",
]
