"""Errors raised by pdao, with the same stable codes as the ``pdao`` CLI.

Every request that breaks the contract raises a subclass of
:class:`RequestError` (also a :class:`ValueError`) carrying ``code``,
``field``, ``line`` and ``column``; ``decide_many`` returns the same objects
in place of the bad requests instead of raising. A bundle that does not load
raises :class:`BundleError` with every problem.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Type

__all__ = [
    "PdaoError",
    "RequestError",
    "InvalidJsonError",
    "InvalidUtf8Error",
    "InvalidRequestError",
    "DuplicateKeyError",
    "MissingFieldError",
    "UnknownFieldError",
    "WrongTypeError",
    "BadDateError",
    "BadValueError",
    "OutOfRangeError",
    "UnknownJurisdictionError",
    "UnknownActionError",
    "UnknownEventKindError",
    "InconsistentError",
    "TooLargeError",
    "EnginePanicError",
    "BundleError",
    "error_class",
]


class PdaoError(Exception):
    """Base class of every error pdao raises."""

    code: str = "error"


class RequestError(PdaoError, ValueError):
    """A request that cannot be decided because it breaks the contract.

    ``code`` is the CLI's code (``bad_date``, ``unknown_field``, ...),
    ``field`` the path of the offending field (``None`` for JSON syntax
    errors, which have ``line`` and ``column`` instead), ``message`` one
    sentence for people.
    """

    code: str = "request"

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        field: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.line = line
        self.column = column

    def to_dict(self) -> Dict[str, Any]:
        """``{code, message, field, line, column}``, as the audit writes it."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "line": self.line,
            "column": self.column,
        }

    def __reduce__(self) -> Tuple[Any, ...]:
        return (
            type(self),
            (self.message, self.code, self.field, self.line, self.column),
        )

    def __repr__(self) -> str:
        where = f", field={self.field!r}" if self.field is not None else ""
        if self.line is not None:
            where += f", line={self.line}, column={self.column}"
        return f"{type(self).__name__}(code={self.code!r}{where}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestError):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.field, self.message))


class InvalidJsonError(RequestError):
    """The request is not JSON (``line`` and ``column`` say where)."""

    code = "invalid_json"


class InvalidUtf8Error(RequestError):
    """The request's bytes are not UTF-8 text."""

    code = "invalid_utf8"


class InvalidRequestError(RequestError):
    """The Python value has no JSON form (a set, NaN, bytes inside, ...)."""

    code = "invalid_request"


class DuplicateKeyError(RequestError):
    """The same key twice in one object."""

    code = "duplicate_key"


class MissingFieldError(RequestError):
    """A required field is absent."""

    code = "missing_field"


class UnknownFieldError(RequestError):
    """A key the contract or the vocabulary does not know."""

    code = "unknown_field"


class WrongTypeError(RequestError):
    """A value of the wrong JSON type."""

    code = "wrong_type"


class BadDateError(RequestError):
    """A string that is not a calendar date (YYYY-MM-DD)."""

    code = "bad_date"


class BadValueError(RequestError):
    """A value outside an enumeration."""

    code = "bad_value"


class OutOfRangeError(RequestError):
    """A number outside the 64-bit integer range."""

    code = "out_of_range"


class UnknownJurisdictionError(RequestError):
    """A jurisdiction the bundle does not have."""

    code = "unknown_jurisdiction"


class UnknownActionError(RequestError):
    """An action the schema does not declare."""

    code = "unknown_action"


class UnknownEventKindError(RequestError):
    """An event kind the vocabulary does not have."""

    code = "unknown_event_kind"


class InconsistentError(RequestError):
    """Facts that contradict each other."""

    code = "inconsistent"


class TooLargeError(RequestError):
    """Over a documented limit (size, depth, events, list items, names)."""

    code = "too_large"


class EnginePanicError(RequestError):
    """The engine failed on this request (a bug; the request is not decided)."""

    code = "panic"


class BundleError(PdaoError):
    """A policy bundle that does not load: every problem, not only the first.

    Each problem is a dict ``{code, file, line, column, message}``.
    """

    code = "bundle"

    def __init__(self, message: str, problems: List[Dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.problems))


_CLASSES: Dict[str, Type[RequestError]] = {
    cls.code: cls
    for cls in (
        InvalidJsonError,
        InvalidUtf8Error,
        InvalidRequestError,
        DuplicateKeyError,
        MissingFieldError,
        UnknownFieldError,
        WrongTypeError,
        BadDateError,
        BadValueError,
        OutOfRangeError,
        UnknownJurisdictionError,
        UnknownActionError,
        UnknownEventKindError,
        InconsistentError,
        TooLargeError,
        EnginePanicError,
    )
}


def error_class(code: str) -> Type[RequestError]:
    """The class of a request error code (``RequestError`` for a code this
    version does not know)."""
    return _CLASSES.get(code, RequestError)


def _request_error(
    code: str,
    message: str,
    field: Optional[str],
    line: Optional[int],
    column: Optional[int],
) -> RequestError:
    """Called by the extension to build (not raise) an error."""
    return error_class(code)(message, code, field, line, column)
