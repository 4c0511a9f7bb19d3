import { readFile, stat } from 'node:fs/promises';
import { MAX_POLICY_BYTES, compilePolicyDocument } from '../core/response/policy/index.ts';

/**
 * `triage-warden policy validate FILE...`: compiles each guardrails document as the server would and
 * prints `file:line:column: field: message` per error, or `ok <file>` with a one-line summary. Needs
 * no database. Exit code 0 when every document is valid, 1 otherwise, 2 on bad usage.
 */
export async function runPolicy(
  options: { action: string | undefined; paths: string[] },
  out: (line: string) => void = (l) => console.log(l),
  err: (line: string) => void = (l) => console.error(l),
): Promise<number> {
  if (options.action !== 'validate' || options.paths.length === 0) {
    err('usage: triage-warden policy validate <file>...');
    return 2;
  }
  let failed = false;
  for (const path of options.paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      err(`${path}: no such file`);
      failed = true;
      continue;
    }
    if (info.size > MAX_POLICY_BYTES) {
      err(`${path}:0:0: (document): larger than ${MAX_POLICY_BYTES} bytes`);
      failed = true;
      continue;
    }
    const r = compilePolicyDocument(await readFile(path, 'utf8'), path);
    if (r.ok) {
      const d = r.definition;
      out(
        `ok ${path}: ${d.deny.length} deny list(s), ${Object.keys(d.rate_limits).length} rate limit(s), ` +
          `${d.approval_rules.length} approval rule(s), ${d.auto_approve.length} auto-approve rule(s)`,
      );
    } else {
      failed = true;
      for (const e of r.errors)
        err(`${e.file}:${e.line}:${e.column}: ${e.field || '(document)'}: ${e.message}`);
    }
  }
  return failed ? 1 : 0;
}
