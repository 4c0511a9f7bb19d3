// The copies of the guide in seed.ts are the guide's own text (run where the guide is beside the repo).
import { describe, expect, it } from 'vitest';
import { seedGuide } from './helpers.ts';
import { SEED_BLOCKS, SEED_THRESHOLDS } from './seed.ts';

const guide = seedGuide();
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe.skipIf(!guide)('seed.ts matches seed/scaling.md (skipped without the guide)', () => {
  it.each(Object.keys(SEED_BLOCKS) as (keyof typeof SEED_BLOCKS)[])('block %s appears verbatim', (key) => {
    expect(squash(guide!)).toContain(squash(SEED_BLOCKS[key]));
  });

  it('the thresholds table rows', () => {
    for (const [metric, t] of Object.entries(SEED_THRESHOLDS)) {
      const row = guide!.split('\n').find((l) => l.startsWith(`| \`${metric}\``));
      expect(row, metric).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect([cells[2], cells[3]]).toEqual([...t.table]);
    }
  });
});
