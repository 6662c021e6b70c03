// The JavaScript API in Node: decisions and explanations for several
// jurisdictions, structured errors, bundles from files, check and version.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { bundleFiles, goldenCases, loadPdao, thrown } from "./helpers.mjs";

const { Engine } = loadPdao();
const engine = new Engine(); // once: every test decides on the same handle
const cases = new Map(goldenCases().map((c) => [c.name, c]));

function request(name) {
  const golden = cases.get(name);
  assert.ok(golden, `golden case "${name}" exists`);
  return structuredClone(golden.request);
}

const ids = (items) => items.map((item) => item.rule).sort();

/** The thrown value is a plain object `{code, message, ...}`, never an Error or a string. */
function assertErrorObject(error, code, field) {
  assert.equal(Object.getPrototypeOf(error), Object.prototype, "a plain object");
  assert.equal(error.code, code, JSON.stringify(error));
  assert.equal(typeof error.message, "string");
  assert.ok(error.message.length > 0);
  if (field !== undefined) assert.equal(error.field, field, JSON.stringify(error));
  assert.deepEqual(JSON.parse(JSON.stringify(error)), error, "JSON round-trips");
}

describe("decisions", () => {
  it("allows a complete Hangzhou application and explains it", () => {
    const req = request("a Hangzhou application for one scenario with its data list is allowed");
    const decision = engine.decide(req);
    assert.equal(decision.decision, "allow");
    assert.deepEqual(decision.layers, ["national", "zhejiang", "hangzhou"]);
    assert.deepEqual(decision.reasons, []);
    assert.deepEqual(decision.missing, []);
    assert.ok(decision.satisfied.includes("hangzhou.scenario.one_scenario_one_list"));
    assert.ok(ids(decision.obligations).includes("zhejiang.grant.publish_and_file"));
    assert.equal(decision.policy_version, engine.version());

    const text = engine.explainText(req);
    assert.ok(text.startsWith("ALLOW 允许 — hangzhou · apply · 2024-06-03\n"), text);
    assert.ok(text.includes("Layers 层级: national → zhejiang → hangzhou"), text);
    assert.equal(engine.explainText(JSON.stringify(req)), text, "object and JSON text explain alike");
  });

  it("refuses an 18-month Hangzhou agreement, citing the city plan", () => {
    const req = request("a Hangzhou agreement of 18 months is refused");
    const decision = engine.decide(req);
    assert.equal(decision.decision, "deny");
    assert.deepEqual(ids(decision.reasons), ["hangzhou.agreement.term"]);
    const [reason] = decision.reasons;
    assert.equal(reason.layer, "hangzhou");
    for (const key of ["document", "title", "article", "quote"]) {
      assert.ok(reason.source[key].length > 0, `source.${key}`);
    }
    const text = engine.explainText(req);
    assert.ok(text.startsWith("DENY 拒绝"), text);
    assert.ok(text.includes("hangzhou.agreement.term"), text);
    assert.ok(text.includes(reason.source.article), text);
    assert.ok(text.includes(reason.source.quote.split("\n")[0]), text);
  });

  it("names a missing fact and fails closed", () => {
    const req = request("a Hangzhou application not stating the network security review result is refused as missing");
    const decision = engine.decide(req);
    assert.equal(decision.decision, "deny");
    assert.deepEqual(decision.missing, ["scenario.security_review_passed"]);
    assert.ok(decision.reasons.some((r) => r.missing?.includes("scenario.security_review_passed")));
    assert.ok(engine.explainText(req).includes("Missing facts 缺少事实: scenario.security_review_passed"));
  });

  it("computes a Zhejiang log-retention deadline after termination", () => {
    const req = request("a Zhejiang termination in mid-March keeps network logs until mid-September");
    const decision = engine.decide(req);
    assert.equal(decision.decision, "allow");
    assert.deepEqual(decision.layers, ["national", "zhejiang"]);
    const retention = decision.obligations.find((o) => o.rule === "zhejiang.terminate.retain_network_logs");
    assert.ok(retention, JSON.stringify(decision.obligations));
    assert.match(retention.due, /^\d{4}-09-\d{2}$/);
    assert.ok(engine.explainText(req).includes(`due 期限 ${retention.due}`));
  });

  it("refuses a Zhaoqing request on blanket consent by national and city rules", () => {
    const decision = engine.decide(request("a Zhaoqing data request relying on blanket consent is refused by national and Zhaoqing rules"));
    assert.equal(decision.decision, "deny");
    assert.deepEqual(decision.layers, ["national", "guangdong", "zhaoqing"]);
    const layers = new Set(decision.reasons.map((r) => r.layer));
    assert.ok(layers.has("national") && layers.has("zhaoqing"), JSON.stringify([...layers]));
  });

  it("refuses a Quanzhou data request during a business restriction", () => {
    const decision = engine.decide(request("a Quanzhou data request during a business restriction is refused"));
    assert.equal(decision.decision, "deny");
    assert.deepEqual(decision.layers, ["national", "fujian", "quanzhou"]);
    assert.ok(ids(decision.reasons).includes("quanzhou.rectification.business_restriction"));
  });

  for (const jurisdiction of ["fujian", "guangdong"]) {
    it(`denies a ${jurisdiction} application as not covered`, () => {
      const decision = engine.decide({ jurisdiction, date: "2024-05-01", action: "apply" });
      assert.equal(decision.decision, "deny");
      assert.deepEqual(decision.reasons.map((r) => [r.rule, r.effect]), [["pdao.coverage", "coverage"]]);
    });
  }

  it("consults each jurisdiction's chain, highest first", () => {
    const chains = {
      national: ["national"],
      zhejiang: ["national", "zhejiang"],
      hangzhou: ["national", "zhejiang", "hangzhou"],
      zhoushan: ["national", "zhejiang", "zhoushan"],
      guangdong: ["national", "guangdong"],
      zhaoqing: ["national", "guangdong", "zhaoqing"],
      fujian: ["national", "fujian"],
      quanzhou: ["national", "fujian", "quanzhou"],
    };
    for (const [jurisdiction, chain] of Object.entries(chains)) {
      const decision = engine.decide({ jurisdiction, date: "2025-06-01", action: "operate" });
      assert.deepEqual(decision.layers, chain, jurisdiction);
      assert.deepEqual(decision.layer_report.map((l) => l.layer), chain, jurisdiction);
    }
  });

  it("decides the same request the same way, object or JSON text", () => {
    const req = request("a Hangzhou agreement of 18 months is refused");
    const text = engine.decideJson(JSON.stringify(req));
    assert.equal(text, JSON.stringify(engine.decide(req), null, 2));
    assert.equal(engine.decideJson(JSON.stringify(req)), text, "deterministic");
  });
});

