// The compiled build must not run behind its sources: staleSource() compares each src/**/*.ts with its
// dist/**/*.js (test/e2e/compiled-build.test.ts runs the real entry).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledRoot, staleSource } from '../../../src/cli/build-check.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A checkout with src/ and dist/ files; `age` seconds in the past per file (default 0). */
function tree(files: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'tw-build-check-'));
  dirs.push(root);
  const now = Date.now() / 1000;
  for (const [rel, age] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'export {};\n');
    utimesSync(path, now - age, now - age);
  }
  return root;
}

describe('staleSource', () => {
  it('is undefined when every source has a newer or equally old .js', () => {
    const root = tree({ 'src/a.ts': 20, 'src/x/b.ts': 20, 'dist/a.js': 10, 'dist/x/b.js': 20 });
    expect(staleSource(join(root, 'dist'), join(root, 'src'))).toBeUndefined();
  });

  it('names a source changed after its .js was written', () => {
    const root = tree({ 'src/a.ts': 20, 'src/x/b.ts': 5, 'dist/a.js': 10, 'dist/x/b.js': 10 });
    expect(staleSource(join(root, 'dist'), join(root, 'src'))).toBe(join('src', 'x', 'b.ts'));
  });

  it('names a source without a .js (added after the build); .d.ts files do not count', () => {
    const root = tree({ 'src/a.ts': 20, 'src/types.d.ts': 0, 'dist/a.js': 10 });
    expect(staleSource(join(root, 'dist'), join(root, 'src'))).toBeUndefined();
    const withNew = tree({ 'src/a.ts': 20, 'src/new.ts': 30, 'dist/a.js': 10 });
    expect(staleSource(join(withNew, 'dist'), join(withNew, 'src'))).toBe(join('src', 'new.ts'));
  });

  it('is undefined without sources beside the build (an image ships dist/ only)', () => {
    const root = tree({ 'dist/a.js': 10 });
    expect(staleSource(join(root, 'dist'), join(root, 'src'))).toBeUndefined();
  });
});

describe('compiledRoot', () => {
  it('is the build folder for a compiled module and undefined for a source module', () => {
    expect(compiledRoot(pathToFileURL('/app/dist/cli/main.js').href)).toBe('/app/dist');
    expect(compiledRoot(pathToFileURL('/repo/src/cli/main.ts').href)).toBeUndefined();
  });
});
