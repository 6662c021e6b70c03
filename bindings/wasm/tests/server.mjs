// A tiny static file server on 127.0.0.1 for the browser test (and for
// trying the page: `node tests/server.mjs` serves it on port 8080).
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

import { WASM_DIR } from "./helpers.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".png": "image/png",
};

/** Only these folders of bindings/wasm are served (pkg/law: the `pdao doc` pages). */
const MOUNTS = ["www", join("pkg", "web"), join("pkg", "law")];

function resolvePath(urlPath) {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^[/\\]+/, "");
  const mount = MOUNTS.find((m) => rel === m || rel.startsWith(m + sep));
  if (!mount || rel.split(sep).includes("..")) return null;
  let file = join(WASM_DIR, rel);
  try {
    if (statSync(file).isDirectory()) file = join(file, "index.html");
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** Starts the server on 127.0.0.1 (port 0: any free port); resolves to { url, close }. */
export function serve(port = 0) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://127.0.0.1").pathname;
    if (path === "/") {
      res.writeHead(302, { location: "/www/" }).end();
      return;
    }
    const file = req.method === "GET" || req.method === "HEAD" ? resolvePath(path) : null;
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address();
      resolve({ url: `http://127.0.0.1:${bound}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.env.PORT ?? 8080));
  console.log(`serving the review page at ${url}/www/ (Ctrl-C to stop)`);
}
