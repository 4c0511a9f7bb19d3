import { describe, expect, it } from 'vitest';
import { PARSERS, findParser } from '../../../src/core/ingest/index.ts';

describe('registry', () => {
  it('finds parsers by name and alias, case-insensitively', () => {
    expect(findParser('CrowdStrike').name).toBe('crowdstrike');
    expect(findParser(' defender ').name).toBe('microsoft-graph');
    expect(findParser('M365').name).toBe('microsoft-graph');
    expect(findParser('guardduty').name).toBe('guardduty');
    expect(findParser('manual').name).toBe('manual');
  });

  it('falls back to the generic parser for unknown sources', () => {
    expect(findParser('acme-dlp').name).toBe('generic');
    expect(findParser('').name).toBe('generic');
  });

  it('lists every vendor once', () => {
    const names = PARSERS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'crowdstrike',
        'splunk',
        'microsoft-graph',
        'guardduty',
        'okta',
        'elastic',
        'generic',
        'manual',
      ]),
    );
  });
});
