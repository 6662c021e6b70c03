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
  form: $("form"), jsonView: $("json-view"), viewForm: $("view-form"), viewJson: $("view-json"),
  viewNote: $("view-note"), whyNotBox: $("why-not-box"), whyNot: $("why-not"), whyNotResult: $("why-not-result"),
  error: $("error"), decision: $("decision"), verdict: $("verdict"),
  layers: $("layers"), layerReport: $("layer-report"), reasons: $("reasons"),
  missing: $("missing"), obligations: $("obligations"), overridden: $("overridden"),
  satisfied: $("satisfied"), explanation: $("explanation"), version: $("version"),
};

let engine = null;
let timer = 0;
let decisions = 0;
/** The fact vocabulary (engine.vocabulary()), for the form view. */
let vocabulary = null;
/** Which view edits the request: "json" or "form". */
let view = "json";
/** rule id → [{article, href}] of the `pdao doc` pages (../pkg/law/links.json), if built. */
let lawLinks = {};
const LAW = "../pkg/law/";

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
  if (view === "form") buildForm();
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
  if (view === "form") buildForm();
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

/** The `pdao doc` page and anchor of a rule's card, for the version citing `article`. */
function lawHref(rule, article) {
  const versions = lawLinks[rule] ?? [];
  const version = versions.find((v) => v.article === article) ?? versions[0];
  return version ? LAW + version.href : null;
}

