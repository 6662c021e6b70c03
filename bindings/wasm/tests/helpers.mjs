// Shared by the Node tests: the built package, the repository's paths, the
// golden cases and the bundle files.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const WASM_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = join(WASM_DIR, "..", "..");
export const POLICIES = join(ROOT, "policies");

/** The Node package (pkg/node, CommonJS), built by scripts/build. */
export function loadPdao() {
  const entry = join(WASM_DIR, "pkg", "node", "pdao_wasm.js");
  if (!existsSync(entry)) throw new Error("pkg/node is missing: run bindings/wasm/scripts/build first");
  return createRequire(import.meta.url)(entry);
}

/** Every golden case: `{ file, name, request }`, sorted by path. */
export function goldenCases() {
  const cases = [];
  for (const layer of readdirSync(POLICIES).sort()) {
    const dir = join(POLICIES, layer, "cases");
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = join(dir, name);
      const golden = JSON.parse(readFileSync(file, "utf8"));
      cases.push({ file: relative(ROOT, file), name: name.slice(0, -5), request: golden.request, expect: golden.expect });
    }
  }
  return cases;
}

/** The bundle files under policies/, as the engine embeds them (cases excluded). */
export function bundleFiles() {
  const files = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "cases") walk(path);
        continue;
      }
      const rel = relative(POLICIES, path).split("\\").join("/");
      if (rel === "facts.toml" || rel === "schema.cedarschema" || rel.endsWith("/jurisdiction.toml")
        || rel.endsWith(".cedar") || rel.endsWith(".rules")) {
        files[rel] = readFileSync(path, "utf8");
      }
    }
  };
  walk(POLICIES);
  return files;
}

/** The native CLI: $PDAO_CLI, or built here (`cargo build --release -p pdao-cli`). */
export function nativeCli() {
  if (process.env.PDAO_CLI) return process.env.PDAO_CLI;
  execFileSync("cargo", ["build", "--release", "-q", "-p", "pdao-cli"], { cwd: ROOT, stdio: "inherit" });
  const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: ROOT, encoding: "utf8" }));
  return join(meta.target_directory, "release", process.platform === "win32" ? "pdao.exe" : "pdao");
}

/** Catches what `fn` throws (the test fails if it does not throw). */
export function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}
