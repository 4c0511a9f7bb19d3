import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a module runs from: the compiled build (`dist/`, from `npm run build`) or the TypeScript
 * sources (through tsx). `url` is the module's `import.meta.url`.
 */
export function compiledRoot(url: string): string | undefined {
  if (!url.startsWith('file:') || !url.endsWith('.js')) return undefined;
  // dist/cli/<module>.js → dist
  return dirname(dirname(fileURLToPath(url)));
}

/**
 * The first TypeScript source under `srcRoot` that the compiled tree `distRoot` does not reflect:
 * one without its `.js`, or changed after its `.js` was written (relative path), or undefined when
 * the build is current. No sources beside the build (an image ships `dist/` only): undefined.
 */
export function staleSource(distRoot: string, srcRoot: string): string | undefined {
  if (!existsSync(srcRoot)) return undefined;
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = join(distRoot, relative(srcRoot, path)).replace(/\.ts$/, '.js');
        const built = statSync(out, { throwIfNoEntry: false });
        if (!built || built.mtimeMs < statSync(path).mtimeMs) return relative(dirname(srcRoot), path);
      }
    }
    return undefined;
  };
  return walk(srcRoot);
}
