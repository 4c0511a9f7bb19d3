/**
 * Renders the Triage Warden Helm chart without helm, for checks on machines that have no helm
 * (`npx tsx deploy/tools/render-chart.ts deploy/helm/triage-warden -f values-ha.yaml`).
 *
 * What it does, like `helm template`: merges values.yaml with -f files and --set pairs (maps merge
 * deeply, lists are replaced, null deletes a key), validates the result against values.schema.json,
 * renders every templates/*.yaml with `.Values`, `.Release`, `.Chart` (files starting with `_` only
 * contribute `define`s), splits the output into YAML documents and drops empty ones.
 *
 * What it is not: a Helm replacement. It understands only the template subset documented in
 * go-template.ts, has no `.Capabilities`, `.Files`, `lookup`, subcharts or hooks ordering, and its
 * `toYaml` is equal to Helm's in meaning, not byte for byte. The chart is written to stay inside that
 * subset, so a template that strays fails here loudly instead of rendering something else.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, parseAllDocuments, stringify as yamlStringify } from 'yaml';
import Schema from 'typebox/schema';
import { execute, newTemplates, parseFile } from './go-template.ts';

export interface RenderOptions {
  /** Extra values files, applied in order after the chart's values.yaml. */
  valuesFiles?: string[];
  /** Values objects applied after the files (tests use these). */
  values?: Record<string, unknown>[];
  /** `a.b.c=value` pairs, applied last (value parsed as YAML, like `helm --set` for scalars). */
  set?: string[];
  releaseName?: string;
  namespace?: string;
}

export interface RenderedObject {
  /** Template file the object came from, e.g. `templates/api-deployment.yaml`. */
  source: string;
  object: Record<string, unknown>;
}

export interface RenderResult {
  values: Record<string, unknown>;
  objects: RenderedObject[];
  notes: string;
}

export class ValuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValuesError';
  }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's coalescing: `over` wins; maps merge; a null in `over` deletes the key. */
export function mergeValues(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergeValues(out[k] as Obj, v);
    else out[k] = structuredClone(v);
  }
  return out;
}

export function setPath(target: Obj, path: string, value: unknown): Obj {
  const keys = path.split('.');
  const patch: Obj = {};
  let node = patch;
  keys.slice(0, -1).forEach((k) => {
    node[k] = {};
    node = node[k] as Obj;
  });
  node[keys[keys.length - 1]!] = value;
  return mergeValues(target, patch);
}

export function readYamlFile(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'));
}

/** Validates values against the chart's JSON schema (as `helm install/template` does). */
export function validateValues(chartDir: string, values: Obj): void {
  const schemaText = readFileSync(join(chartDir, 'values.schema.json'), 'utf8');
  const schema = JSON.parse(schemaText) as Obj;
  const [ok, errors] = Schema.Errors(schema as never, values);
  if (!ok) {
    const lines = errors.slice(0, 20).map((e) => `  ${e.instancePath || '(root)'}: ${e.message}`);
    throw new ValuesError(`values do not match values.schema.json:\n${lines.join('\n')}`);
  }
}

export function renderChart(chartDir: string, options: RenderOptions = {}): RenderResult {
  const chart = readYamlFile(join(chartDir, 'Chart.yaml')) as Obj;
  let values = (readYamlFile(join(chartDir, 'values.yaml')) as Obj | null) ?? {};
  for (const f of options.valuesFiles ?? []) {
    const file = resolve(chartDir, f);
    values = mergeValues(values, (readYamlFile(file) as Obj | null) ?? {});
  }
  for (const v of options.values ?? []) values = mergeValues(values, v);
  for (const pair of options.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new ValuesError(`--set needs key=value: ${pair}`);
    values = setPath(values, pair.slice(0, eq), parseYaml(pair.slice(eq + 1)));
  }
  validateValues(chartDir, values);

  const releaseName = options.releaseName ?? 'triage-warden';
  const namespace = options.namespace ?? 'triage-warden';
  const context = {
    Values: values,
    Release: {
      Name: releaseName,
      Namespace: namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: {
      Name: chart.name,
      Version: chart.version,
      AppVersion: chart.appVersion,
      Description: chart.description,
      Type: chart.type,
    },
  };

  const templatesDir = join(chartDir, 'templates');
  const files = readdirSync(templatesDir).sort();
  const set = newTemplates();
  for (const f of files) parseFile(set, `templates/${f}`, readFileSync(join(templatesDir, f), 'utf8'));

  const objects: RenderedObject[] = [];
  let notes = '';
  for (const f of files) {
    const name = `templates/${f}`;
    if (f.startsWith('_')) continue;
    const text = execute(set, name, context);
    if (f === 'NOTES.txt') {
      notes = text;
      continue;
    }
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        throw new Error(
          `${name} rendered invalid YAML: ${doc.errors[0]!.message}\n--- rendered ---\n${text}`,
        );
      }
      const object = doc.toJS() as unknown;
      if (object === null || object === undefined) continue;
      if (!isObj(object)) throw new Error(`${name} rendered a document that is not a mapping`);
      objects.push({ source: name, object });
    }
  }
  return { values, objects, notes };
}

/** Objects as one YAML stream, like `helm template` prints them. */
export function toYamlStream(objects: RenderedObject[]): string {
  return objects
    .map((o) => `---\n# Source: ${o.source}\n${yamlStringify(o.object, { lineWidth: 0 })}`)
    .join('');
}

function main(argv: string[]): void {
  const args = [...argv];
  const chartDir = args.shift();
  if (!chartDir || chartDir === '--help' || chartDir === '-h') {
    process.stdout.write(
      'usage: tsx deploy/tools/render-chart.ts CHART_DIR [-f values.yaml]... [--set a.b=c]... [--name NAME] [--namespace NS]\n' +
        'Renders the chart with the subset renderer (a check tool, not helm) and prints the manifests.\n',
    );
    process.exit(chartDir ? 0 : 2);
  }
  const options: RenderOptions = { valuesFiles: [], set: [] };
  while (args.length > 0) {
    const a = args.shift()!;
    const v = args.shift();
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '-f' || a === '--values') options.valuesFiles!.push(resolve(v));
    else if (a === '--set') options.set!.push(v);
    else if (a === '--name') options.releaseName = v;
    else if (a === '--namespace' || a === '-n') options.namespace = v;
    else throw new Error(`unknown option ${a}`);
  }
  const result = renderChart(resolve(chartDir), options);
  process.stdout.write(toYamlStream(result.objects));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${basename(process.argv[1])}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
