// The review page: one engine handle, created once; every edit of the
// request is decided again (debounced). Plain DOM, no framework.
import init, { Engine } from "../pkg/web/pdao_wasm.js";
import { EXAMPLES } from "./examples.js";

const JURISDICTIONS = [
  ["national", "national 国家"],
  ["zhejiang", "zhejiang 浙江省"],
  ["hangzhou", "hangzhou 杭州市"],
  ["zhoushan", "zhoushan 舟山市"],
  ["guangdong", "guangdong 广东省"],
  ["zhaoqing", "zhaoqing 肇庆市"],
  ["fujian", "fujian 福建省"],
  ["quanzhou", "quanzhou 泉州市"],
];
const ACTIONS = [
  "apply", "renew", "sign_agreement", "open_channel", "access_platform",
  "request_data", "import_social_data", "process_data", "export_product",
  "use_product", "deliver_product", "provide_to_third_party", "outsource",
  "operate", "terminate",
];
const DEBOUNCE_MS = 250;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"), jurisdiction: $("jurisdiction"), date: $("date"),
  action: $("action"), example: $("example"), request: $("request"),
  error: $("error"), decision: $("decision"), verdict: $("verdict"),
  layers: $("layers"), layerReport: $("layer-report"), reasons: $("reasons"),
  missing: $("missing"), obligations: $("obligations"), overridden: $("overridden"),
  satisfied: $("satisfied"), explanation: $("explanation"), version: $("version"),
};

let engine = null;
let timer = 0;
let decisions = 0;

/** `el("p", {class: "x"}, "text", child)`: an element; text is never parsed as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => el("option", { value }, label)));
}

function examplesOf(jurisdiction) {
  return EXAMPLES.map((example, index) => ({ example, index }))
    .filter(({ example }) => example.request.jurisdiction === jurisdiction);
}

function showExamples(jurisdiction) {
  const options = examplesOf(jurisdiction).map(({ example, index }) => [String(index), example.title]);
  fillSelect(ui.example, [["", options.length ? "— choose an example —" : "— no example for this jurisdiction —"], ...options]);
}

function loadExample(index) {
  const example = EXAMPLES[index];
  if (!example) return;
  ui.example.value = String(index);
  ui.example.title = example.source;
  ui.request.value = JSON.stringify(example.request, null, 2);
  syncControls(example.request);
  decideNow();
}

/** The controls follow the request's own fields. */
function syncControls(request) {
  if (typeof request !== "object" || request === null) return;
  if (typeof request.jurisdiction === "string" && ui.jurisdiction.value !== request.jurisdiction) {
    ui.jurisdiction.value = request.jurisdiction;
    showExamples(request.jurisdiction);
  }
  if (typeof request.date === "string") ui.date.value = request.date;
  if (typeof request.action === "string") ui.action.value = request.action;
}

/** Writes one top-level field into the request text, if it parses. */
function setField(name, value) {
  let request;
  try {
    request = JSON.parse(ui.request.value);
  } catch {
    request = null;
  }
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    request = { jurisdiction: ui.jurisdiction.value, date: ui.date.value, action: ui.action.value };
  }
  request[name] = value;
  ui.request.value = JSON.stringify(request, null, 2);
  decideNow();
}

function scheduleDecide() {
  clearTimeout(timer);
  timer = setTimeout(decideNow, DEBOUNCE_MS);
}

function decideNow() {
  clearTimeout(timer);
  if (!engine) return;
  const text = ui.request.value;
  const started = performance.now();
  try {
    const decision = JSON.parse(engine.decideJson(text));
    const explanation = engine.explainText(text);
    const ms = performance.now() - started;
    render(decision, explanation, ms);
    try {
      syncControls(JSON.parse(text));
    } catch {
      // decideJson accepted it, so it parses; nothing to sync otherwise.
    }
  } catch (error) {
    renderError(error);
  }
  decisions += 1;
  document.body.dataset.decisions = String(decisions);
}

function renderError(error) {
  const e = typeof error === "object" && error !== null ? error : { code: "unknown", message: String(error) };
  const where = [
    e.field && `field ${e.field}`,
    e.line && `line ${e.line}${e.column ? `, column ${e.column}` : ""}`,
    e.file && `file ${e.file}`,
  ].filter(Boolean).join(" · ");
  ui.error.replaceChildren(
    el("strong", { class: "code" }, e.code),
    where ? el("span", { class: "where" }, where) : null,
    el("p", { class: "message" }, e.message),
  );
  ui.error.dataset.code = e.code;
  ui.error.dataset.field = e.field ?? "";
  ui.error.hidden = false;
  ui.decision.classList.add("stale");
}

function sourceBlock(source) {
  return [
    el("dl", { class: "source" },
      el("dt", {}, "Document"), el("dd", { class: "document" }, source.document,
        source.title && source.title !== source.document ? el("span", { class: "title" }, ` ${source.title}`) : null),
      source.article ? el("dt", {}, "Article") : null,
      source.article ? el("dd", { class: "article" }, source.article) : null,
      source.outside_seeds ? el("dt", {}, "Source") : null,
      source.outside_seeds ? el("dd", { class: "outside" }, source.outside_seeds) : null),
    source.quote ? el("blockquote", { class: "quote" }, source.quote) : null,
  ];
}