function sourceBlock(source, rule) {
  const href = rule && source.article ? lawHref(rule, source.article) : null;
  const article = href
    ? el("a", { class: "article-link", href, target: "_blank", title: "the article, its text and its rules (pdao doc)" }, source.article)
    : source.article;
  return [
    el("dl", { class: "source" },
      el("dt", {}, "Document"), el("dd", { class: "document" }, source.document,
        source.title && source.title !== source.document ? el("span", { class: "title" }, ` ${source.title}`) : null),
      source.article ? el("dt", {}, "Article") : null,
      source.article ? el("dd", { class: "article" }, article) : null,
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
    ...sourceBlock(reason.source, reason.rule),
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
    ...sourceBlock(obligation.source, obligation.rule),
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
  ui.whyNotBox.hidden = allow;
  ui.whyNotResult.replaceChildren();
  delete ui.whyNotResult.dataset.state;
}

// ---------------------------------------------------------------------------
// Why not? The smallest verified changes that would allow a denied request,
// each applied with a click.

function showWhyNot() {
  const text = ui.request.value;
  let answer;
  try {
    answer = engine.whyNot(text);
  } catch (error) {
    renderError(error);
    return;
  }
  const result = ui.whyNotResult;
  if (answer.decision === "allow") {
    result.replaceChildren(el("p", {}, "The request is already allowed."));
  } else if (!answer.solutions.length) {
    result.replaceChildren(
      el("p", { class: "none" }, `No change of facts or events makes it allowed (${answer.evaluations} evaluations${answer.bound_reached ? ", search bound reached" : ""}).`),
      answer.unfixable.length ? el("p", {}, "No change clears: ", ...answer.unfixable.map((r) => el("code", {}, `${r} `))) : null);
  } else {
    result.replaceChildren(
      el("p", {}, `${answer.solutions.length} minimal change${answer.solutions.length === 1 ? "" : "s"}, each verified by re-evaluation (${answer.evaluations} evaluations):`),
      el("ol", { class: "solutions" }, ...answer.solutions.map((solution, i) => {
        const apply = el("button", { type: "button", class: "apply", "data-solution": String(i) }, "Apply 应用");
        apply.addEventListener("click", () => {
          ui.request.value = JSON.stringify(solution.request, null, 2);
          if (view === "form") buildForm();
          decideNow();
        });
        return el("li", { class: "solution", "data-solution": String(i) },
          el("ul", {}, ...solution.changes.map((c) => el("li", { class: "change" }, c))), apply);
      })));
  }
  result.dataset.state = answer.solutions.length ? "solved" : "none";
}

// ---------------------------------------------------------------------------
// The form view, generated from the fact vocabulary. The JSON text stays the
// one source of truth: the form reads the request from it and writes every
// change back into it, so keys the form does not know survive, and switching
// views loses nothing.

/** The request as an object, or null when the text does not parse as one. */
function currentRequest() {
  try {
    const request = JSON.parse(ui.request.value);
    return typeof request === "object" && request !== null && !Array.isArray(request) ? request : null;
  } catch {
    return null;
  }
}

/** Applies `change(request)` to the request text and decides again. */
function editRequest(change) {
  const request = currentRequest();
  if (!request) return;
  change(request);
  ui.request.value = JSON.stringify(request, null, 2);
  decideNow();
}

function setFact(path, value) {
  const [object, name] = path.split(".");
  editRequest((request) => {
    if (value === undefined) {
      if (request[object]) {
        delete request[object][name];
        if (!Object.keys(request[object]).length) delete request[object];
      }
    } else {
      request[object] = { ...(request[object] ?? {}), [name]: value };
    }
  });
}

function setView(next) {
  if (next === "form") {
    if (!currentRequest()) {
      ui.viewNote.textContent = "The JSON does not parse as a request: fix it to use the form.";
      return;
    }
    buildForm();
  }
  view = next;
  ui.viewNote.textContent = "";
  ui.form.hidden = next !== "form";
  ui.jsonView.hidden = next !== "json";
  ui.viewForm.setAttribute("aria-selected", String(next === "form"));
  ui.viewJson.setAttribute("aria-selected", String(next === "json"));
  document.body.dataset.view = next;
}

/** The control of one fact, reading its value from the request. */
function factControl(fact, value) {
  const id = `fact-${fact.path}`;
  const given = value !== undefined;
  switch (fact.type) {
    case "bool": {
      const select = el("select", { id, "data-path": fact.path },
        el("option", { value: "" }, "— not given"), el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
      select.value = given ? String(value) : "";
      select.addEventListener("change", () => setFact(fact.path, select.value === "" ? undefined : select.value === "true"));
      return select;
    }
    case "enum": {
      const select = el("select", { id, "data-path": fact.path }, el("option", { value: "" }, "— not given"),
        ...fact.values.map((v) => el("option", { value: v }, v)));
      select.value = given ? String(value) : "";
      select.addEventListener("change", () => setFact(fact.path, select.value === "" ? undefined : select.value));
      return select;
    }
    case "int": {
      const input = el("input", { id, type: "number", step: "1", "data-path": fact.path, placeholder: "not given" });
      input.value = given ? String(value) : "";
      input.addEventListener("change", () => setFact(fact.path, input.value === "" ? undefined : Number(input.value)));
      return input;
    }
    case "date": {
      const input = el("input", { id, type: "date", "data-path": fact.path });
      input.value = given ? String(value) : "";
      input.addEventListener("change", () => setFact(fact.path, input.value === "" ? undefined : input.value));
      return input;
    }
    case "list": {
      if (fact.values) {
        const chosen = new Set(Array.isArray(value) ? value : []);
        const box = el("div", { class: "choices", id, "data-path": fact.path });
        const givenBox = el("input", { type: "checkbox", "data-role": "given" });
        givenBox.checked = given;
        const boxes = fact.values.map((v) => {
          const input = el("input", { type: "checkbox", value: v });
          input.checked = chosen.has(v);
          return input;
        });
        const write = () => {
          const values = boxes.filter((b) => b.checked).map((b) => b.value);
          if (values.length) givenBox.checked = true;
          setFact(fact.path, givenBox.checked ? values : undefined);
        };
        givenBox.addEventListener("change", write);
        boxes.forEach((b) => b.addEventListener("change", write));
        box.append(el("label", {}, givenBox, " given"), ...boxes.map((b) => el("label", {}, b, ` ${b.value}`)));
        return box;
      }
      const input = el("input", { id, type: "text", "data-path": fact.path, placeholder: "comma-separated; empty: not given" });
      input.value = Array.isArray(value) ? value.join(", ") : "";
      input.addEventListener("change", () => setFact(fact.path,
        input.value.trim() === "" ? undefined : input.value.split(",").map((v) => v.trim()).filter(Boolean)));
      return input;
    }
    default: {
      const input = el("input", { id, type: "text", "data-path": fact.path, placeholder: "not given" });
      input.value = given ? String(value) : "";
      input.addEventListener("change", () => setFact(fact.path, input.value === "" ? undefined : input.value));
      return input;
    }
  }
}

const TYPE_NAMES = { bool: "yes / no", int: "integer", date: "date", string: "text", enum: "one of", list: "list" };

function eventRow(event, index, kinds) {
  const kind = el("select", { "data-field": "kind" }, ...kinds.map((k) => el("option", { value: k.kind }, k.kind)));
  kind.value = event.kind ?? "";
  const date = el("input", { type: "date", "data-field": "date" });
  date.value = event.date ?? "";
  const until = el("input", { type: "date", "data-field": "until", title: "until (optional)" });
  until.value = event.until ?? "";
  const ref = el("input", { type: "text", "data-field": "ref", placeholder: "ref (optional)", size: "12" });
  ref.value = event.ref ?? "";
  const remove = el("button", { type: "button", class: "remove" }, "remove");
  const write = () => editRequest((request) => {
    const events = Array.isArray(request.events) ? request.events : [];
    const next = { kind: kind.value, date: date.value };
    if (until.value) next.until = until.value;
    if (ref.value) next.ref = ref.value;
    events[index] = { ...events[index], ...next };
    if (!until.value) delete events[index].until;
    if (!ref.value) delete events[index].ref;
    request.events = events;
  });
  [kind, date, until, ref].forEach((c) => c.addEventListener("change", () => { write(); buildForm(); }));
  remove.addEventListener("click", () => {
    editRequest((request) => {
      request.events.splice(index, 1);
      if (!request.events.length) delete request.events;
    });
    buildForm();
  });
  const meaning = kinds.find((k) => k.kind === event.kind)?.meaning ?? "";
  return el("li", { class: "event", "data-index": String(index), "data-kind": event.kind ?? "" },
    date, kind, el("span", {}, "until"), until, ref, remove, el("span", { class: "meaning" }, meaning));
}

function buildForm() {
  const request = currentRequest();
  if (!request || !vocabulary) return;
  const sections = [];
  for (const object of vocabulary.objects) {
    const facts = vocabulary.facts.filter((f) => f.object === object);
    const values = request[object] ?? {};
    const rows = facts.map((fact) => {
      const value = values[fact.path.split(".")[1]];
      return el("div", { class: `fact${value !== undefined ? " given" : ""}`, "data-fact": fact.path },
        el("label", { for: `fact-${fact.path}` }, fact.path,
          el("span", { class: "type" }, TYPE_NAMES[fact.type] ?? fact.type)),
        factControl(fact, value),
        el("span", { class: "meaning" }, fact.meaning));
    });
    const details = el("details", { "data-object": object },
      el("summary", {}, `${object} (${Object.keys(values).length} of ${facts.length} facts given)`), ...rows);
    details.open = Object.keys(values).length > 0;
    sections.push(details);
  }
  // Materials.
  const materials = new Set(Array.isArray(request.materials) ? request.materials : []);
  const materialBoxes = vocabulary.materials.map((m) => {
    const input = el("input", { type: "checkbox", value: m, "data-material": m });
    input.checked = materials.has(m);
    input.addEventListener("change", () => editRequest((r) => {
      const chosen = vocabulary.materials.filter((name) =>
        ui.form.querySelector(`[data-material="${name}"]`)?.checked);
      if (chosen.length) r.materials = chosen;
      else delete r.materials;
    }));
    return el("label", {}, input, ` ${m}`);
  });
  sections.push(el("details", { "data-object": "materials", open: materials.size ? "" : null },
    el("summary", {}, `materials (${materials.size} given)`), el("div", { class: "choices" }, ...materialBoxes)));
  // Events as a dated timeline.
  const events = Array.isArray(request.events) ? request.events : [];
  const order = events.map((e, i) => i).sort((a, b) => String(events[a].date).localeCompare(String(events[b].date)));
  const add = el("button", { type: "button", id: "add-event" }, "add an event");
  add.addEventListener("click", () => {
    editRequest((r) => {
      r.events = [...(Array.isArray(r.events) ? r.events : []),
        { kind: vocabulary.events[0]?.kind ?? "", date: typeof r.date === "string" ? r.date : "" }];
    });
    buildForm();
  });
  sections.push(el("details", { "data-object": "events", open: "" },
    el("summary", {}, `events (${events.length}), by date`),
    el("ol", { class: "timeline" }, ...order.map((i) => eventRow(events[i], i, vocabulary.events))), add));
  ui.form.replaceChildren(...sections);
}

async function main() {
  fillSelect(ui.jurisdiction, JURISDICTIONS);
  fillSelect(ui.action, ACTIONS.map((a) => [a, a]));
  try {
    const started = performance.now();
    await init();
    engine = new Engine();
    const summary = engine.check();
    vocabulary = engine.vocabulary();
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
  ui.viewForm.addEventListener("click", () => setView("form"));
  ui.viewJson.addEventListener("click", () => setView("json"));
  ui.whyNot.addEventListener("click", showWhyNot);
  try {
    const response = await fetch(`${LAW}links.json`);
    if (response.ok) lawLinks = await response.json();
  } catch {
    // The `pdao doc` pages are not built next to the page: citations stay plain text.
  }
  document.body.dataset.lawLinks = String(Object.keys(lawLinks).length);

  ui.jurisdiction.value = "hangzhou";
  showExamples("hangzhou");
  const first = examplesOf("hangzhou")[0];
  if (first) loadExample(first.index);
}

main();
