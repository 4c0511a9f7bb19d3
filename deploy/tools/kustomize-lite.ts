/**
 * A deliberately small Kustomize for the deployment tests: builds deploy/kubernetes/base and
 * overlays without the kustomize binary. Supported, and nothing else (other kustomization keys are an
 * error): `resources` (YAML files and directories holding a kustomization.yaml), `patches` entries
 * with a `path` to a strategic-merge patch naming its target by apiVersion/kind/metadata.name, and
 * `namespace`.
 *
 * Strategic merge, as far as these manifests need it: maps merge recursively; a `null` value deletes
 * the field; `$patch: delete` at the top of a patch deletes the resource; lists whose items all have a
 * `name` (containers, env, volumes, volumeMounts, ports) merge item by item on `name` (an item with
 * `$patch: delete` removes it, new names are appended); every other list is replaced whole, as
 * Kubernetes' own merge keys do for the lists used here (HPA metrics, args, command).
 *
 * Where `kubectl kustomize` exists the tests compare this builder's output with it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'namespace']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const resourceKey = (o: Obj): string =>
  `${String(o.apiVersion)}/${String(o.kind)}/${String((o.metadata as Obj).name)}`;

function readDocs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    })
    .filter((d): d is Obj => isObj(d));
}

/** Builds the kustomization in `dir` and returns its objects in resource order. */
export function build(dir: string): Obj[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`no kustomization.yaml in ${dir}`);
  const k = parse(readFileSync(file, 'utf8')) as Obj;
  for (const key of Object.keys(k))
    if (!SUPPORTED.has(key)) throw new Error(`${file}: "${key}" is not supported by kustomize-lite`);
  let objects: Obj[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = resolve(dir, r);
    objects.push(...(statSync(path).isDirectory() ? build(path) : readDocs(path)));
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const key = resourceKey(o);
    if (seen.has(key)) throw new Error(`${file}: ${key} is defined twice`);
    seen.add(key);
  }
  for (const p of (k.patches ?? []) as Obj[]) {
    for (const key of Object.keys(p))
      if (key !== 'path') throw new Error(`${file}: patches.${key} is not supported by kustomize-lite`);
    for (const patch of readDocs(resolve(dir, String(p.path)))) {
      const key = resourceKey(patch);
      const index = objects.findIndex((o) => resourceKey(o) === key);
      if (index < 0)
        throw new Error(`${file}: patch ${String(p.path)} targets ${key}, which is not a resource`);
      if (patch.$patch === 'delete') objects = objects.filter((_, i) => i !== index);
      else objects[index] = strategicMerge(objects[index]!, patch) as Obj;
    }
  }
  if (typeof k.namespace === 'string') {
    for (const o of objects) (o.metadata as Obj).namespace = k.namespace;
  }
  return objects;
}

const named = (list: unknown[]): list is Obj[] =>
  list.length > 0 && list.every((i) => isObj(i) && typeof i.name === 'string');

export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (k === '$patch') continue;
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : stripDirectives(v);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out: Obj[] = base.map((i) => ({ ...i }));
    for (const item of patch) {
      const at = out.findIndex((i) => i.name === item.name);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
      } else if (at >= 0) {
        out[at] = strategicMerge(out[at], item) as Obj;
      } else {
        out.push(stripDirectives(item) as Obj);
      }
    }
    return out;
  }
  return stripDirectives(patch);
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => k !== '$patch' && x !== null)
      .map(([k, x]) => [k, stripDirectives(x)]),
  );
}
