// The review page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download): served from 127.0.0.1, it loads
// the web package, decides examples and edits, and renders reason cards
// that match the engine's decision. Saves screenshots to tests/artifacts/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { loadPdao, WASM_DIR } from "./helpers.mjs";
import { serve } from "./server.mjs";
import { EXAMPLES } from "../www/examples.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const ARTIFACTS = join(WASM_DIR, "tests", "artifacts");
const TIMEOUT = 60_000;

const { Engine } = loadPdao();
const engine = new Engine();

function exampleIndex(title) {
  const index = EXAMPLES.findIndex((e) => e.title === title);
  assert.ok(index >= 0, `example "${title}" exists`);
  return index;
}

/** Runs `action` and waits until the page has decided again. */
async function afterDecision(page, action) {
  const before = await page.evaluate(() => document.body.dataset.decisions ?? "0");
  await action();
  await page.waitForFunction((n) => (document.body.dataset.decisions ?? "0") !== n, before, { timeout: TIMEOUT });
}

async function chooseExample(page, jurisdiction, title) {
  await afterDecision(page, () => page.selectOption("#jurisdiction", jurisdiction));
  await afterDecision(page, () => page.selectOption("#example", String(exampleIndex(title))));
}

/** What the page shows of each reason card. */
function readCards(page, selector) {
  return page.$$eval(selector, (cards) => cards.map((card) => ({
    rule: card.dataset.rule,
    shownRule: card.querySelector(".rule")?.textContent,
    layer: card.querySelector(".badge.layer")?.textContent,
    article: card.querySelector(".article")?.textContent ?? "",
    quote: card.querySelector(".quote")?.textContent ?? "",
    due: card.querySelector(".badge.due")?.textContent ?? null,
  })));
}

test("the review page decides and renders the decision", { timeout: 5 * TIMEOUT }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (scripts/test installs Debian's chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await serve();
  t.after(() => server.close());
  const profile = mkdtempSync(join(tmpdir(), "pdao-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  // One hook, in this order: Chromium writes into its profile until it has
  // exited, so removing the profile first can fail with ENOTEMPTY.
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  page.on("response", (res) => res.status() >= 400 && problems.push(`HTTP ${res.status()}: ${res.url()}`));
  const offsite = [];
  page.on("request", (req) => !req.url().startsWith(server.url) && offsite.push(req.url()));

  await page.goto(`${server.url}/www/`);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: TIMEOUT });
  await page.waitForSelector("#verdict[data-verdict]", { timeout: TIMEOUT });

  // A Zhejiang termination: obligations with a computed due date.
  await chooseExample(page, "zhejiang", "a Zhejiang termination in mid-March keeps network logs until mid-September");
  let text = await page.inputValue("#request");
  let expected = engine.decide(JSON.parse(text));
  const obligations = await readCards(page, "#obligations .obligation");
  assert.deepEqual(obligations, expected.obligations.map((o) => ({
    rule: o.rule, shownRule: o.rule, layer: o.layer, article: o.source.article, quote: o.source.quote,
    due: o.due ? `due ${o.due}` : null,
  })));
  assert.ok(obligations.some((o) => o.due), "a due date is shown");
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), expected.decision);

  // An 18-month Hangzhou agreement: a deny with its reason cards.
  await chooseExample(page, "hangzhou", "a Hangzhou agreement of 18 months is refused");
  text = await page.inputValue("#request");
  expected = engine.decide(JSON.parse(text));
  assert.equal(expected.decision, "deny");
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), "deny");
  assert.equal(await page.inputValue("#action"), "sign_agreement");
  const cards = await readCards(page, "#reasons .reason");
  assert.ok(cards.length > 0);
  assert.deepEqual(cards, expected.reasons.map((r) => ({
    rule: r.rule, shownRule: r.rule, layer: r.layer, article: r.source.article, quote: r.source.quote, due: null,
  })));
  assert.ok(cards.some((c) => c.rule === "hangzhou.agreement.term"), JSON.stringify(cards));
  assert.equal(await page.textContent("#explanation"), engine.explainText(text));
  await page.screenshot({ path: join(ARTIFACTS, "review-page.png"), fullPage: true });

  // The controls rewrite the request: a date before the Hangzhou plan.
  await afterDecision(page, () => page.fill("#date", "2023-01-10"));
  text = await page.inputValue("#request");
  assert.equal(JSON.parse(text).date, "2023-01-10");
  expected = engine.decide(JSON.parse(text));
  assert.deepEqual(await page.$$eval("#reasons .reason", (cs) => cs.map((c) => c.dataset.rule)),
    expected.reasons.map((r) => r.rule));

  // Typing a bad date in the editor: a structured error, debounced.
  await afterDecision(page, () => page.fill("#request", text.replace('"2023-01-10"', '"2023-02-30"')));
  await page.waitForSelector('#error:not([hidden])', { timeout: TIMEOUT });
  assert.equal(await page.getAttribute("#error", "data-code"), "bad_date");
  assert.equal(await page.getAttribute("#error", "data-field"), "date");
  await page.screenshot({ path: join(ARTIFACTS, "review-page-error.png"), fullPage: true });

  // Malformed JSON: the engine's line and column.
  await afterDecision(page, () => page.fill("#request", '{\n  "jurisdiction": "hangzhou",\n  oops\n}'));
  assert.equal(await page.getAttribute("#error", "data-code"), "invalid_json");
  assert.match(await page.textContent("#error"), /line 3/);

  assert.deepEqual(problems, [], "no page errors");
  assert.deepEqual(offsite, [], "no request leaves the local server");
});
