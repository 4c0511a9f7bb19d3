import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES } from '../../../../src/contracts/index.ts';
import { VENDOR_PROTOCOLS } from '../../../../src/extensions/intel/vendors/index.ts';

describe('vendor protocol catalog', () => {
  it('names each protocol by its own vendor name, and each supports some indicator type', () => {
    for (const [kind, { protocol }] of Object.entries(VENDOR_PROTOCOLS)) {
      expect(protocol.vendor).toBe(kind);
      expect(
        INDICATOR_TYPES.some((t) => protocol.supports(t)),
        kind,
      ).toBe(true);
      expect(protocol.supports('username'), kind).toBe(false);
    }
    expect(Object.keys(VENDOR_PROTOCOLS).sort()).toEqual([
      'greynoise',
      'misp',
      'otx',
      'threatfox',
      'urlhaus',
    ]);
  });
});
