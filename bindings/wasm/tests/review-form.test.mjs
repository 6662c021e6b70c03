// The review page for people who do not write JSON, in headless Chromium:
// the form view generated from the fact vocabulary (every fact with its
// meaning and type, events as a dated timeline) switching with the JSON view
// without losing edits; "why not?" on a deny showing the engine's minimal
// changes and applying one with a click; citations linked to their article
// in the `pdao doc` pages (pkg/law, written by scripts/test).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { openChromium } from "./chromium.mjs";
import { loadPdao, WASM_DIR } from "./helpers.mjs";
import { serve } from "./server.mjs";
import { EXAMPLES } from "../www/examples.js";

const ARTIFACTS = join(WASM_DIR, "tests", "artifacts");
const TIMEOUT = 60_000;
const INCIDENT = "a Zhejiang applicant with a security incident two years earlier is refused";

const { Engine } = loadPdao();
const engine = new Engine();

async function afterDecision(page, action) {
  const before = await page.evaluate(() => document.body.dataset.decisions ?? "0");
  await action();
  await page.waitForFunction((n) => (document.body.dataset.decisions ?? "0") !== n, before, { timeout: TIMEOUT });
}

async function chooseExample(page, title) {
  const index = EXAMPLES.findIndex((e) => e.title === title);
  assert.ok(index >= 0, `example "${title}"`);
  const jurisdiction = EXAMPLES[index].request.jurisdiction;
  if ((await page.inputValue("#jurisdiction")) !== jurisdiction) {
    await afterDecision(page, () => page.selectOption("#jurisdiction", jurisdiction));
  }
  await afterDecision(page, () => page.selectOption("#example", String(index)));
}

const request = async (page) => JSON.parse(await page.inputValue("#request"));

