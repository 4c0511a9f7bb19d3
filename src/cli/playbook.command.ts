import { readFile, stat } from 'node:fs/promises';
import { MAX_PLAYBOOK_BYTES, compilePlaybook } from '../core/playbooks/playbook.compiler.ts';
import { readPlaybookFolder } from '../core/playbooks/playbook.folder.ts';

/**
 * `triage-warden playbook validate FILE|FOLDER...`: compiles each playbook as the server would and
 * prints `file:line:column: field: message` per error (the format editors and CI annotate), or
 * `ok <name> <file>`. Needs no database. Exit code 0 when every document is valid, 1 otherwise, 2 on
 * bad usage.
 */
export async function runPlaybook(
  options: { action: string | undefined; paths: string[] },
  out: (line: string) => void = (l) => console.log(l),
  err: (line: string) => void = (l) => console.error(l),
): Promise<number> {
  if (options.action !== 'validate' || options.paths.length === 0) {
    err('usage: triage-warden playbook validate <file|folder>...');
    return 2;
  }
  let failed = false;
  for (const path of options.paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      err(`${path}: no such file or folder`);
      failed = true;
      continue;
    }
    if (info.isDirectory()) {
      const { files, errors } = await readPlaybookFolder(path);
      for (const f of files) out(`ok ${f.definition.name} ${f.path}`);
      for (const e of errors)
        err(`${e.file}:${e.line}:${e.column}: ${e.field || '(document)'}: ${e.message}`);
      if (errors.length) failed = true;
      continue;
    }
    if (info.size > MAX_PLAYBOOK_BYTES) {
      err(`${path}:0:0: (document): larger than ${MAX_PLAYBOOK_BYTES} bytes`);
      failed = true;
      continue;
    }
    const result = compilePlaybook(await readFile(path, 'utf8'), { file: path, origin: `file:${path}` });
    if (result.ok) out(`ok ${result.definition.name} ${path}`);
    else {
      failed = true;
      for (const e of result.errors)
        err(`${e.file}:${e.line}:${e.column}: ${e.field || '(document)'}: ${e.message}`);
    }
  }
  return failed ? 1 : 0;
}
