// A panic inside the module reaches JavaScript as {code: "panic", message},
// never as a trap; the module then refuses further calls with the same code.
// Runs in its own process (node --test isolates files): the module is poisoned.
import assert from "node:assert/strict";
import { test } from "node:test";

import { loadPdao, thrown } from "./helpers.mjs";

test("a panic becomes a structured error and poisons the module", (t) => {
  const pdao = loadPdao();
  const engine = new pdao.Engine();
  const request = { jurisdiction: "fujian", date: "2024-05-01", action: "apply" };
  assert.equal(engine.decide(request).decision, "deny");

  const logged = [];
  t.mock.method(console, "error", (...args) => logged.push(args.join(" ")));
  const error = thrown(() => pdao.__pdaoPanicForTests("deliberate test panic"));
  assert.equal(Object.getPrototypeOf(error), Object.prototype);
  assert.equal(error.code, "panic");
  assert.match(error.message, /deliberate test panic/);
  assert.match(error.message, /src\/lib\.rs/);
  assert.ok(logged.some((line) => line.includes("deliberate test panic")), "the hook logs");

  const after = thrown(() => engine.decide(request));
  assert.equal(after.code, "panic");
  assert.match(after.message, /must be loaded again.*deliberate test panic/);
  assert.equal(thrown(() => new pdao.Engine()).code, "panic");
});