test("the form view, why-not and the citation links", { timeout: 5 * TIMEOUT }, async (t) => {
  assert.ok(existsSync(join(WASM_DIR, "pkg", "law", "links.json")), "pkg/law is generated (scripts/test)");
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await serve();
  t.after(() => server.close());
  const { context, page, problems, offsite } = await openChromium(t, server.url);
  await page.goto(`${server.url}/www/`);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: TIMEOUT });
  await page.waitForSelector("#verdict[data-verdict]", { timeout: TIMEOUT });
  assert.notEqual(await page.evaluate(() => document.body.dataset.lawLinks), "0", "links.json loaded");

  await chooseExample(page, INCIDENT);
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), "deny");

  // The form: one row per fact of the vocabulary, with meaning and type.
  await page.click("#view-form");
  await page.waitForSelector("#form:not([hidden])");
  assert.equal(await page.isHidden("#json-view"), true);
  const vocabulary = engine.vocabulary();
  const rows = await page.$$eval("#form .fact", (fs) => fs.map((f) => ({
    path: f.dataset.fact, meaning: f.querySelector(".meaning").textContent, type: f.querySelector(".type").textContent,
  })));
  // Grouped by object, in the vocabulary's order of objects.
  const facts = vocabulary.objects.flatMap((o) => vocabulary.facts.filter((f) => f.object === o));
  assert.equal(facts.length, vocabulary.facts.length);
  assert.deepEqual(rows.map((r) => r.path), facts.map((f) => f.path));
  for (const [i, fact] of facts.entries()) {
    assert.equal(rows[i].meaning, fact.meaning);
    assert.ok(rows[i].type.length > 0);
  }
  let given = await request(page);
  assert.equal(await page.inputValue('[data-path="operator.mlps3_experience"]'), String(given.operator.mlps3_experience));
  // Events as a dated timeline, earliest first.
  const timeline = await page.$$eval("#form .timeline .event", (es) => es.map((e) => ({
    kind: e.dataset.kind, date: e.querySelector('[data-field="date"]').value,
  })));
  const expected = [...given.events].sort((a, b) => a.date.localeCompare(b.date)).map((e) => ({ kind: e.kind, date: e.date }));
  assert.deepEqual(timeline, expected);
  assert.ok(timeline.some((e) => e.kind === "security_incident"));
  await page.screenshot({ path: join(ARTIFACTS, "review-form.png"), fullPage: false });

  // An edit in the form reaches the request and the decision.
  await afterDecision(page, () => page.selectOption('[data-path="operator.mlps3_experience"]', "false"));
  given = await request(page);
  assert.equal(given.operator.mlps3_experience, false);
  let reasons = await page.$$eval("#reasons .reason", (cs) => cs.map((c) => c.dataset.rule));
  assert.ok(reasons.includes("zhejiang.operator.mlps3"), reasons.join(", "));
  // An edit in the JSON view survives the switch to the form and back.
  await page.click("#view-json");
  const edited = { ...given, operator: { ...given.operator, data_capability: false } };
  await afterDecision(page, () => page.fill("#request", JSON.stringify(edited, null, 2)));
  await page.click("#view-form");
  assert.equal(await page.inputValue('[data-path="operator.data_capability"]'), "false");
  assert.equal(await page.inputValue('[data-path="operator.mlps3_experience"]'), "false");
  // A fact cleared in the form disappears from the request ("not given").
  await afterDecision(page, () => page.selectOption('[data-path="operator.credit_ok"]', ""));
  await page.click("#view-json");
  given = await request(page);
  assert.equal(given.operator.data_capability, false);
  assert.equal(given.operator.mlps3_experience, false);
  assert.equal("credit_ok" in given.operator, false);
  assert.deepEqual(await page.$$eval("#reasons .reason", (cs) => cs.map((c) => c.dataset.rule)),
    engine.decide(given).reasons.map((r) => r.rule));

  // Why not? On the example's deny: the engine's minimal changes, one applied.
  await chooseExample(page, INCIDENT);
  const text = await page.inputValue("#request");
  const answer = engine.whyNot(text);
  assert.ok(answer.solutions.length > 0);
  assert.equal(await page.isVisible("#why-not"), true);
  await page.click("#why-not");
  await page.waitForSelector('#why-not-result[data-state="solved"]', { timeout: TIMEOUT });
  const shown = await page.$$eval("#why-not-result .solution", (ss) => ss.map((s) =>
    [...s.querySelectorAll(".change")].map((c) => c.textContent)));
  assert.deepEqual(shown, answer.solutions.map((s) => s.changes));
  assert.ok(shown.flat().some((c) => c.includes("security_incident")), JSON.stringify(shown));
  await page.screenshot({ path: join(ARTIFACTS, "review-why-not.png"), fullPage: false });
  await afterDecision(page, () => page.click('#why-not-result .solution[data-solution="0"] button.apply'));
  assert.deepEqual(await request(page), answer.solutions[0].request);
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), "allow");
  assert.equal(await page.isVisible("#why-not"), false, "no why-not on an allow");

  // Citations link to their article in the `pdao doc` pages.
  await chooseExample(page, "a Hangzhou agreement of 18 months is refused");
  const links = await page.$$eval("#reasons .reason", (cs) => cs.map((c) => ({
    rule: c.dataset.rule, href: c.querySelector(".article a.article-link")?.href ?? null,
  })));
  assert.ok(links.length > 0);
  const law = await context.newPage();
  for (const { rule, href } of links) {
    assert.ok(href, `${rule}: its citation is a link`);
    const url = new URL(href);
    assert.ok(url.pathname.startsWith("/pkg/law/"), href);
    const response = await law.goto(href);
    assert.equal(response.status(), 200, href);
    const anchor = decodeURIComponent(url.hash.slice(1));
    const card = await law.evaluate((id) => {
      const el = document.getElementById(id);
      return el ? { rule: el.dataset.rule, article: el.closest("section.unit")?.dataset.article } : null;
    }, anchor);
    assert.ok(card, `${href} resolves`);
    assert.equal(card.rule, rule);
  }
  await law.close();

  assert.deepEqual(problems, [], "no page errors");
  assert.deepEqual(offsite, [], "no request leaves the local server");
});
