/* global console, process */
// A stand-in for the k6 runtime, enough to run deploy/k6/load-test.js once in node: `k6/http`
// (get, post; synchronous like k6's, each request made by a short-lived node child with fetch),
// `k6/crypto` (hmac), `k6` (check, sleep: no wait), __ENV, __VU, __ITER. It runs setup() and a few
// iterations of the default function, then prints the options, the requests and the checks as JSON.
// It checks the script's shape and the requests it makes; it is not a load generator.
//   node test/deploy/k6-shim/run.mjs <script> [iterations]
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, iterationsArg] = process.argv.slice(2);
const iterations = Number(iterationsArg ?? 2);
const requests = [];
const checks = [];

const FETCH = `let s = '';
process.stdin.on('data', (d) => (s += d)).on('end', async () => {
  const r = JSON.parse(s);
  const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body ?? undefined });
  process.stdout.write(JSON.stringify({ status: res.status, text: await res.text() }));
});`;

function request(method, url, body, params = {}) {
  const out = execFileSync(process.execPath, ['-e', FETCH], {
    input: JSON.stringify({ method, url, body, headers: params.headers ?? {} }),
    encoding: 'utf8',
  });
  const { status, text } = JSON.parse(out);
  requests.push({ method, url, status, tags: params.tags ?? {} });
  return {
    status,
    body: text,
    json: (path) => {
      const value = JSON.parse(text);
      return path ? path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), value) : value;
    },
  };
}

const modules = {
  'k6/http': {
    get: (url, params) => request('GET', url, null, params),
    post: (url, body, params) => request('POST', url, body, params),
  },
  'k6/crypto': { hmac: (alg, key, data, encoding) => createHmac(alg, key).update(data).digest(encoding) },
  k6: {
    check(res, sets) {
      let ok = true;
      for (const [name, fn] of Object.entries(sets)) {
        const pass = Boolean(fn(res));
        checks.push({ name, pass });
        ok = ok && pass;
      }
      return ok;
    },
    sleep() {},
  },
};
globalThis.__k6 = modules;

// The script's `import x from 'k6/…'` lines read the stand-ins instead; any other import fails.
const source = readFileSync(resolve(script), 'utf8').replace(
  /^import (\w+|\{[^}]*\}) from '([^']+)';$/gm,
  (_line, binding, name) => {
    if (!(name in modules)) throw new Error(`the k6 stand-in has no module ${name}`);
    return `const ${binding} = globalThis.__k6[${JSON.stringify(name)}];`;
  },
);
const dir = mkdtempSync(join(tmpdir(), 'tw-k6-'));
try {
  const file = join(dir, 'script.mjs');
  writeFileSync(file, source);
  globalThis.__ENV = { ...process.env };
  globalThis.__VU = 1;
  globalThis.__ITER = 0;
  const mod = await import(pathToFileURL(file).href);
  const data = mod.setup ? mod.setup() : undefined;
  for (let i = 0; i < iterations; i++) {
    globalThis.__ITER = i + 1;
    mod.default(data);
  }
  console.log(JSON.stringify({ options: mod.options, setup: data, requests, checks }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