describe("errors", () => {
  const base = () => request("a Hangzhou application for one scenario with its data list is allowed");

  it("an unknown jurisdiction → {code, field: jurisdiction}", () => {
    const error = thrown(() => engine.decide({ ...base(), jurisdiction: "atlantis" }));
    assertErrorObject(error, "unknown_jurisdiction", "jurisdiction");
    assert.match(error.message, /atlantis/);
  });

  it("a bad date → {code: bad_date, field: date}", () => {
    assertErrorObject(thrown(() => engine.decide({ ...base(), date: "2024-02-30" })), "bad_date", "date");
    assertErrorObject(thrown(() => engine.decideJson(JSON.stringify({ ...base(), date: "01/05/2024" }))), "bad_date", "date");
  });

  it("an unknown action → {code: unknown_action, field: action}", () => {
    assertErrorObject(thrown(() => engine.decide({ ...base(), action: "fly" })), "unknown_action", "action");
  });

  it("malformed JSON → {code: invalid_json, line, column}, no field", () => {
    const error = thrown(() => engine.decideJson('{\n  "jurisdiction": "hangzhou",\n  oops\n}'));
    assertErrorObject(error, "invalid_json");
    assert.equal(error.field, undefined);
    assert.equal(error.line, 3);
    assert.equal(typeof error.column, "number");
    assertErrorObject(thrown(() => engine.explainText("{")), "invalid_json");
  });

  it("a missing field, an unknown fact and a wrong type name their field", () => {
    const { date, ...noDate } = base();
    assert.ok(date);
    assertErrorObject(thrown(() => engine.decide(noDate)), "missing_field", "date");
    const unknown = base();
    unknown.operator.credit_okay = true;
    assertErrorObject(thrown(() => engine.decide(unknown)), "unknown_field", "operator.credit_okay");
    const wrong = base();
    wrong.operator.credit_ok = "yes";
    assertErrorObject(thrown(() => engine.decide(wrong)), "wrong_type", "operator.credit_ok");
  });

  it("values that are not JSON objects are refused, not crashed on", () => {
    assertErrorObject(thrown(() => engine.decide(undefined)), "invalid_request");
    assertErrorObject(thrown(() => engine.decide({ ...base(), big: 1n })), "invalid_request");
    const cyclic = base();
    cyclic.self = cyclic;
    assertErrorObject(thrown(() => engine.decide(cyclic)), "invalid_request");
    assertErrorObject(thrown(() => engine.decide("not an object")), "wrong_type");
    assertErrorObject(thrown(() => engine.decide([])), "wrong_type");
  });

  it("the handle keeps working after errors", () => {
    assert.equal(engine.decide(base()).decision, "allow");
  });
});

