// Headless Chromium for the page tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), a fresh profile, no background
// networking; every page error, console error and failed request recorded.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/**
 * Opens a page in a new Chromium (closed after the test `t`); resolves to
 * `{ context, page, problems, offsite }`: `problems` lists page errors,
 * console errors and HTTP errors, `offsite` every request not to `origin`.
 */
export async function openChromium(t, origin) {
  assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (scripts/test installs Debian's chromium)`);
  const profile = mkdtempSync(join(tmpdir(), "pdao-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 },
  });
  // One hook, in this order: Chromium writes into its profile until it has
  // exited, so removing the profile first can fail with ENOTEMPTY.
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  const offsite = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  page.on("response", (res) => res.status() >= 400 && problems.push(`HTTP ${res.status()}: ${res.url()}`));
  page.on("request", (req) => !req.url().startsWith(origin) && offsite.push(req.url()));
  return { context, page, problems, offsite };
}