function reasonCard(reason) {
  return el("article", { class: `card reason effect-${reason.effect}`, "data-rule": reason.rule },
    el("header", {},
      el("code", { class: "rule" }, reason.rule),
      el("span", { class: "badge effect" }, reason.effect),
      el("span", { class: "badge layer" }, reason.layer)),
    ...sourceBlock(reason.source),
    el("p", { class: "why" }, reason.explanation),
    reason.missing?.length ? el("p", { class: "needs" }, "Missing: ", ...reason.missing.map((m) => el("code", {}, m))) : null);
}

function obligationCard(obligation) {
  return el("article", { class: "card obligation", "data-rule": obligation.rule },
    el("header", {},
      el("code", { class: "rule" }, obligation.rule),
      el("span", { class: "badge layer" }, obligation.layer),
      obligation.due ? el("span", { class: "badge due" }, `due ${obligation.due}`) : el("span", { class: "badge" }, "no deadline")),
    el("p", { class: "description" }, obligation.description),
    ...sourceBlock(obligation.source),
    el("p", { class: "why" }, obligation.explanation));
}

/** Fills `target` with one rendered node per item and shows the count in `#<counter>`. */
function list(target, items, render, counter) {
  target.replaceChildren(...items.map(render));
  if (counter) $(counter).textContent = `(${items.length})`;
}

function render(decision, explanation, ms) {
  ui.error.hidden = true;
  ui.decision.hidden = false;
  ui.decision.classList.remove("stale");
  const allow = decision.decision === "allow";
  ui.verdict.className = `verdict ${allow ? "allow" : "deny"}`;
  ui.verdict.dataset.verdict = decision.decision;
  ui.verdict.replaceChildren(
    el("strong", {}, allow ? "ALLOW 允许" : "DENY 拒绝"),
    el("span", {}, ` ${decision.jurisdiction} · ${decision.action} · ${decision.date}`),
    el("span", { class: "timing" }, `decided in ${ms.toFixed(1)} ms`));
  ui.layers.textContent = `Layers 层级: ${decision.layers.join(" → ")}`;
  list(ui.layerReport, decision.layer_report ?? [], (l) =>
    el("li", { class: `layer-${l.status}` }, el("code", {}, l.layer), ` ${l.note}`));
  list(ui.reasons, decision.reasons, reasonCard, "reason-count");
  if (!decision.reasons.length) ui.reasons.replaceChildren(el("p", { class: "none" }, allow ? "No rule denied." : "—"));
  list(ui.missing, decision.missing, (m) => el("li", {}, el("code", {}, m)), "missing-count");
  if (!decision.missing.length) ui.missing.replaceChildren(el("li", { class: "none" }, "none"));
  list(ui.obligations, decision.obligations, obligationCard, "obligation-count");
  if (!decision.obligations.length) ui.obligations.replaceChildren(el("p", { class: "none" }, "none"));
  list(ui.overridden, decision.overridden, (o) =>
    el("li", {}, el("code", {}, o.rule), " displaced by ", el("code", {}, o.by)), "overridden-count");
  list(ui.satisfied, decision.satisfied, (id) => el("li", {}, el("code", {}, id)), "satisfied-count");
  ui.explanation.textContent = explanation;
  ui.version.textContent = `policy_version ${decision.policy_version}`;
}

async function main() {
  fillSelect(ui.jurisdiction, JURISDICTIONS);
  fillSelect(ui.action, ACTIONS.map((a) => [a, a]));
  try {
    const started = performance.now();
    await init();
    engine = new Engine();
    const summary = engine.check();
    const ms = performance.now() - started;
    ui.status.textContent = `Engine ready: ${summary.policies} policies in ${summary.layers.length} layers, loaded in ${Math.round(ms)} ms.`;
    ui.status.dataset.state = "ready";
  } catch (error) {
    ui.status.textContent = `The engine could not be loaded: ${error?.message ?? error}`;
    ui.status.dataset.state = "failed";
    return;
  }

  ui.jurisdiction.addEventListener("change", () => {
    const jurisdiction = ui.jurisdiction.value;
    showExamples(jurisdiction);
    const first = examplesOf(jurisdiction)[0];
    if (first) loadExample(first.index);
    else setField("jurisdiction", jurisdiction);
  });
  ui.example.addEventListener("change", () => {
    if (ui.example.value !== "") loadExample(Number(ui.example.value));
  });
  ui.date.addEventListener("change", () => ui.date.value && setField("date", ui.date.value));
  ui.action.addEventListener("change", () => setField("action", ui.action.value));
  ui.request.addEventListener("input", scheduleDecide);

  ui.jurisdiction.value = "hangzhou";
  showExamples("hangzhou");
  const first = examplesOf("hangzhou")[0];
  if (first) loadExample(first.index);
}

main();
