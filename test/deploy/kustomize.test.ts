// Plain manifests (deploy/kubernetes): the generated files are current (deploy/tools/generate.ts,
// from `helm template`), `kubectl kustomize` builds the base and the HA overlay, every object
// validates, the base equals the chart rendered with base-values.yaml and the overlay equals the chart
// rendered with values-ha.yaml. Without helm or kubectl the suites skip on a laptop and fail in CI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  BASE_DIR,
  HA_DIR,
  generateBase,
  generateHaResources,
  renderBaseObjects,
  renderHaObjects,
} from '../../deploy/tools/generate.ts';
import { kustomize } from '../../deploy/tools/helm.ts';
import { validateObject } from '../../deploy/tools/k8s-validate.ts';
import { DEPLOY, haveTool, skipWithout } from './helpers.ts';
import type { Obj } from './seed.ts';

const HAS_HELM = haveTool('helm');
const HAS_KUBECTL = haveTool('kubectl');

/** A YAML stream's documents (generated files are compared by content; prettier owns their layout). */
const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);
const resourceKey = (o: Obj): string =>
  `${String(o.apiVersion)}/${String(o.kind)}/${String((o.metadata as Obj).name)}`;
const byKey = (objects: Obj[]) => new Map(objects.map((o) => [resourceKey(o), o]));

/** kustomize moves patched items of name-keyed lists to the front; order of env/containers is irrelevant here. */
function sortNamedLists(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(sortNamedLists);
    const named = items.every((i) => i && typeof i === 'object' && typeof (i as Obj).name === 'string');
    return named
      ? [...items].sort((a, b) => String((a as Obj).name).localeCompare(String((b as Obj).name)))
      : items;
  }
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, sortNamedLists(x)]));
}

describe.skipIf(!HAS_HELM)(`generated files are current${skipWithout('helm')}`, () => {
  it('deploy/kubernetes/base matches the chart (run deploy/tools/generate.ts after chart changes)', () => {
    const files = [...generateBase()];
    expect(readdirSync(BASE_DIR).sort()).toEqual(files.map(([f]) => f).sort());
    for (const [file, text] of files)
      expect(docs(readFileSync(join(BASE_DIR, file), 'utf8')), file).toEqual(docs(text));
  });
  it('overlays/ha/resources.yaml matches the chart', () => {
    expect(docs(readFileSync(join(HA_DIR, 'resources.yaml'), 'utf8'))).toEqual(docs(generateHaResources()));
  });
});

describe.skipIf(!HAS_KUBECTL)(`kubectl kustomize: base and HA overlay${skipWithout('kubectl')}`, () => {
  let base: Obj[] = [];
  let ha: Obj[] = [];
  beforeAll(() => {
    base = kustomize(join(DEPLOY, 'kubernetes/base'));
    ha = kustomize(join(DEPLOY, 'kubernetes/overlays/ha'));
  });

  it('builds both, and every object validates', () => {
    expect(base.length).toBeGreaterThan(5);
    expect(ha.length).toBeGreaterThan(base.length);
    expect([...base, ...ha].flatMap((o) => validateObject(o))).toEqual([]);
    expect(byKey(base).size).toBe(base.length);
    expect(byKey(ha).size).toBe(ha.length);
  });

  describe.skipIf(!HAS_HELM)(`against the chart${skipWithout('helm')}`, () => {
    it('the base is the chart rendered with base-values.yaml', () => {
      const chart = byKey(renderBaseObjects().map((o) => o.object));
      const built = byKey(base);
      expect([...built.keys()].sort()).toEqual([...chart.keys()].sort());
      for (const [key, o] of built) expect(sortNamedLists(o), key).toEqual(sortNamedLists(chart.get(key)));
    });

    it('base + HA patches equal the chart rendered with values-ha.yaml', () => {
      const chart = byKey(renderHaObjects().map((o) => o.object));
      const built = byKey(ha);
      expect([...built.keys()].sort()).toEqual([...chart.keys()].sort());
      for (const [key, o] of built) expect(sortNamedLists(o), key).toEqual(sortNamedLists(chart.get(key)));
      expect([...built.keys()].some((k) => k.includes('triage-warden-postgresql'))).toBe(false);
    });
  });
});
