// Every command in a ```bash / ```sh / ```console / ```shell block of README.md and docs/*.md at least
// parses: our CLI answers `<command> … --help` (unknown commands and options fail its strict parser),
// `npm run` names a script, curl's route and method are in the OpenAPI document, helm installs render
// (`--dry-run=client`, the real helm), `kubectl apply -k` builds (`kubectl kustomize`) and other kubectl
// verbs and flags parse (`--help`), scripts exist and pass `bash -n`, files named exist. No network, no
// cluster. What cannot be checked is in ALLOWED with the reason.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { startRuntime } from '../helpers/runtime.ts';
import { HELM, haveTool, KUBECTL, ROOT, skipWithout } from './helpers.ts';

const run = promisify(execFile);

/** One simple command of a doc block (pipelines and `&&` lists are split), as shell words. */
interface DocCommand {
  file: string;
  line: number;
  text: string;
  words: string[];
}

/** Commands no check can reach here, with the reason. Matched against the command's text. */
const ALLOWED: { match: RegExp; reason: string }[] = [
  {
    match: /^open http:\/\/localhost:\d+/,
    reason: 'opens a browser on the operator’s desktop (macOS `open`)',
  },
];

/** Files a command names that the reader supplies; not in the repository by design. */
const READER_FILES = new Set(['my-secrets.yaml', 'my-guardrails.yaml', 'audit.csv', 'incidents.csv']);

/** Programs checked by name only: present on an operator's machine, their arguments are theirs. */
const BY_NAME = new Set(['psql', 'redis-cli', 'jq', 'grep', 'cat', 'echo', 'export']);

function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

/** Splits a line into shell words, honouring quotes; `$(…)` stays one word. */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let depth = 0;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '$' && s[i + 1] === '(') {
      depth++;
      cur += '$(';
      i++;
      has = true;
    } else if (depth > 0) {
      if (c === ')') depth--;
      cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur) words.push(cur);
  return words;
}

