// The README's Quick start runs as written, and prints what its comments say.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

import { WASM_DIR } from "./helpers.mjs";

test("the README's Node example works as documented", () => {
  const readme = readFileSync(join(WASM_DIR, "README.md"), "utf8");
  const block = readme.split("<!-- example:node -->")[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(block, "the README has the marked example");
  const expected = block.split("\n")
    .filter((line) => line.includes("console.log("))
    .map((line) => line.split("// ")[1]?.trim());
  assert.ok(expected.length > 0 && expected.every(Boolean), "every console.log line has its // value");

  const printed = [];
  const console = { log: (...args) => printed.push(args.join(" ")) };
  const require = createRequire(join(WASM_DIR, "README.md"));
  new Function("require", "console", block)(require, console);
  assert.deepEqual(printed, expected);
});
