"""pdao.audit: rows that match the engine, JSON Lines and Parquet, and the
same bytes on a Dask LocalCluster of 2 workers as in process."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pdao
import pdao.audit
from conftest import GOLDEN

SEED = 14


def variants(request: Dict[str, Any], rng: random.Random) -> Iterator[Dict[str, Any]]:
    """The request and five changed copies: another date, a fact removed, a
    boolean flipped, an event dropped, a material dropped (whatever the
    request has)."""
    yield request
    moved = copy.deepcopy(request)
    year, rest = moved["date"].split("-", 1)
    moved["date"] = f"{int(year) + rng.choice([-2, -1, 1])}-{rest}"  # may be 02-29 of a common year
    yield moved
    objects = [k for k, v in request.items() if isinstance(v, dict) and v]
    for change in ("remove", "flip"):
        changed = copy.deepcopy(request)
        if objects:
            facts = changed[rng.choice(objects)]
            name = rng.choice(sorted(facts))
            if change == "remove":
                del facts[name]
            elif isinstance(facts[name], bool):
                facts[name] = not facts[name]
        yield changed
    for listed in ("events", "materials"):
        changed = copy.deepcopy(request)
        if changed.get(listed):
            changed[listed].pop(rng.randrange(len(changed[listed])))
        yield changed


def records() -> List[Dict[str, Any]]:
    rng = random.Random(SEED)
    out = []
    for case in GOLDEN:
        for i, request in enumerate(variants(case.request, rng)):
            out.append({"id": f"{case.name}#{i}", "request": request})
    return out


RECORDS = records()

BROKEN_LINES = [
    "not json at all",
    "",
    "   ",
    '{"id": "no-request"}',
    "[1, 2, 3]",
    '{"id": "dup", "request": {"jurisdiction": "hangzhou", "jurisdiction": "hangzhou"}}',
    '{"id": "dup-key", "id": "again", "request": {}}',
    '{"id": 42, "request": {"jurisdiction": "hangzhou", "date": "2024-13-01", "action": "apply"}}',
    '{"request": {"jurisdiction": "national", "date": "2024-05-01", "action": "apply"}}',
]


def write_jsonl(path: Path) -> int:
    """RECORDS with broken lines spread through them; the number of rows due."""
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS]
    for i, broken in enumerate(BROKEN_LINES):
        lines.insert(1 + i * (len(lines) // len(BROKEN_LINES)), broken)
    with path.open("wb") as f:
        for line in lines:
            f.write(line.encode("utf-8") + b"\n")
        f.write(b'{"id": "latin-1", "request": "caf\xe9"}\n')
    return sum(1 for line in lines if line.strip()) + 1


def rows_of(path: Path) -> List[Dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "records.jsonl"
    write_jsonl(path)
    return path


@pytest.fixture(scope="module")
def in_process(jsonl: Path) -> Path:
    out = jsonl.with_name("in-process.jsonl")
    pdao.audit.audit(jsonl, out, batch_size=500, progress=False)
    return out


def test_a_few_thousand_generated_requests(jsonl: Path) -> None:
    assert len(RECORDS) > 2500
    assert write_jsonl(jsonl.with_name("count.jsonl")) == len(RECORDS) + len(BROKEN_LINES) - 2 + 1


def test_rows_are_the_engine_s_decisions(
    engine: pdao.Engine, jsonl: Path, in_process: Path
) -> None:
    rows = rows_of(in_process)
    by_key = {r["key"]: r for r in rows if r["error"] is None}
    decided = engine.decide_many([r["request"] for r in RECORDS])
    allowed = denied = 0
    for record, decision in zip(RECORDS, decided):
        row = by_key.get(record["id"])
        if isinstance(decision, pdao.RequestError):
            assert row is None  # it is an error row (keyed, below)
            continue
        assert row is not None
        assert row["decision"] == decision["decision"]
        assert row["reasons"] == [r["rule"] for r in decision["reasons"]]
        assert row["missing"] == decision["missing"]
        assert row["obligations"] == [
            {"rule": o["rule"], "due": o.get("due")} for o in decision["obligations"]
        ]
        allowed += decision["decision"] == "allow"
        denied += decision["decision"] == "deny"
    assert allowed > 300 and denied > 1000, (allowed, denied)
    # Rows keep the input's order.
    keys = [r["key"] for r in rows]
    positions = [keys.index(record["id"]) for record in RECORDS[::97]]
    assert positions == sorted(positions)


def test_records_that_cannot_be_decided_are_denied_with_the_error(
    engine: pdao.Engine, in_process: Path
) -> None:
    rows = rows_of(in_process)
    errors = [r for r in rows if r["error"] is not None]
    assert all(r["decision"] == "deny" and r["reasons"] == [] for r in errors)
    codes = {(r["key"], r["error"]["code"], r["error"]["field"]) for r in errors}
    assert (None, "invalid_json", None) in codes
    assert ("no-request", "missing_field", "request") in codes
    assert (None, "wrong_type", "(record)") in codes
    assert ("dup", "duplicate_key", "jurisdiction") in codes
    assert ("dup-key", "duplicate_key", "id") in codes  # the first key is kept
    assert (42, "bad_date", "date") in codes
    assert (None, "invalid_utf8", None) in codes
    # Moved dates land on 29 February of common years now and then.
    assert any(code == "bad_date" and key != 42 for key, code, _ in codes)
    invalid = next(r for r in errors if r["error"]["code"] == "invalid_json")
    assert (invalid["error"]["line"], invalid["error"]["column"]) == (1, 2)
    unkeyed = [r for r in rows if r["key"] is None and r["error"] is None]
    national = engine.decide({"jurisdiction": "national", "date": "2024-05-01", "action": "apply"})
    assert len(unkeyed) == 1 and unkeyed[0]["decision"] == national["decision"]


def test_in_memory_records_and_result(engine: pdao.Engine, in_process: Path) -> None:
    result = pdao.audit.audit(RECORDS[:700], batch_size=128, threads=2)
    assert result.rows is not None and len(result.rows) == 700 == result.requests
    assert result.allowed + result.denied + result.errors == 700
    assert result.partitions == 6 and result.workers == 0
    assert result.policy_version == engine.policy_version
    assert result.throughput > 0 and "700 requests" in str(result)
    rows = {r["key"]: r for r in rows_of(in_process)}
    assert all(rows[r["key"]] == r for r in result.rows)
    with pytest.raises(pdao.InvalidRequestError):
        pdao.audit.audit([{"id": 1, "request": {"x": {1, 2}}}])


def to_parquet(jsonl_rows: List[Dict[str, Any]], path: Path, row_group: int) -> None:
    table = pa.table(
        {
            "id": [r["id"] for r in jsonl_rows],
            "request": [json.dumps(r["request"]) for r in jsonl_rows],
        }
    )
    pq.write_table(table, path, row_group_size=row_group)


def test_parquet_in_and_out(engine: pdao.Engine, jsonl: Path, in_process: Path) -> None:
    source = jsonl.with_name("records.parquet")
    to_parquet(RECORDS, source, row_group=400)
    out = jsonl.with_name("from-parquet.parquet")
    result = pdao.audit.audit(source, out, batch_size=300, progress=False)
    assert result.requests == len(RECORDS)
    table = pq.read_table(out)
    assert table.column_names == ["key", "decision", "reasons", "missing", "obligations", "error"]
    assert table.schema.field("key").type == pa.string()
    assert table.schema.metadata[b"pdao.policy_version"] == engine.policy_version.encode()
    expected = {r["key"]: r for r in rows_of(in_process)}
    assert [row == expected[row["key"]] for row in table.to_pylist()] == [True] * len(RECORDS)
    # Parquet rows from JSON Lines: the same rows, keys as strings (a
    # non-string key as its JSON text).
    both = jsonl.with_name("from-jsonl.parquet")
    pdao.audit.audit(jsonl, both, batch_size=700)
    rows = pq.read_table(both).to_pylist()
    json_rows = rows_of(in_process)
    assert len(rows) == len(json_rows)
    for row, json_row in zip(rows, json_rows):
        key = json_row["key"]
        json_row["key"] = key if key is None or isinstance(key, str) else json.dumps(key)
        assert row == json_row
    assert any(r["key"] == "42" and r["error"]["code"] == "bad_date" for r in rows)


def test_parquet_needs_a_text_request_column(jsonl: Path) -> None:
    source = jsonl.with_name("struct.parquet")
    pq.write_table(pa.table({"id": [1], "request": [{"jurisdiction": "hangzhou"}]}), source)
    with pytest.raises(pdao.PdaoError, match="JSON text"):
        pdao.audit.audit(source)
    with pytest.raises(pdao.PdaoError, match="no column `req`"):
        pdao.audit.audit(source, request_field="req")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as local, Client(local) as client:
        yield client


def test_dask_gives_exactly_the_in_process_results(
    cluster: Any, jsonl: Path, in_process: Path
) -> None:
    out = jsonl.with_name("dask.jsonl")
    result = pdao.audit.audit(jsonl, out, scheduler=cluster, batch_size=64, progress=False)
    assert result.workers == 2 and result.partitions >= 8
    assert out.read_bytes() == in_process.read_bytes()
    assert result.requests == len(rows_of(in_process))
    # Each worker built one engine (the plugin) and decided partitions with it.
    built = cluster.run(pdao.audit.engines_built)
    assert sorted(built.values()) == [1, 1], built
    # Parquet in and out, by row-group slices.
    source = jsonl.with_name("dask-records.parquet")
    to_parquet(RECORDS, source, row_group=256)
    here = jsonl.with_name("here.parquet")
    there = jsonl.with_name("there.parquet")
    pdao.audit.audit(source, here, batch_size=200)
    result = pdao.audit.audit(source, there, scheduler=cluster.scheduler.address, batch_size=200)
    assert result.workers == 2
    assert pq.read_table(there).equals(pq.read_table(here))
    # In-memory records.
    memory = pdao.audit.audit(RECORDS[:900], scheduler=cluster, batch_size=100)
    assert memory.rows == pdao.audit.audit(RECORDS[:900]).rows
    assert sorted(cluster.run(pdao.audit.engines_built).values()) == [1, 1]


def test_dask_workers_load_the_policies_directory(cluster: Any, tmp_path: Path) -> None:
    from conftest import POLICIES

    result = pdao.audit.audit(RECORDS[:300], scheduler=cluster, policies=POLICIES, batch_size=50)
    assert result.rows == pdao.audit.audit(RECORDS[:300], policies=POLICIES).rows
    with pytest.raises(pdao.BundleError):
        pdao.audit.audit(RECORDS[:10], policies=tmp_path / "nowhere")


def test_command_line(jsonl: Path, in_process: Path) -> None:
    out = jsonl.with_name("cli.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "pdao.audit", str(jsonl), str(out), "--batch-size", "1000"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == in_process.read_bytes()
    # Not a terminal: no progress bar, one summary line.
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("pdao.audit: ")
    assert f"{len(rows_of(in_process))} requests" in done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "pdao.audit", str(jsonl), "-", "--progress"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert shown.returncode == 0
    assert shown.stdout.encode() == in_process.read_bytes()
    assert "pdao audit" in shown.stderr and "req" in shown.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "pdao.audit", str(jsonl.with_name("absent.jsonl"))],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert missing.returncode == 1 and "pdao.audit: error:" in missing.stderr


def test_command_line_on_a_local_cluster(jsonl: Path, in_process: Path) -> None:
    out = jsonl.with_name("cli-dask.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "pdao.audit", str(jsonl), str(out), "--local-cluster", "2",
         "--batch-size", "256"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == in_process.read_bytes()
    assert "on 2 Dask workers" in done.stderr.splitlines()[-1]
