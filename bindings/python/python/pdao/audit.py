"""Audits: decide a whole table of requests and write one row per request.

An auditor replays a year of data-use records against the rules in force on
each record's date; a bureau checks every operator against a new measure.
:func:`audit` reads the records, decides each one and writes, per record, its
key, the decision, the reason ids, the missing facts and the obligations::

    from pdao.audit import audit

    result = audit("records.jsonl", "decisions.parquet")          # in process
    result = audit("records.jsonl", "decisions.parquet",
                   scheduler="tcp://10.0.0.5:8786")               # on Dask
    print(result)   # 100000 requests: 61234 allow, 38766 deny (12 errors) ...

**Input.** JSON Lines, one record per line::

    {"id": "op-17/2024-05-01", "request": {"jurisdiction": "hangzhou", ...}}

(``key=`` and ``request_field=`` name the two members; other members are
ignored, blank lines skipped), or Parquet (``.parquet``/``.pq``) with a key
column and a request column holding each request's JSON text, or an iterable
of such records as dicts. The request is decided from its own JSON text,
exactly as ``pdao decide`` would decide it.

**Output.** One row per record, in input order (row *i* is record *i*)::

    {"key": "op-17/2024-05-01", "decision": "deny", "reasons": ["..."],
     "missing": ["operator.credit_ok"], "obligations": [{"rule": "...", "due": "2024-05-31"}],
     "error": null}

as JSON Lines, or Parquet (``.parquet``/``.pq``; the bundle's
``policy_version`` in the file's metadata), or in memory
(``AuditResult.rows``) when no output is given. A record that cannot be
decided is *denied*, with ``error`` (``code``, ``message``, ``field``,
``line``, ``column``: the CLI's codes) saying why; it never stops the audit.

**Scale.** In process, batches are decided on every core with the GIL
released. Given a ``scheduler`` (a ``distributed.Client`` or a scheduler
address), the same batches become Dask partitions (``dask.bag``): JSON Lines
by byte blocks, Parquet by row groups. Each worker builds one
:class:`~pdao.Engine` (a worker plugin builds it when the worker joins and
every partition reuses it), decides its partitions and sends back the rows,
which are written here in input order. The input (and a ``policies``
directory) must be readable by the workers at the same path. pdao runs no
scheduler of its own: start one with ``dask scheduler`` / ``dask worker``, or
a ``distributed.LocalCluster``.

``python -m pdao.audit INPUT [OUTPUT] [--scheduler ADDR | --local-cluster N]``
runs the same from a shell.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from pdao._pdao import Engine
from pdao._types import AuditRow
from pdao.errors import InvalidRequestError, PdaoError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__ = [
    "audit",
    "AuditResult",
    "EnginePlugin",
    "engine_for",
    "main",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Records per batch in process, and per partition on Dask (in records for
#: in-memory input and Parquet row-group slices; JSON Lines partitions are
#: byte blocks of about ``batch_size`` × 1 KiB).
DEFAULT_BATCH_SIZE = 4096

_PARQUET_SUFFIXES = (".parquet", ".pq")

# ---------------------------------------------------------------------------
# One engine per process (per Dask worker)
# ---------------------------------------------------------------------------

_ENGINES: Dict[Optional[str], Engine] = {}
_ENGINES_LOCK = threading.Lock()
_ENGINES_BUILT = 0


def engine_for(policies: Optional[str] = None) -> Engine:
    """The process's engine for a bundle (``None``: the embedded one),
    built on first use and shared by every later call and thread."""
    global _ENGINES_BUILT
    with _ENGINES_LOCK:
        engine = _ENGINES.get(policies)
        if engine is None:
            engine = Engine() if policies is None else Engine.from_dir(policies)
            _ENGINES[policies] = engine
            _ENGINES_BUILT += 1
        return engine


def engines_built() -> int:
    """How many engines this process has built (one per bundle)."""
    return _ENGINES_BUILT


try:  # Dask is optional: without it the plugin is a plain object, never registered.
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - without the dask extra
    _WorkerPluginBase = object  # type: ignore[misc, assignment]


class EnginePlugin(_WorkerPluginBase):
    """Builds the worker's engine when the worker starts (or joins), so that
    no partition pays for loading the bundle and each worker loads it once."""

    def __init__(self, policies: Optional[str] = None) -> None:
        self.policies = policies
        self.name = f"pdao-engine:{policies or '(embedded)'}"

    def setup(self, worker: Any) -> None:
        engine_for(self.policies)


# ---------------------------------------------------------------------------
# Partitions: the work of one batch, the same in process and on a worker
# ---------------------------------------------------------------------------

#: (rows as JSON Lines, allowed, denied, errors, policy_version)
_Part = Tuple[str, int, int, int, str]


def _decide_lines(
    lines: Sequence[Union[str, bytes]],
    key: str,
    request_field: str,
    policies: Optional[str],
    threads: Optional[int],
    string_keys: bool,
) -> _Part:
    engine = engine_for(policies)
    text, allowed, denied, errors = engine._audit_batch(
        lines, envelope=(key, request_field), threads=threads, string_keys=string_keys
    )
    return (text, allowed, denied, errors, engine.policy_version)


def _decide_requests(
    requests: Sequence[Optional[Union[str, bytes]]],
    keys: List[str],
    policies: Optional[str],
    threads: Optional[int],
) -> _Part:
    engine = engine_for(policies)
    text, allowed, denied, errors = engine._audit_batch(requests, keys=keys, threads=threads)
    return (text, allowed, denied, errors, engine.policy_version)


def _dask_lines(
    lines: Sequence[str],
    key: str,
    request_field: str,
    policies: Optional[str],
    threads: Optional[int],
    string_keys: bool,
) -> List[_Part]:
    # dask.bag reads text with errors="surrogateescape": give the engine the
    # file's bytes back, so a line that is not UTF-8 gets the same error as
    # in process.
    raw = [line.encode("utf-8", "surrogateescape") for line in lines]
    return [_decide_lines(raw, key, request_field, policies, threads, string_keys)]


def _dask_records(
    lines: Sequence[str],
    key: str,
    request_field: str,
    policies: Optional[str],
    threads: Optional[int],
    string_keys: bool,
) -> List[_Part]:
    return [_decide_lines(list(lines), key, request_field, policies, threads, string_keys)]


def _dask_parquet(
    slices: Sequence[Tuple[str, int, int, int, Optional[str], str]],
    policies: Optional[str],
    threads: Optional[int],
) -> List[Tuple[_Part, "pyarrow.Array"]]:
    out = []
    for path, row_group, offset, length, key, request_field in slices:
        table = _read_row_group(path, row_group, key, request_field).slice(offset, length)
        keys, requests, key_array = _parquet_columns(table, key, request_field)
        out.append((_decide_requests(requests, keys, policies, threads), key_array))
    return out


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _is_parquet(path: PathLike) -> bool:
    return os.fspath(path).lower().endswith(_PARQUET_SUFFIXES)


def _require_pyarrow() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.json  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError as e:  # pragma: no cover - without the audit extra
        raise PdaoError(
            "Parquet needs pyarrow: pip install 'pdao[audit]' (or pyarrow)"
        ) from e
    return pyarrow


def _parquet_column_names(path: str, key: str, request_field: str) -> Tuple[Optional[str], str]:
    pq = _require_pyarrow().parquet
    names = pq.ParquetFile(path).schema_arrow.names
    if request_field not in names:
        raise PdaoError(
            f"{path}: no column `{request_field}` (the requests' JSON text); columns: {names}"
        )
    return (key if key in names else None), request_field


def _read_row_group(
    path: str, row_group: int, key: Optional[str], request_field: str
) -> "pyarrow.Table":
    pq = _require_pyarrow().parquet
    columns = [c for c in (key, request_field) if c is not None]
    return pq.ParquetFile(path).read_row_group(row_group, columns=columns)


def _json_key(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(str(value), ensure_ascii=False)


def _parquet_columns(
    table: "pyarrow.Table", key: Optional[str], request_field: str
) -> Tuple[List[str], List[Optional[Union[str, bytes]]], "pyarrow.Array"]:
    pa = _require_pyarrow()
    column = table.column(request_field)
    if not (
        pa.types.is_string(column.type)
        or pa.types.is_large_string(column.type)
        or pa.types.is_binary(column.type)
        or pa.types.is_large_binary(column.type)
    ):
        raise PdaoError(
            f"column `{request_field}` must hold each request's JSON text "
            f"(string or binary), found {column.type}"
        )
    requests = column.to_pylist()
    if key is None:
        key_array = pa.nulls(table.num_rows)
    else:
        key_array = table.column(key)
        if isinstance(key_array, pa.ChunkedArray):
            key_array = key_array.combine_chunks()
    keys = [_json_key(k) for k in key_array.to_pylist()]
    return keys, requests, key_array


def _record_line(index: int, record: Mapping[str, Any]) -> str:
    try:
        return json.dumps(record, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise InvalidRequestError(
            f"record {index} cannot be encoded as JSON: {e}", "invalid_request", f"[{index}]"
        ) from e


def _chunks(items: Iterable[Any], size: int) -> Iterator[List[Any]]:
    chunk: List[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _row_schema() -> "pyarrow.Schema":
    """The Parquet rows; ``key`` is a string column unless the input was
    Parquet, whose key column is kept as it is."""
    pa = _require_pyarrow()
    return pa.schema(
        [
            ("key", pa.string()),
            ("decision", pa.string()),
            ("reasons", pa.list_(pa.string())),
            ("missing", pa.list_(pa.string())),
            (
                "obligations",
                pa.list_(pa.struct([("rule", pa.string()), ("due", pa.string())])),
            ),
            (
                "error",
                pa.struct(
                    [
                        ("code", pa.string()),
                        ("message", pa.string()),
                        ("field", pa.string()),
                        ("line", pa.int64()),
                        ("column", pa.int64()),
                    ]
                ),
            ),
        ]
    )


class _Writer:
    """Writes parts in input order: JSON Lines, Parquet or memory."""

    def __init__(self, output: Optional[PathLike], fmt: Optional[str]) -> None:
        self.rows: Optional[List[AuditRow]] = None
        self.output = None if output is None else os.fspath(output)
        if fmt is None and self.output is not None:
            fmt = "parquet" if _is_parquet(self.output) else "jsonl"
        if fmt not in (None, "jsonl", "parquet"):
            raise ValueError(f"format must be 'jsonl' or 'parquet', not {fmt!r}")
        self.format = fmt
        self._file: Optional[IO[str]] = None
        self._parquet: Any = None
        self.policy_version: Optional[str] = None
        if self.output is None:
            self.rows = []
        elif self.format == "parquet":
            _require_pyarrow()
            if self.output == "-":
                raise ValueError("Parquet cannot be written to standard output")
        elif self.output == "-":
            self._file = sys.stdout
        else:
            self._file = open(self.output, "w", encoding="utf-8", newline="\n")

    def write(self, part: _Part, keys: Optional["pyarrow.Array"] = None) -> None:
        text, _, _, _, version = part
        if self.policy_version is None:
            self.policy_version = version
        elif version != self.policy_version:
            raise PdaoError(
                "the batches were decided with different bundles "
                f"({self.policy_version} and {version}): every worker must load the same policies"
            )
        if self.rows is not None:
            self.rows.extend(json.loads(line) for line in text.splitlines())
        elif self._file is not None:
            self._file.write(text)
        elif text:
            self._write_parquet(text, keys)

    @property
    def string_keys(self) -> bool:
        """Whether the rows must carry string keys (Parquet from JSON input)."""
        return self.format == "parquet"

    def _write_parquet(self, text: str, keys: Optional["pyarrow.Array"]) -> None:
        pa = _require_pyarrow()
        schema = _row_schema()
        table = pa.json.read_json(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa.json.ReadOptions(block_size=max(1 << 20, 2 * len(text))),
            parse_options=pa.json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore"
            ),
        )
        if keys is not None:
            table = table.set_column(0, "key", keys)
        if self._parquet is None:
            metadata = {b"pdao.policy_version": (self.policy_version or "").encode()}
            self._parquet = pa.parquet.ParquetWriter(
                self.output, table.schema.with_metadata(metadata)
            )
        self._parquet.write_table(table.replace_schema_metadata(self._parquet.schema.metadata))

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        elif self.format == "parquet" and self.output is not None:
            # No rows at all: still an empty, valid file.
            pa = _require_pyarrow()
            pa.parquet.write_table(_row_schema().empty_table(), self.output)
        if self._file is not None and self._file is not sys.stdout:
            self._file.close()
        elif self._file is not None:
            self._file.flush()
        self._file = None


# ---------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------


@dataclass
class AuditResult:
    """What an audit did: counts, time, the bundle, where the rows went."""

    requests: int = 0
    allowed: int = 0
    denied: int = 0
    errors: int = 0
    seconds: float = 0.0
    policy_version: str = ""
    partitions: int = 0
    #: Dask workers that took part (0 in process).
    workers: int = 0
    output: Optional[str] = None
    #: The rows, when no output was given.
    rows: Optional[List[AuditRow]] = field(default=None, repr=False)

    @property
    def throughput(self) -> float:
        """Requests per second, reading and writing included."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def add(self, part: _Part) -> int:
        _, allowed, denied, errors, _ = part
        self.allowed += allowed
        self.denied += denied
        self.errors += errors
        count = allowed + denied + errors
        self.requests += count
        self.partitions += 1
        return count

    def __str__(self) -> str:
        where = f"on {self.workers} Dask workers" if self.workers else "in process"
        return (
            f"{self.requests} requests: {self.allowed} allow, {self.denied} deny "
            f"({self.errors} errors, denied) in {self.seconds:.2f} s {where}, "
            f"{self.throughput:,.0f} requests/s; policy {self.policy_version}"
        )


