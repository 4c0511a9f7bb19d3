#!/usr/bin/env node
/* global console, process */
// `npm start`'s prestart: builds the dashboard (web/dist) when it is missing or older than its
// sources, so a fresh clone serves it with no extra step. Skips quickly when the build is current,
// and never blocks the server: without Vite (a production install) it only says what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const built = join(web, 'dist', 'index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

if (!existsSync(join(web, 'src'))) process.exit(0);
const sources = Math.max(
  newest(join(web, 'src')),
  newest(join(web, 'index.html')),
  newest(join(web, 'vite.config.ts')),
  newest(join(root, 'src', 'contracts')),
);
if (existsSync(built) && statSync(built).mtimeMs >= sources) process.exit(0);

const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.warn('dashboard: web/dist is missing or stale and Vite is not installed (npm ci installs it)');
  process.exit(0);
}
console.log('dashboard: building web/dist (npm run build:web)…');
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (r.status !== 0) console.warn('dashboard: the build failed; the API starts without a fresh dashboard');
