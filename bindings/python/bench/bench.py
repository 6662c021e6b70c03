"""pdao from Python, side by side in one run (``bench/run`` runs this after
the Rust benchmarks and passes their results):

1. per call, on the four benchmark requests: ``Engine.decide`` (dict in,
   dict out) and ``Engine.decide_json`` (text in, text out) against
   ``cedarpy.is_authorized`` on the same 118 policies (a pre-parsed
   ``PolicySet``) with the context prepared by pdao in advance (a JSON
   string: cedarpy does not even serialise it), and against the Rust
   figures measured by criterion in the same run;
2. batch throughput on the batch of the Rust benchmark (600 requests):
   ``decide_many`` and ``decide_many_json`` on 1 and 2 threads against
   ``cedarpy.is_authorized_batch`` and the Rust batch;
3. the audit of 100 000 requests (JSON Lines in and out): in process, and
   on a Dask ``LocalCluster`` of 2 worker processes.

Prints markdown tables on standard output, progress on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import timeit
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import cedarpy

import pdao
import pdao.audit


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def per_call(fn: Callable[[], Any], seconds: float, repeat: int = 15) -> float:
    """Median seconds per call over `repeat` runs of about seconds/repeat each."""
    fn()
    number = 1
    while True:
        took = timeit.timeit(fn, number=number)
        if took > 0.02:
            break
        number *= 2
    number = max(1, int(number * (seconds / repeat) / took))
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number


def criterion(target: Path, group: str, function: str, value: str) -> Optional[float]:
    """A criterion median in seconds, or None when it was not measured."""
    path = target / "criterion" / group / function / value / "new" / "estimates.json"
    try:
        with path.open() as f:
            return float(json.load(f)["median"]["point_estimate"]) / 1e9
    except (OSError, KeyError, ValueError):
        return None


def us(seconds: Optional[float]) -> str:
    return "–" if seconds is None else f"{seconds * 1e6:.2f} µs"


def ratio(a: Optional[float], b: Optional[float]) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def calls(engine: pdao.Engine, inputs: Dict[str, Any], target: Path, seconds: float) -> List[str]:
    policies = cedarpy.PolicySet.from_str(inputs["policies"])
    entities = cedarpy.Entities.from_json_str("[]")
    lines = [
        "**Per call** — medians; Rust: criterion `vs_cedar` in the same run; cedarpy: "
        f"`is_authorized` with all {inputs['policy_count']} policies pre-parsed "
        "(`PolicySet`) and the context prepared by pdao as a JSON string.",
        "",
        "| request | Python `decide` (dict → dict) | Python `decide_json` (text → text) "
        "| Rust `decide_json` | Rust `decide_json` + `to_json_pretty` | Python `decide` / Rust "
        "| Python `decide_json` / Rust text | `cedarpy.is_authorized` | Rust raw Cedar "
        "| Python `decide` / cedarpy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in inputs["requests"]:
        name, text = item["name"], item["text"]
        request = json.loads(text)
        cedar = dict(item["cedar"])
        cedar["context"] = json.dumps(cedar["context"])
        answer = cedarpy.is_authorized(cedar, policies, entities)
        expected = item["cedar_decision"]
        if answer.decision.value != expected:
            raise SystemExit(f"{name}: cedarpy says {answer.decision}, raw Cedar {expected}")
        log(f"per call: {name}")
        decide = per_call(lambda: engine.decide(request), seconds)
        decide_json = per_call(lambda: engine.decide_json(text), seconds)
        cedarpy_call = per_call(lambda: cedarpy.is_authorized(cedar, policies, entities), seconds)
        rust_json = criterion(target, "vs_cedar", "pdao_decide_json", name)
        rust_text = criterion(target, "vs_cedar", "pdao_decide_json_text", name)
        rust_cedar = criterion(target, "vs_cedar", "cedar_is_authorized", name)
        lines.append(
            f"| {name} | {us(decide)} | {us(decide_json)} | {us(rust_json)} | {us(rust_text)} "
            f"| {ratio(decide, rust_json)} | {ratio(decide_json, rust_text)} "
            f"| {us(cedarpy_call)} | {us(rust_cedar)} | {ratio(decide, cedarpy_call)} |"
        )
    return lines


def batches(engine: pdao.Engine, inputs: Dict[str, Any], target: Path, seconds: float) -> List[str]:
    policies = cedarpy.PolicySet.from_str(inputs["policies"])
    entities = cedarpy.Entities.from_json_str("[]")
    texts = [item["text"] for item in inputs["batch"]]
    requests = [json.loads(t) for t in texts]
    cedar = []
    for item in inputs["batch"]:
        request = dict(item["cedar"])
        request["context"] = json.dumps(request["context"])
        cedar.append(request)
    n = len(requests)
    lines = [
        f"**Batch** — the Rust batch benchmark's {n} requests (400 generated Hangzhou "
        "applications, the four requests 50 times); requests per second.",
        "",
        "| threads | Python `decide_many` (dicts) | speed-up | Python `decide_many_json` (texts) "
        "| speed-up | Rust batch (parsed requests) | speed-up | `cedarpy.is_authorized_batch` |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rates: Dict[str, Dict[int, float]] = {"many": {}, "json": {}, "rust": {}}
    for threads in (1, 2):
        log(f"batch: {threads} thread(s)")
        many = per_call(lambda: engine.decide_many(requests, threads=threads), seconds, 10)
        many_json = per_call(lambda: engine.decide_many_json(texts, threads=threads), seconds, 10)
        rust = criterion(target, "batch", "pdao_decide", f"threads_{threads}")
        rates["many"][threads] = n / many
        rates["json"][threads] = n / many_json
        if rust is not None:
            rates["rust"][threads] = n / rust
    answers = cedarpy.is_authorized_batch(cedar, policies, entities)
    assert len(answers) == n
    cedar_batch = per_call(lambda: cedarpy.is_authorized_batch(cedar, policies, entities), seconds, 10)
    for threads in (1, 2):
        def up(kind: str) -> str:
            if threads not in rates[kind] or 1 not in rates[kind]:
                return "–"
            return f"{rates[kind][threads] / rates[kind][1]:.2f}×"

        rust_rate = rates["rust"].get(threads)
        lines.append(
            f"| {threads} | {rates['many'][threads]:,.0f} | {up('many')} "
            f"| {rates['json'][threads]:,.0f} | {up('json')} "
            f"| {'–' if rust_rate is None else f'{rust_rate:,.0f}'} | {up('rust')} "
            f"| {n / cedar_batch:,.0f} (1 thread) |"
        )
    return lines


def audits(inputs: Dict[str, Any], count: int, workdir: Path) -> List[str]:
    source = workdir / "requests.jsonl"
    texts = [json.dumps(json.loads(item["text"]), ensure_ascii=False) for item in inputs["batch"]]
    with source.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(f'{{"id":{i},"request":{texts[i % len(texts)]}}}\n')
    size = source.stat().st_size
    lines = [
        f"**Audit** — {count:,} requests in JSON Lines ({size / 1e6:.0f} MB; the batch's "
        "requests cycled), rows written to JSON Lines; wall time of `pdao.audit.audit` "
        "(reading, deciding, writing).",
        "",
        "| where | partitions | time | requests/s |",
        "|---|---:|---:|---:|",
    ]
    log("audit: in process, 2 threads")
    here = pdao.audit.audit(source, workdir / "here.jsonl", threads=2, progress=False)
    lines.append(
        f"| in process, 2 threads | {here.partitions} | {here.seconds:.2f} s | {here.throughput:,.0f} |"
    )
    from distributed import Client, LocalCluster

    log("audit: Dask LocalCluster, 2 workers")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:
        there = pdao.audit.audit(source, workdir / "there.jsonl", scheduler=client, progress=False)
    same = (workdir / "here.jsonl").read_bytes() == (workdir / "there.jsonl").read_bytes()
    if not same or here.requests != count or there.requests != count:
        raise SystemExit("the Dask audit differs from the in-process audit")
    lines.append(
        f"| Dask `LocalCluster`, 2 worker processes × 1 thread | {there.partitions} "
        f"| {there.seconds:.2f} s | {there.throughput:,.0f} |"
    )
    lines.append("")
    lines.append(
        f"Both runs wrote the same {count:,} rows byte for byte ({here.allowed:,} allow, "
        f"{here.denied:,} deny, {here.errors} errors)."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", type=Path, help="the JSON of `--example cedar_inputs`")
    parser.add_argument("target", type=Path, help="the cargo target directory (criterion results)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure")
    parser.add_argument("--audit", type=int, default=100_000, help="requests in the audit")
    args = parser.parse_args()
    with args.inputs.open() as f:
        inputs = json.load(f)
    engine = pdao.Engine()
    if engine.policy_version != inputs["policy_version"]:
        raise SystemExit("the wheel and the Rust benchmarks were built from different bundles")
    out = calls(engine, inputs, args.target, args.seconds)
    out += [""] + batches(engine, inputs, args.target, args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        out += [""] + audits(inputs, args.audit, Path(tmp))
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    out += [
        "",
        f"Measured on: {cpu}, `nproc` = {os.cpu_count()}, CPython {platform.python_version()}, "
        f"pdao {pdao.__version__} (release wheel), cedarpy {metadata.version('cedarpy')}.",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
