#!/usr/bin/env node
/* global console, process */
// Development entry: runs the TypeScript sources through tsx (a dev dependency), so an edit needs
// no build. Production runs the compiled build instead, `node dist/cli/main.js` (`npm run build`;
// the image's entry point). This file never falls back to dist/, which may be older than src/.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  console.error(
    'triage-warden: bin/triage-warden.js runs the sources through tsx, which is not installed ' +
      '(a dev dependency). Install dev dependencies (npm ci), or run the compiled build: ' +
      'npm run build && node dist/cli/main.js <command>',
  );
  process.exit(1);
}
register();
await import('../src/cli/main.ts');