describe("bundle", () => {
  it("version() is the bundle hash every decision carries", () => {
    assert.match(engine.version(), /^sha256:[0-9a-f]{64}$/);
  });

  it("check() summarises the embedded bundle", () => {
    const summary = engine.check();
    assert.equal(summary.ok, true);
    assert.equal(summary.version, engine.version());
    assert.deepEqual(summary.problems, []);
    assert.deepEqual(summary.layers.map((l) => l.id).sort(),
      ["fujian", "guangdong", "hangzhou", "national", "quanzhou", "zhaoqing", "zhejiang", "zhoushan"]);
    assert.equal(summary.layers.reduce((n, l) => n + l.policies, 0), summary.policies);
    assert.ok(summary.policies > 0 && summary.rules <= summary.policies);
    assert.equal(summary.layers.find((l) => l.id === "national").parent, null);
  });

  it("Engine.fromFiles on policies/ decides like the embedded bundle", () => {
    const fromFiles = Engine.fromFiles(bundleFiles());
    assert.equal(fromFiles.version(), engine.version(), "the same files give the same hash");
    const req = request("a Hangzhou agreement of 18 months is refused");
    assert.equal(fromFiles.decideJson(JSON.stringify(req)), engine.decideJson(JSON.stringify(req)));
    fromFiles.free();
  });

  it("a broken bundle throws every problem with its file and line", () => {
    const files = bundleFiles();
    const broken = Object.keys(files).find((p) => p.startsWith("hangzhou/") && p.endsWith(".cedar"));
    files[broken] = '@id("x")\nforbid (principal, action, resource) when { ;';
    const error = thrown(() => Engine.fromFiles(files));
    assertErrorObject(error, "bundle");
    assert.ok(error.problems.length > 0);
    const problem = error.problems.find((p) => p.file === broken);
    assert.ok(problem, JSON.stringify(error.problems));
    assert.equal(typeof problem.line, "number");
    assert.equal(error.file, error.problems[0].file);

    const summary = Engine.checkFiles(files);
    assert.equal(summary.ok, false);
    assert.ok(summary.problems.some((p) => p.file === broken));
    assert.equal(Engine.checkFiles(bundleFiles()).ok, true);
  });

  it("a file map that is not an object of strings is invalid_files", () => {
    assertErrorObject(thrown(() => Engine.fromFiles(42)), "invalid_files");
    assertErrorObject(thrown(() => Engine.fromFiles({ "facts.toml": 1 })), "invalid_files", "facts.toml");
    assertErrorObject(thrown(() => Engine.checkFiles(null)), "invalid_files");
    assertErrorObject(thrown(() => Engine.fromFiles({})), "bundle");
  });
});
