/**
 * Writes eval/dataset.jsonl, the labelled evaluation set of `triage-warden eval`
 * (`node --import tsx scripts/eval-dataset/generate.ts`). Output is reproducible (seeded).
 *
 * Labels are what a SOC analyst would decide from the event and what the SOC's feeds say about its
 * indicators (docs/ANALYZER.md, "Labelling guide"), written with each scenario, never taken from an
 * analyzer. The split is fixed here from a hash of the case id, before any analyzer ran on the set:
 * about 30 % of cases are `holdout` and must never be used for tuning.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ELASTIC,
  FALCON_DETECTIONS,
  GENERIC,
  GRAPH,
  GUARDDUTY,
  MANUAL,
  SPLUNK,
  UNKNOWN_VENDOR,
} from './alerts.ts';
import type { Case, Scenario } from './case.ts';
import { FALCON_AUDIT } from './crowdstrike-audit.ts';
import { ENTRA } from './entra.ts';
import { GOOGLE } from './google.ts';
import { INJECTION } from './injection.ts';
import { M365 } from './m365.ts';
import { OKTA } from './okta.ts';
import { Rng, TENANTS } from './random.ts';

const GROUPS: Array<[string, Array<[string, number, Scenario]>]> = [
  ['okta', OKTA],
  ['gws', GOOGLE],
  ['entra', ENTRA],
  ['m365', M365],
  ['falcon-audit', FALCON_AUDIT],
  ['falcon', FALCON_DETECTIONS],
  ['splunk', SPLUNK],
  ['graph', GRAPH],
  ['guardduty', GUARDDUTY],
  ['elastic', ELASTIC],
  ['generic', GENERIC],
  ['manual', MANUAL],
  ['vendor-json', UNKNOWN_VENDOR],
  ['injection', INJECTION],
];

/** Share of cases held out from tuning. */
const HOLDOUT_SHARE = 0.3;

export function generate(seed = 20240615): Array<Case & { split: 'tune' | 'holdout' }> {
  const out: Array<Case & { split: 'tune' | 'holdout' }> = [];
  for (const [group, scenarios] of GROUPS) {
    for (const [name, count, build] of scenarios) {
      for (let n = 0; n < count; n++) {
        const id = `${group}/${name}/${n + 1}`;
        // One generator per case, seeded from its id: adding a scenario does not change the others.
        const h = createHash('sha256').update(`${seed}:${id}`).digest();
        const r = new Rng(h.readUInt32BE(0));
        const tenant = TENANTS[h[4]! % TENANTS.length]!;
        const c = build(r, tenant, n);
        const split = h[5]! / 256 < HOLDOUT_SHARE ? 'holdout' : 'tune';
        out.push({ id, ...c, split });
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, '..', '..', 'eval', 'dataset.jsonl');
  const cases = generate();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    cases
      .map(({ id, source, payload, expected, intel, split, note }) =>
        JSON.stringify({
          id,
          source,
          split,
          expected,
          ...(intel && intel.length ? { intel } : {}),
          note,
          payload,
        }),
      )
      .join('\n') + '\n',
  );
  const holdout = cases.filter((c) => c.split === 'holdout').length;
  console.log(`${file}: ${cases.length} cases (${holdout} holdout, ${cases.length - holdout} tune)`);
}
