"""The rest of the Engine's surface against the CLI: loading bundles,
explain, why-not, check, versions, errors as objects."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any, Dict

import pytest

import pdao
from conftest import BROKEN_BUNDLES, POLICIES, ROOT, run_cli

EXAMPLE = ROOT / "examples" / "hangzhou-apply.json"
DENIED = ROOT / "benches" / "requests" / "hangzhou-apply-deny.json"


def load(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data: Dict[str, Any] = json.load(f)
    return data


def test_the_embedded_bundle_and_the_policies_directory_are_the_same(
    engine: pdao.Engine,
) -> None:
    from_dir = pdao.Engine.from_dir(POLICIES)
    assert from_dir.policy_version == engine.policy_version
    assert engine.policy_version.startswith("sha256:") and len(engine.policy_version) == 71
    request = load(EXAMPLE)
    assert from_dir.decide(request) == engine.decide(request)
    assert engine.decide(request)["policy_version"] == engine.policy_version
    assert repr(engine).startswith("<pdao.Engine sha256:")


def test_version_is_the_crate_s() -> None:
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    assert f'version = "{pdao.__version__}"' in cargo


def test_explain_text_is_what_pdao_explain_prints(engine: pdao.Engine) -> None:
    for path in (EXAMPLE, DENIED):
        native = run_cli("explain", str(path))
        assert native.code in (0, 2)
        text = path.read_text(encoding="utf-8")
        assert engine.explain_text(text).encode("utf-8") == native.stdout
        assert engine.explain_text(load(path)).encode("utf-8") == native.stdout


def test_why_not_is_what_pdao_why_not_prints(engine: pdao.Engine) -> None:
    native = run_cli("why-not", "--json", str(DENIED))
    assert native.code == 0, native.stderr
    answer = engine.why_not(load(DENIED))
    assert answer == json.loads(native.stdout)
    assert answer["decision"] == "deny" and answer["solutions"]
    # The first solution, applied, is allowed.
    assert engine.decide(answer["solutions"][0]["request"])["decision"] == "allow"
    assert engine.why_not(load(EXAMPLE))["decision"] == "allow"
    with pytest.raises(pdao.UnknownJurisdictionError):
        engine.why_not('{"jurisdiction": "zhousan", "date": "2024-05-01", "action": "apply"}')


def test_check_reports_the_bundle_and_its_audits(engine: pdao.Engine) -> None:
    summary = engine.check()
    assert summary["ok"] and summary["problems"] == []
    assert summary["version"] == engine.policy_version
    native = run_cli("check")
    assert native.code == 0
    first = native.stdout.decode().splitlines()[0]
    assert f"{len(summary['layers'])} layers, {summary['policies']} policies" in first
    assert f"{summary['definitions']} temporal definitions" in first
    hangzhou = next(layer for layer in summary["layers"] if layer["id"] == "hangzhou")
    assert hangzhou["parent"] == "zhejiang" and hangzhou["policies"] > 0
    audited = engine.check(catalog=ROOT / "sources" / "CATALOG.md", seeds=ROOT / "sources" / "seeds")
    assert audited["ok"], audited
    assert audited["catalog"]["encoded"] == audited["catalog"]["catalog"] > 100
    assert audited["catalog"]["missing"] == [] == audited["catalog"]["unknown"]


def test_check_fails_on_a_catalog_the_bundle_does_not_match(
    engine: pdao.Engine, tmp_path: Path
) -> None:
    catalog = tmp_path / "CATALOG.md"
    catalog.write_text("### zhejiang.operator.mlps3\n### no.such.rule\n", encoding="utf-8")
    summary = engine.check(catalog=catalog)
    assert not summary["ok"]
    assert summary["catalog"]["missing"] == ["no.such.rule"]
    assert "hangzhou.agreement.term" in summary["catalog"]["unknown"]
    with pytest.raises(OSError):
        engine.check(catalog=tmp_path / "absent.md")


with (BROKEN_BUNDLES / "expected.json").open(encoding="utf-8") as f:
    BROKEN: Dict[str, Any] = json.load(f)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_bundles_raise_bundle_error_with_every_problem(name: str) -> None:
    expected = BROKEN[name]
    summary = pdao.check_dir(BROKEN_BUNDLES / name)
    if expected is None:
        assert summary["ok"] and summary["problems"] == []
        assert pdao.Engine.from_dir(BROKEN_BUNDLES / name).policy_version == summary["version"]
        return
    assert not summary["ok"]
    first = summary["problems"][0]
    assert (first["code"], first["file"], first["line"], first["column"]) == (
        expected["code"], expected["file"], expected["line"], expected["column"]
    )
    assert expected["message_contains"] in first["message"]
    with pytest.raises(pdao.BundleError) as raised:
        pdao.Engine.from_dir(BROKEN_BUNDLES / name)
    assert raised.value.problems == summary["problems"]
    assert raised.value.code == "bundle" and not isinstance(raised.value, pdao.RequestError)


def test_a_missing_directory_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(pdao.BundleError) as raised:
        pdao.Engine.from_dir(tmp_path / "nowhere")
    assert raised.value.problems


def test_errors_pickle_and_compare(engine: pdao.Engine) -> None:
    with pytest.raises(pdao.BadDateError) as raised:
        engine.decide({"jurisdiction": "hangzhou", "date": "2023-02-30", "action": "apply"})
    error = raised.value
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is pdao.BadDateError and again == error
    assert again.to_dict() == {
        "code": "bad_date", "message": error.message, "field": "date", "line": None, "column": None,
    }
    bundle_error = pdao.BundleError("broken", [{"code": "syntax"}])
    assert pickle.loads(pickle.dumps(bundle_error)).problems == [{"code": "syntax"}]
    assert pdao.errors.error_class("no_such_code") is pdao.RequestError


def test_engine_is_shared_between_threads(engine: pdao.Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    request = load(EXAMPLE)
    expected = engine.decide_json(json.dumps(request))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: engine.decide_json(json.dumps(request)), range(64)))
    assert results == [expected] * 64
