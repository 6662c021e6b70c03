// The Node side of scripts/measure: median time of one decision in
// WebAssembly, on one engine handle. Usage: node scripts/measure.mjs [FILE] [N]
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { loadPdao, ROOT } from "../tests/helpers.mjs";

const file = process.argv[2] ?? join(ROOT, "examples", "hangzhou-apply.json");
const n = Number(process.argv[3] ?? 2000);
const text = readFileSync(file, "utf8");
const request = JSON.parse(text);

let started = process.hrtime.bigint();
const { Engine } = loadPdao();
const loaded = process.hrtime.bigint();
const engine = new Engine();
const ready = process.hrtime.bigint();

const ms = (ns) => Number(ns) / 1e6;
function median(fn) {
  for (let i = 0; i < 100; i++) fn();
  const samples = [];
  for (let i = 0; i < n; i++) {
    started = process.hrtime.bigint();
    fn();
    samples.push(process.hrtime.bigint() - started);
  }
  samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Number(samples[Math.floor(n / 2)]) / 1e3;
}

const verdict = engine.decide(request).decision;
console.log(`node ${process.version}; request ${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file} (${verdict})`);
console.log(`wasm module compile + instantiate: ${ms(loaded - started).toFixed(0)} ms; new Engine(): ${ms(ready - loaded).toFixed(0)} ms`);
console.log(`wasm decide(object), median of ${n}: ${median(() => engine.decide(request)).toFixed(1)} µs`);
console.log(`wasm decideJson(string), median of ${n}: ${median(() => engine.decideJson(text)).toFixed(1)} µs`);
