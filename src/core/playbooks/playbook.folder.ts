import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PLAYBOOK_BYTES, compilePlaybook, type PlaybookError } from './playbook.compiler.ts';
import type { PlaybookDefinition } from './playbook.model.ts';

/** One playbook file that compiled. */
export interface PlaybookFile {
  definition: PlaybookDefinition;
  /** The document as written. */
  source: string;
  /** sha256 of the document: tells a changed file from an unchanged one across restarts. */
  hash: string;
  path: string;
}

/** Most playbook files read from one folder. */
const MAX_FILES = 500;

export function sourceHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/**
 * Reads every `*.yaml` / `*.yml` file of a folder (not recursive), in name order, and compiles each.
 * `origin` names where they come from (`builtin`, or `file:<path>` per file when omitted). A file
 * that does not compile is reported and left out; two files with the same playbook name: the second
 * is reported and left out.
 */
export async function readPlaybookFolder(
  dir: string,
  origin?: 'builtin',
): Promise<{ files: PlaybookFile[]; errors: PlaybookError[] }> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const files: PlaybookFile[] = [];
  const errors: PlaybookError[] = [];
  if (names.length > MAX_FILES) {
    errors.push({
      file: dir,
      line: 0,
      column: 0,
      field: '',
      message: `more than ${MAX_FILES} files; the rest are ignored`,
    });
  }
  const seen = new Map<string, string>();
  for (const name of names.slice(0, MAX_FILES)) {
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    if (info.size > MAX_PLAYBOOK_BYTES) {
      errors.push({
        file: path,
        line: 0,
        column: 0,
        field: '',
        message: `larger than ${MAX_PLAYBOOK_BYTES} bytes`,
      });
      continue;
    }
    const source = await readFile(path, 'utf8');
    const compiled = compilePlaybook(source, { file: path, origin: origin ?? `file:${path}` });
    if (!compiled.ok) {
      errors.push(...compiled.errors);
      continue;
    }
    const pb = compiled.definition;
    const first = seen.get(pb.name);
    if (first) {
      errors.push({
        file: path,
        line: 1,
        column: 1,
        field: 'name',
        message: `playbook ${pb.name} is defined in ${first} already`,
      });
      continue;
    }
    seen.set(pb.name, path);
    files.push({ definition: pb, source, hash: sourceHash(source), path });
  }
  return { files, errors };
}