/** Splits on `&&`, `||`, `|` and `;` outside quotes, and drops a trailing `# comment`. */
export function simpleCommands(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
      continue;
    }
    const placeholder = c === '<' ? /^<[\w|.-]+>/.exec(line.slice(i)) : null;
    if (placeholder) {
      // <id|prefix>: a placeholder of the docs, not a pipe.
      cur += placeholder[0];
      i += placeholder[0].length - 1;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    else if (c === '|' || c === ';' || (c === '&' && line[i + 1] === '&')) {
      out.push(cur);
      cur = '';
      if (line[i + 1] === c) i++;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const unbalanced = (s: string) =>
  (s.match(/'/g) ?? []).length % 2 === 1 ? true : (s.match(/"/g) ?? []).length % 2 === 1;

/** The commands of a Markdown text's shell blocks. */
export function extractCommands(file: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(bash|sh|console|shell)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const consoleBlock = open[1] === 'console';
    let j = i + 1;
    let pending = '';
    let startLine = 0;
    for (; j < lines.length && !/^\s*```/.test(lines[j]!); j++) {
      let l = lines[j]!;
      if (!pending) {
        if (consoleBlock) {
          if (!l.startsWith('$ ')) continue;
          l = l.slice(2);
        }
        if (!l.trim() || l.trim().startsWith('#')) continue;
        startLine = j + 1;
      }
      pending = pending ? `${pending}\n${l}` : l;
      if (/\\$/.test(l)) {
        pending = pending.slice(0, -1);
        continue;
      }
      if (unbalanced(pending)) continue;
      for (const text of simpleCommands(pending.replace(/\n\s*/g, ' ')))
        out.push({ file, line: startLine, text, words: shellWords(text) });
      pending = '';
    }
    i = j;
  }
  return out;
}

const commands = docFiles().flatMap((f) => extractCommands(f, readFileSync(join(ROOT, f), 'utf8')));
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Drops `VAR=value` words before the program. */
function program(words: string[]): string[] {
  const i = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  return i < 0 ? [] : words.slice(i);
}
const where = (c: DocCommand) => `${c.file}:${c.line}: ${c.text}`;

/** The CLI calls of the docs, by command and option names. */
const cliCalls = new Map<string, { c: DocCommand; args: string[] }[]>();
/** helm and kubectl runs, checked with the real binaries. */
const helmCalls: { c: DocCommand; args: string[] }[] = [];
const kubectlCalls: { c: DocCommand; args: string[] }[] = [];
/** curl requests: method, path (no host, no query). */
const curlCalls: { c: DocCommand; method: string; path: string }[] = [];
/** Static findings (a missing script, file or program). */
const problems: string[] = [];
const allowed: string[] = [];

function checkFile(c: DocCommand, path: string) {
  if (READER_FILES.has(path)) return;
  if (!existsSync(join(ROOT, path))) problems.push(`${where(c)} — ${path} does not exist`);
}

/**
 * `--help` answers before a command runs, so one call per command and set of options checks them
 * all (the strict parser refuses an unknown option); a subcommand must appear in that help.
 */
function cli(c: DocCommand, args: string[]) {
  const options = args.filter((a) => a.startsWith('-')).sort();
  const key = JSON.stringify([args[0] ?? '', ...options.map((o) => o.replace(/=.*$/, ''))]);
  const calls = cliCalls.get(key) ?? [];
  calls.push({ c, args });
  cliCalls.set(key, calls);
}

function classify(c: DocCommand) {
  const w = program(c.words);
  if (w.length === 0) return; // VAR=$(…) alone
  if (ALLOWED.some((a) => a.match.test(c.text))) {
    allowed.push(c.text);
    return;
  }
  const [cmd, ...rest] = w as [string, ...string[]];
  switch (cmd) {
    case 'npm':
      if (['install', 'ci'].includes(rest[0]!)) return;
      if (rest[0] === 'run') {
        if (!scripts[rest[1]!]) problems.push(`${where(c)} — no npm script "${rest[1]}"`);
        return;
      }
      if (!scripts[rest[0]!]) problems.push(`${where(c)} — no npm script "${rest[0]}"`);
      return;
    case 'npx':
      if (rest[0] === 'triage-warden') return cli(c, rest.slice(1));
      problems.push(`${where(c)} — npx ${rest[0]}: not a package of this project`);
      return;
    case 'triage-warden':
      return cli(c, rest);
    case 'node': {
      const entry = rest.findIndex((a) => /^(bin\/triage-warden\.js|dist\/cli\/main\.js)$/.test(a));
      if (entry >= 0) return cli(c, rest.slice(entry + 1));
      const script = rest.find((a) => /\.(m?[jt]s)$/.test(a));
      if (!script) problems.push(`${where(c)} — node without a script file`);
      else checkFile(c, script);
      return;
    }
    case 'bash': {
      const script = rest.find((a) => a.endsWith('.sh'));
      if (!script) return void problems.push(`${where(c)} — bash without a script`);
      checkFile(c, script);
      if (existsSync(join(ROOT, script))) {
        try {
          execFileSync('bash', ['-n', join(ROOT, script)], { stdio: 'pipe' });
        } catch (err) {
          problems.push(`${where(c)} — bash -n: ${String((err as { stderr?: Buffer }).stderr)}`);
        }
      }
      return;
    }
    case 'curl': {
      const url = rest.find((a) => /^(https?:\/\/|\$API\b)/.test(a));
      if (!url) return void problems.push(`${where(c)} — curl without a URL`);
      const x = rest.indexOf('-X');
      const method = x >= 0 ? rest[x + 1]! : rest.some((a) => a === '-d' || a === '--data') ? 'POST' : 'GET';
      const path = url
        .replace(/^\$API/, '/api/v1')
        .replace(/^https?:\/\/[^/]+/, '')
        .replace(/[?#].*$/, '');
      curlCalls.push({ c, method: method.toUpperCase(), path });
      return;
    }
    case 'helm':
      helmCalls.push({ c, args: rest });
      for (let i = 0; i < rest.length; i++) if (rest[i] === '-f') checkFile(c, rest[i + 1]!);
      return;
    case 'kubectl':
      kubectlCalls.push({ c, args: rest });
      return;
    case 'docker': {
      const sub = rest[0];
      if (sub === 'build') return checkFile(c, join(rest[rest.length - 1]!, 'Dockerfile'));
      if (sub === 'compose') {
        const f = rest[rest.indexOf('-f') + 1]!;
        checkFile(c, f);
        const doc = existsSync(join(ROOT, f))
          ? (parse(readFileSync(join(ROOT, f), 'utf8')) as { services?: object })
          : {};
        if (!doc.services) problems.push(`${where(c)} — ${f} has no services`);
        return;
      }
      if (sub === 'run') {
        // docker run [options] image [command…]: the command is the image's entry point's (our CLI).
        const image = rest.findIndex((a, i) => i > 0 && /^triage-warden:/.test(a));
        if (image < 0) return void problems.push(`${where(c)} — docker run of an image that is not ours`);
        return cli(c, rest.slice(image + 1));
      }
      problems.push(`${where(c)} — docker ${sub}: not checked`);
      return;
    }
    case 'k6': {
      const script = rest.find((a) => a.endsWith('.js'));
      if (!script) return void problems.push(`${where(c)} — k6 without a script`);
      checkFile(c, script);
      // k6 is not installed here; its script is plain ES module JavaScript.
      execFileSync(process.execPath, ['--check', join(ROOT, script)]);
      return;
    }
    default:
      if (!BY_NAME.has(cmd))
        problems.push(`${where(c)} — no check for "${cmd}": add one, or ALLOWED with a reason`);
  }
}

for (const c of commands) classify(c);

describe('commands in the docs', () => {
  it('are found in the docs (the extraction works)', () => {
    expect(commands.length).toBeGreaterThan(50);
    expect(cliCalls.size).toBeGreaterThan(3);
    expect(curlCalls.length).toBeGreaterThan(10);
  });

  it('name scripts, files and programs that exist', () => {
    expect(problems).toEqual([]);
  });

  it('`npm run <script>` quoted in prose names a script too', () => {
    const missing = docFiles().flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/`npm run ([\w:-]+)/g)]
        .map((m) => m[1]!)
        .filter((name) => !scripts[name])
        .map((name) => `${f}: npm run ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('our CLI parses each (`node bin/triage-warden.js <args> --help`), subcommands are in its help', async () => {
    const failures: string[] = [];
    const queue = [...cliCalls.values()];
    // Two at a time: each is a Node process with tsx.
    const worker = async () => {
      for (let calls = queue.shift(); calls; calls = queue.shift()) {
        const { c, args } = calls[0]!;
        // Placeholders (<name>) and values stay: options must parse with their values.
        try {
          const { stdout } = await run(process.execPath, ['bin/triage-warden.js', ...args, '--help'], {
            cwd: ROOT,
            timeout: 60_000,
          });
          for (const call of calls) {
            const sub = call.args[1];
            if (
              sub &&
              !sub.startsWith('-') &&
              /^[a-z][\w-]*$/.test(sub) &&
              !new RegExp(`\\b${sub}\\b`).test(stdout)
            )
              failures.push(`${where(call.c)} — "${sub}" is not in \`${call.args[0]} --help\``);
          }
        } catch (err) {
          const e = err as { stderr?: string; code?: number; signal?: string };
          failures.push(`${where(c)} — exit ${e.code ?? e.signal}: ${String(e.stderr ?? err).trim()}`);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  }, 180_000);

  describe('curl: the route and method are in the OpenAPI document', () => {
    let rt: Runtime;
    beforeAll(async () => {
      rt = await startRuntime();
    });
    afterAll(async () => {
      await rt?.stop();
    });

    it('every curl request', () => {
      const doc = rt.app.swagger() as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths).map(([path, ops]) => ({
        re: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`),
        path,
        methods: Object.keys(ops).map((m) => m.toUpperCase()),
      }));
      // Probes outside /api/v1 are not in the document (hidden); they exist on every role.
      const probes = new Set(['/live', '/ready', '/metrics']);
      const failures = curlCalls
        .filter(({ path }) => !probes.has(path))
        .flatMap(({ c, method, path }) => {
          const concrete = path.replace(/\$\{?\w+\}?/g, 'x');
          // A literal segment (export, bulk, kinds) wins over a parameter, as in the router.
          const matches = routes.filter((r) => r.re.test(concrete) || r.path === path);
          if (!matches.length) return [`${where(c)} — no route ${path}`];
          return matches.some((r) => r.methods.includes(method))
            ? []
            : [`${where(c)} — ${method} ${path}: route has ${matches.flatMap((r) => r.methods).join(', ')}`];
        });
      expect(failures).toEqual([]);
    });
  });

  describe.skipIf(!haveTool('helm'))(`helm (the real helm, --dry-run=client)${skipWithout('helm')}`, () => {
    it('each helm command renders', () => {
      expect(helmCalls.length).toBeGreaterThan(0);
      for (const { c, args } of helmCalls) {
        // install/upgrade render without a cluster with --dry-run=client; reader-supplied files are left out.
        const a = args.flatMap((x, i) =>
          READER_FILES.has(x) ? [] : args[i + 1] && READER_FILES.has(args[i + 1]!) && x === '-f' ? [] : [x],
        );
        const argv = ['install', 'upgrade'].includes(a[0]!) ? [...a, '--dry-run=client'] : [...a, '--help'];
        try {
          execFileSync(HELM!, argv, { cwd: ROOT, stdio: 'pipe', timeout: 30_000 });
        } catch (err) {
          expect.fail(`${where(c)} — ${String((err as { stderr?: Buffer }).stderr)}`);
        }
      }
    });
  });

  describe.skipIf(!haveTool('kubectl'))(`kubectl (no cluster)${skipWithout('kubectl')}`, () => {
    it('apply -k builds with kubectl kustomize; other verbs and flags parse (--help)', () => {
      expect(kubectlCalls.length).toBeGreaterThan(0);
      for (const { c, args } of kubectlCalls) {
        const k = args.indexOf('-k');
        const argv = args[0] === 'apply' && k >= 0 ? ['kustomize', args[k + 1]!] : [...args, '--help'];
        try {
          execFileSync(KUBECTL!, argv, { cwd: ROOT, stdio: 'pipe', timeout: 30_000 });
        } catch (err) {
          expect.fail(`${where(c)} — ${String((err as { stderr?: Buffer }).stderr)}`);
        }
      }
    });
  });

  it('ALLOWED lists only commands the docs still show', () => {
    for (const a of ALLOWED)
      expect(
        allowed.some((t) => a.match.test(t)),
        String(a.match),
      ).toBe(true);
  });
});

describe('command extraction', () => {
  it('joins continued lines and multi-line quotes, splits lists and pipes, drops comments', () => {
    const md = [
      '```bash',
      '# comment',
      'KEY=$(cat data/k) && curl -H "A: b" \\',
      "  http://h/api/v1/x -d '{",
      '  "a": 1',
      "}' | jq   # trailing",
      '```',
      '```console',
      '$ npm run demo',
      'output line',
      '```',
    ].join('\n');
    expect(extractCommands('f.md', md).map((c) => [c.line, c.words])).toEqual([
      [3, ['KEY=$(cat data/k)']],
      [3, ['curl', '-H', 'A: b', 'http://h/api/v1/x', '-d', '{ "a": 1 }']],
      [3, ['jq']],
      [9, ['npm', 'run', 'demo']],
    ]);
  });
});
