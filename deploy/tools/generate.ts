/**
 * Writes the files derived from the Helm chart, so they cannot drift apart from it:
 * `npx tsx deploy/tools/generate.ts` (the deploy tests fail when a committed file differs in content
 * from what this produces; files are written through prettier). Renders with the real helm
 * (deploy/tools/helm.ts finds it: TW_HELM, PATH, or the cache of scripts/get-helm.sh).
 *
 * - deploy/kubernetes/base/*.yaml: the chart rendered with deploy/kubernetes/base-values.yaml, minus
 *   what only Helm uses (managed-by/chart labels, hook and checksum annotations);
 * - deploy/kubernetes/overlays/ha/resources.yaml: the objects values-ha.yaml adds (the overlay's
 *   hand-written patches cover the objects that change);
 * - deploy/compose/prometheus/alerts.yml: the chart's PrometheusRule groups with the compose
 *   labels (service="api" | "orchestrator") instead of the Kubernetes ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { helmTemplate, type RenderedObject } from './helm.ts';

type Obj = Record<string, unknown>;

const here = dirname(fileURLToPath(import.meta.url));
export const CHART_DIR = resolve(here, '../helm/triage-warden');
export const BASE_DIR = resolve(here, '../kubernetes/base');
export const HA_DIR = resolve(here, '../kubernetes/overlays/ha');
export const COMPOSE_ALERTS = resolve(here, '../compose/prometheus/alerts.yml');
const HEADER = '# Generated from deploy/helm/triage-warden by deploy/tools/generate.ts: do not edit.\n';

const HELM_LABELS = ['app.kubernetes.io/managed-by', 'helm.sh/chart'];
const HELM_ANNOTATION = /^(helm\.sh\/|checksum\/)/;

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value !== 'object' || value === null) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'labels' && typeof v === 'object' && v !== null) {
      out[k] = Object.fromEntries(Object.entries(v).filter(([l]) => !HELM_LABELS.includes(l)));
    } else if (k === 'annotations' && typeof v === 'object' && v !== null) {
      const kept = Object.entries(v).filter(([a]) => !HELM_ANNOTATION.test(a));
      if (kept.length > 0) out[k] = Object.fromEntries(kept);
    } else {
      out[k] = clean(v);
    }
  }
  return out;
}

/** File name for an object in the base. */
function fileFor(o: RenderedObject): string {
  const name = String((o.object.metadata as Obj).name);
  const component = name.replace(/^triage-warden-?/, '') || 'common';
  return `${component.replace(/-(master|replicas)$/, '')}.yaml`;
}

const key = (o: Obj) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`;

/** The chart rendered for the base: base-values.yaml on top of the chart defaults, Helm-only bits removed. */
export function renderBaseObjects(): RenderedObject[] {
  return helmTemplate(CHART_DIR, {
    valuesFiles: [resolve(here, '../kubernetes/base-values.yaml')],
    releaseName: 'triage-warden',
    namespace: 'triage-warden',
  }).map((o) => ({ source: o.source, object: clean(o.object) as Obj }));
}

/** The chart rendered with values-ha.yaml under the same names as the base, Helm-only bits removed. */
export function renderHaObjects(): RenderedObject[] {
  return helmTemplate(CHART_DIR, {
    valuesFiles: ['values-ha.yaml'],
    values: [{ fullnameOverride: 'triage-warden' }],
    releaseName: 'triage-warden',
    namespace: 'triage-warden',
  }).map((o) => ({ source: o.source, object: clean(o.object) as Obj }));
}

/** Objects the HA overlay adds to the base (PgBouncer, monitoring, VPA, …): overlays/ha/resources.yaml. */
export function generateHaResources(): string {
  const inBase = new Set(renderBaseObjects().map((o) => key(o.object)));
  const extra = renderHaObjects().filter((o) => !inBase.has(key(o.object)));
  return HEADER + extra.map((o) => stringify(o.object, { lineWidth: 0 })).join('---\n');
}

/** Prometheus rule file for the compose setup, from the chart's PrometheusRule. */
export function generateComposeAlerts(): string {
  const objects = helmTemplate(CHART_DIR, {
    values: [{ fullnameOverride: 'triage-warden', metrics: { prometheusRule: { enabled: true } } }],
    namespace: 'triage-warden',
  });
  const rule = objects.find((o) => o.object.kind === 'PrometheusRule');
  if (!rule) throw new Error('the chart rendered no PrometheusRule');
  const groups = ((rule.object.spec as Obj).groups as Obj[]).map((g) => ({
    ...g,
    rules: (g.rules as Obj[]).map((r) => ({
      ...r,
      expr: String(r.expr)
        .replaceAll(
          '{namespace="triage-warden",service=~"triage-warden-(api|orchestrator)"}',
          '{service=~"api|orchestrator"}',
        )
        .replaceAll('{namespace="triage-warden",service="triage-warden-api"}', '{service="api"}'),
    })),
  }));
  for (const g of groups) {
    for (const r of g.rules)
      if (r.expr.includes('namespace=')) throw new Error(`selector not rewritten: ${r.expr}`);
  }
  return (
    HEADER.replace(': do not edit.', ' (compose labels): do not edit.') +
    stringify({ groups }, { lineWidth: 0 })
  );
}

/** The base's files: name → YAML text. */
export function generateBase(): Map<string, string> {
  const objects = renderBaseObjects();
  const groups = new Map<string, Obj[]>();
  for (const o of objects) {
    const file = fileFor(o);
    if (!groups.has(file)) groups.set(file, []);
    groups.get(file)!.push(o.object);
  }
  const files = new Map<string, string>();
  for (const [file, objs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    files.set(file, HEADER + objs.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files.keys()],
  };
  files.set('kustomization.yaml', HEADER + stringify(kustomization));
  return files;
}

/** Writes a file formatted like the rest of the repository (prettier), so `prettier --check` passes. */
async function writeFormatted(file: string, text: string): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  mkdirSync(BASE_DIR, { recursive: true });
  for (const [file, text] of generateBase()) await writeFormatted(join(BASE_DIR, file), text);
  mkdirSync(HA_DIR, { recursive: true });
  await writeFormatted(join(HA_DIR, 'resources.yaml'), generateHaResources());
  await writeFormatted(COMPOSE_ALERTS, generateComposeAlerts());
  process.stdout.write(`wrote ${BASE_DIR}, ${join(HA_DIR, 'resources.yaml')} and ${COMPOSE_ALERTS}\n`);
}
