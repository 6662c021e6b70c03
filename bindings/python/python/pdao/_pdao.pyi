"""The extension module: the engine, compiled from Rust (``src/lib.rs``)."""

from os import PathLike
from typing import Any, Iterable, List, Optional, Tuple, Union

from pdao._types import CheckSummary, Decision, Request, WhyNot
from pdao.errors import RequestError

__version__: str

_Path = Union[str, PathLike[str]]
_Text = Union[str, bytes]

class Engine:
    """A loaded, prepared policy bundle. Build it once, decide many times;
    it is safe to share between threads."""

    def __init__(self) -> None:
        """The engine on the embedded default bundle."""

    @staticmethod
    def from_dir(path: _Path) -> Engine:
        """The engine on the bundle in a directory (as ``pdao --policies DIR``).

        :raises BundleError: with every problem when the bundle does not load.
        """

    @property
    def policy_version(self) -> str:
        """The bundle's content hash, ``sha256:<hex>``, as in every decision."""

    def decide(self, request: Request) -> Decision:
        """Decides a request (a dict); the decision as a dict.

        :raises RequestError: (a subclass per code) when the request breaks the contract.
        """

    def decide_json(self, request: _Text) -> str:
        """Decides a request given as JSON text (str or UTF-8 bytes); the
        decision as pretty JSON, the bytes ``pdao decide`` prints (without
        its final newline).

        :raises RequestError: when the request breaks the contract.
        """

    def explain_text(self, request: Union[Request, _Text]) -> str:
        """The decision rendered for people, as ``pdao explain`` prints it."""

    def why_not(self, request: Union[Request, _Text], *, budget: int = 10000) -> WhyNot:
        """For a denied request: the smallest verified changes that would
        allow it, as ``pdao why-not --json`` prints them."""

    def check(
        self, *, catalog: Optional[_Path] = None, seeds: Optional[_Path] = None
    ) -> CheckSummary:
        """The loaded bundle in numbers, as ``pdao check`` reports it; with
        ``catalog`` the rule ids are compared with a catalog, with ``seeds``
        every quote is looked up verbatim (``ok`` is false on a problem)."""

    def decide_many(
        self, requests: Iterable[Request], *, threads: Optional[int] = None
    ) -> List[Union[Decision, RequestError]]:
        """Decides many requests in parallel inside Rust with the GIL
        released; one result per request, in order: the decision, or the
        ``RequestError`` (returned, not raised) of a bad request.
        ``threads=None`` uses every core."""

    def decide_many_json(
        self, requests: Iterable[_Text], *, threads: Optional[int] = None
    ) -> List[Union[str, RequestError]]:
        """``decide_many`` on JSON texts: each decision as ``decide_json``
        returns it, or the ``RequestError``."""

    def _audit_batch(
        self,
        records: Iterable[Optional[_Text]],
        *,
        keys: Optional[List[str]] = None,
        envelope: Optional[Tuple[str, str]] = None,
        threads: Optional[int] = None,
        string_keys: bool = False,
    ) -> Tuple[str, int, int, int]: ...

def check_dir(path: _Path) -> CheckSummary:
    """Loads and validates the bundle in a directory without keeping it:
    ``ok`` false and every problem when it does not load."""