class _Progress:
    """A tqdm bar on standard error, or nothing."""

    def __init__(self, enabled: Optional[bool], total: Optional[int]) -> None:
        self._bar: Any = None
        if enabled is None:
            enabled = sys.stderr.isatty()
            if enabled:
                try:
                    import tqdm  # noqa: F401
                except ImportError:  # pragma: no cover - without the audit extra
                    enabled = False
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, unit="req", unit_scale=True, desc="pdao audit", file=sys.stderr
            )

    def update(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def audit(
    source: Union[PathLike, Iterable[Mapping[str, Any]]],
    output: Optional[PathLike] = None,
    *,
    key: str = "id",
    request_field: str = "request",
    policies: Optional[PathLike] = None,
    scheduler: Any = None,
    format: Optional[str] = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    threads: Optional[int] = None,
    progress: Optional[bool] = None,
) -> AuditResult:
    """Decides every record of ``source`` and writes one row per record.

    :param source: a JSON Lines file, a Parquet file (``.parquet``/``.pq``)
        or an iterable of records (dicts with the key and the request).
    :param output: a JSON Lines or Parquet file (by suffix, or ``format``),
        ``"-"`` for JSON Lines on standard output, or ``None`` to keep the
        rows in ``AuditResult.rows``.
    :param key: the member (column) holding each record's key.
    :param request_field: the member (column) holding the request.
    :param policies: a bundle directory; ``None`` is the embedded bundle.
    :param scheduler: ``None`` to decide in process, or a
        ``distributed.Client``, or a Dask scheduler address
        (``"tcp://host:8786"``) to decide on its workers.
    :param batch_size: records per batch (per partition on Dask).
    :param threads: threads per batch; ``None`` is every core in process and
        one per partition on Dask (the workers' threads share the cores).
    :param progress: a progress bar on standard error; ``None`` shows it
        only when standard error is a terminal.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if threads is not None and threads < 1:
        raise ValueError("threads must be at least 1 (or None)")
    started = time.perf_counter()
    policies_dir = None if policies is None else os.fspath(Path(policies).resolve())
    result = AuditResult()
    writer = _Writer(output, format)
    try:
        if scheduler is None:
            _audit_in_process(source, writer, result, key, request_field, policies_dir,
                              batch_size, threads, progress)
        else:
            _audit_on_dask(source, writer, result, key, request_field, policies_dir,
                           scheduler, batch_size, threads, progress)
    finally:
        writer.close()
    result.seconds = time.perf_counter() - started
    result.policy_version = writer.policy_version or engine_for(policies_dir).policy_version
    result.output = writer.output
    result.rows = writer.rows
    return result


def _audit_in_process(
    source: Union[PathLike, Iterable[Mapping[str, Any]]],
    writer: _Writer,
    result: AuditResult,
    key: str,
    request_field: str,
    policies: Optional[str],
    batch_size: int,
    threads: Optional[int],
    progress: Optional[bool],
) -> None:
    engine_for(policies)  # a bundle that does not load fails before any output
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if _is_parquet(path):
            pq = _require_pyarrow().parquet
            key_column, request_column = _parquet_column_names(path, key, request_field)
            parquet = pq.ParquetFile(path)
            bar = _Progress(progress, parquet.metadata.num_rows)
            try:
                columns = [c for c in (key_column, request_column) if c is not None]
                for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
                    keys, requests, key_array = _parquet_columns(
                        batch, key_column, request_column
                    )
                    part = _decide_requests(requests, keys, policies, threads)
                    writer.write(part, key_array)
                    bar.update(result.add(part))
            finally:
                bar.close()
            return
        with open(path, "rb") as file:
            _decide_all_lines(file, None, writer, result, key, request_field, policies,
                              batch_size, threads, progress)
        return
    lines = [_record_line(i, r) for i, r in enumerate(source)]
    _decide_all_lines(lines, len(lines), writer, result, key, request_field, policies,
                      batch_size, threads, progress)


def _decide_all_lines(
    lines: Iterable[Union[str, bytes]],
    total: Optional[int],
    writer: _Writer,
    result: AuditResult,
    key: str,
    request_field: str,
    policies: Optional[str],
    batch_size: int,
    threads: Optional[int],
    progress: Optional[bool],
) -> None:
    bar = _Progress(progress, total)
    try:
        for chunk in _chunks(lines, batch_size):
            part = _decide_lines(chunk, key, request_field, policies, threads, writer.string_keys)
            writer.write(part)
            bar.update(result.add(part))
    finally:
        bar.close()


def _audit_on_dask(
    source: Union[PathLike, Iterable[Mapping[str, Any]]],
    writer: _Writer,
    result: AuditResult,
    key: str,
    request_field: str,
    policies: Optional[str],
    scheduler: Any,
    batch_size: int,
    threads: Optional[int],
    progress: Optional[bool],
) -> None:
    try:
        import dask.bag as db
        from distributed import Client, as_completed
    except ImportError as e:  # pragma: no cover - without the dask extra
        raise PdaoError("Dask audits need dask.distributed: pip install 'pdao[dask]'") from e
    threads = 1 if threads is None else threads
    own_client = not isinstance(scheduler, Client)
    client = Client(scheduler) if own_client else scheduler
    try:
        client.register_plugin(EnginePlugin(policies))
        result.workers = len(client.scheduler_info().get("workers", {}))
        total: Optional[int] = None
        parquet = False
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(Path(source).resolve())
            if _is_parquet(path):
                parquet = True
                pq = _require_pyarrow().parquet
                key_column, request_column = _parquet_column_names(path, key, request_field)
                metadata = pq.ParquetFile(path).metadata
                total = metadata.num_rows
                slices = [
                    (path, rg, start, min(batch_size, rows - start), key_column, request_column)
                    for rg in range(metadata.num_row_groups)
                    for rows in [metadata.row_group(rg).num_rows]
                    for start in range(0, rows, batch_size)
                ]
                bag = db.from_sequence(slices, partition_size=1).map_partitions(
                    _dask_parquet, policies, threads
                )
            else:
                bag = db.read_text(
                    path, blocksize=batch_size * 1024, errors="surrogateescape"
                ).map_partitions(
                    _dask_lines, key, request_field, policies, threads, writer.string_keys
                )
        else:
            lines = [_record_line(i, r) for i, r in enumerate(source)]
            total = len(lines)
            bag = db.from_sequence(lines, partition_size=batch_size).map_partitions(
                _dask_records, key, request_field, policies, threads, writer.string_keys
            )
        parts = bag.to_delayed()
        futures = client.compute(parts)
        order = {future: i for i, future in enumerate(futures)}
        done: Dict[int, List[Any]] = {}
        next_index = 0
        bar = _Progress(progress, total)
        try:
            for future, value in as_completed(futures, with_results=True):
                done[order[future]] = value
                future.release()
                while next_index in done:
                    for item in done.pop(next_index):
                        if parquet:
                            part, keys = item
                            writer.write(part, keys)
                        else:
                            part = item
                            writer.write(part)
                        bar.update(result.add(part))
                    next_index += 1
        finally:
            bar.close()
        # Partitions, not slices: `add` counted slices; report Dask's.
        result.partitions = len(parts)
    finally:
        if own_client:
            client.close()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m pdao.audit``: exit 0 when every record was written (denied
    and undecidable records included), 1 on a usage, input or bundle error."""
    parser = argparse.ArgumentParser(
        prog="python -m pdao.audit",
        description=(
            "Decide every record of a JSON Lines or Parquet file with pdao and write one "
            "row per record (key, decision, reasons, missing facts, obligations)."
        ),
    )
    parser.add_argument("input", help="JSON Lines file, or Parquet (.parquet, .pq)")
    parser.add_argument(
        "output", nargs="?", default="-",
        help="JSON Lines or Parquet (.parquet, .pq) file; - (default) for standard output",
    )
    parser.add_argument("--key", default="id", help="the member holding each record's key")
    parser.add_argument(
        "--request-field", default="request", help="the member holding the request"
    )
    parser.add_argument("--policies", metavar="DIR", help="bundle directory (default: embedded)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    where.add_argument(
        "--local-cluster", type=int, metavar="N",
        help="start a Dask LocalCluster of N worker processes on this machine",
    )
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--threads", type=int, help="threads per batch")
    parser.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="progress bar on standard error (default: when it is a terminal)",
    )
    args = parser.parse_args(argv)
    cluster: Any = None
    scheduler: Any = args.scheduler
    try:
        if args.local_cluster is not None:
            from distributed import LocalCluster

            cluster = LocalCluster(
                n_workers=args.local_cluster, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None,
            )
            scheduler = cluster.scheduler_address
        result = audit(
            args.input, args.output, key=args.key, request_field=args.request_field,
            policies=args.policies, scheduler=scheduler, batch_size=args.batch_size,
            threads=args.threads, progress=args.progress,
        )
    except (PdaoError, OSError, ValueError, ImportError) as e:
        print(f"pdao.audit: error: {e}", file=sys.stderr)
        return 1
    finally:
        if cluster is not None:
            cluster.close()
    print(f"pdao.audit: {result}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy, so that Dask
    # pickles pdao.audit's functions by reference.
    from pdao.audit import main as _main

    sys.exit(_main())
