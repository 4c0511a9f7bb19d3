// Plain manifests (deploy/kubernetes): the generated files are current, base and the HA overlay build
// with deploy/tools/kustomize-lite.ts (resources + strategic-merge patches + $patch: delete), every
// object validates, the overlay equals the chart rendered with values-ha.yaml, and — where
// `kubectl kustomize` exists — kustomize itself builds the same objects.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  BASE_DIR,
  HA_DIR,
  generateBase,
  generateHaResources,
  renderBaseObjects,
  renderHaObjects,
} from '../../deploy/tools/generate.ts';
import { build, resourceKey, strategicMerge } from '../../deploy/tools/kustomize-lite.ts';
import { validateObject } from '../../deploy/tools/k8s-validate.ts';
import { DEPLOY, tool } from './helpers.ts';
import type { Obj } from './seed.ts';

/** A YAML stream's documents (generated files are compared by content; prettier owns their layout). */
const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);
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

describe('generated files are current', () => {
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

describe('kustomize-lite', () => {
  it('merges maps, deletes on null, merges named lists and replaces other lists', () => {
    const base = {
      a: { b: 1, c: 2 },
      env: [
        { name: 'X', value: '1' },
        { name: 'Y', value: '2' },
      ],
      args: ['a', 'b'],
    };
    const patch = {
      a: { c: null, d: 3 },
      env: [
        { name: 'Y', value: '3' },
        { name: 'Z', value: '4' },
        { name: 'X', $patch: 'delete' },
      ],
      args: ['c'],
    };
    expect(strategicMerge(base, patch)).toEqual({
      a: { b: 1, d: 3 },
      env: [
        { name: 'Y', value: '3' },
        { name: 'Z', value: '4' },
      ],
      args: ['c'],
    });
  });
});

describe('base and HA overlay', () => {
  const base = build(join(DEPLOY, 'kubernetes/base'));
  const ha = build(join(DEPLOY, 'kubernetes/overlays/ha'));

  it('every object validates', () => {
    expect([...base, ...ha].flatMap((o) => validateObject(o))).toEqual([]);
  });

  it('the base is the chart rendered with base-values.yaml', () => {
    expect(byKey(base)).toEqual(byKey(renderBaseObjects().map((o) => o.object)));
  });

  it('base + HA patches equal the chart rendered with values-ha.yaml', () => {
    const chart = byKey(renderHaObjects().map((o) => o.object));
    const built = byKey(ha);
    expect([...built.keys()].sort()).toEqual([...chart.keys()].sort());
    for (const [key, o] of built) expect(o, key).toEqual(chart.get(key));
    expect([...built.keys()].some((k) => k.includes('triage-warden-postgresql'))).toBe(false);
  });

  const kubectl = tool('kubectl', 'TW_KUBECTL');
  it.skipIf(!kubectl)('kubectl kustomize builds the same objects (skipped without kubectl)', () => {
    for (const [dir, mine] of [
      ['kubernetes/base', base],
      ['kubernetes/overlays/ha', ha],
    ] as const) {
      const out = execFileSync(kubectl!, ['kustomize', join(DEPLOY, dir)], { encoding: 'utf8' });
      const real = byKey(parseAllDocuments(out).map((d) => d.toJS() as Obj));
      const ours = byKey(mine);
      expect([...real.keys()].sort(), dir).toEqual([...ours.keys()].sort());
      for (const [key, o] of ours)
        expect(isDeepStrictEqual(sortNamedLists(o), sortNamedLists(real.get(key))), `${dir} ${key}`).toBe(
          true,
        );
    }
  });
});
