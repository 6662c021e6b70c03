// decideJson in WebAssembly equals the native CLI byte for byte on every
// golden case's request. It compares wasm with native, whatever the verdict:
// whether a case meets its own expectation is the Rust golden tests' job.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";

import { goldenCases, loadPdao, nativeCli } from "./helpers.mjs";

const { Engine } = loadPdao();
const engine = new Engine();
const cli = nativeCli();
const cases = goldenCases();

/** `pdao decide -` on `input`: { code, stdout, stderr }. */
function runCli(input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, ["decide", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({
      code,
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
    }));
    child.stdin.end(input);
  });
}

describe("wasm decideJson equals the native CLI", { concurrency: 2 }, () => {
  it("finds golden cases", () => assert.ok(cases.length > 0));

  for (const golden of cases) {
    it(golden.file, async () => {
      const input = JSON.stringify(golden.request, null, 2);
      const native = await runCli(input);
      let wasm;
      try {
        wasm = { ok: true, text: engine.decideJson(input) };
      } catch (error) {
        wasm = { ok: false, error };
      }
      if (native.code === 0 || native.code === 2) {
        // Exit 2 is a deny, not a failure.
        assert.ok(wasm.ok, `native decided, wasm threw ${JSON.stringify(wasm.error)}`);
        assert.equal(wasm.text + "\n", native.stdout, "byte-identical decision JSON");
        const decision = JSON.parse(wasm.text);
        assert.equal(native.code, decision.decision === "allow" ? 0 : 2, "exit code follows the verdict");
        assert.equal(JSON.stringify(engine.decide(golden.request), null, 2), wasm.text, "decide() agrees");
      } else {
        // The request breaks the contract: the same error code on both sides.
        assert.ok(!wasm.ok, `native failed (${native.stderr.trim()}), wasm decided`);
        assert.match(native.stderr, new RegExp(`error\\[${wasm.error.code}\\]`), native.stderr);
      }
    });
  }
});
