import { describe, expect, it } from 'vitest';
import {
  MAX_PATTERN_LENGTH,
  parseStixPattern,
  readStixObject,
  retryAfterMs,
} from '../../../../src/extensions/intel/vendors/index.ts';

describe('STIX 2.1 pattern parser', () => {
  it('reads single comparisons for every supported object path, normalised', () => {
    expect(parseStixPattern("[ipv4-addr:value = '198.51.100.7']")).toEqual({
      ok: true,
      values: [{ type: 'ipv4', value: '198.51.100.7' }],
      skipped: 0,
    });
    expect(parseStixPattern("[domain-name:value = 'Evil.Example.COM']")).toMatchObject({
      values: [{ type: 'domain', value: 'evil.example.com' }],
    });
    expect(parseStixPattern("[url:value = 'http://bad.example/x?a=1']")).toMatchObject({
      values: [{ type: 'url', value: 'http://bad.example/x?a=1' }],
    });
    expect(parseStixPattern("[email-addr:value = 'Phish@Bad.Example']")).toMatchObject({
      values: [{ type: 'email', value: 'phish@bad.example' }],
    });
    expect(parseStixPattern("[ipv6-addr:value = '2001:DB8::1']")).toMatchObject({
      values: [{ type: 'ipv6', value: '2001:db8::1' }],
    });
    const sha = 'A1B2C3D4'.repeat(8);
    expect(parseStixPattern(`[file:hashes.'SHA-256' = '${sha}']`)).toMatchObject({
      values: [{ type: 'sha256', value: sha.toLowerCase() }],
    });
    expect(parseStixPattern(`[file:hashes.MD5 = '${'b1c2'.repeat(8)}']`)).toMatchObject({
      values: [{ type: 'md5' }],
    });
    expect(parseStixPattern(`[file:hashes.'SHA-1' = '${'c1d2e'.repeat(8)}']`)).toMatchObject({
      values: [{ type: 'sha1' }],
    });
    expect(parseStixPattern("[ipv4-addr:value = '198.51.100.0/24']")).toMatchObject({
      values: [{ type: 'ipv4', value: '198.51.100.0/24', cidr: true }],
    });
    expect(parseStixPattern("[ipv4-addr:value = '198.51.100.9/32']")).toMatchObject({
      values: [{ type: 'ipv4', value: '198.51.100.9' }],
    });
  });

  it('reads OR inside and between observations, IN lists, parentheses and escaped quotes', () => {
    const r = parseStixPattern(
      "([ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'a.example'] OR [url:value IN ('http://x.example/a', 'http://x.example/b\\'s')])",
    );
    expect(r).toEqual({
      ok: true,
      skipped: 0,
      values: [
        { type: 'ipv4', value: '198.51.100.1' },
        { type: 'domain', value: 'a.example' },
        { type: 'url', value: 'http://x.example/a' },
        { type: 'url', value: "http://x.example/b's" },
      ],
    });
  });

  it('drops and counts OR-ed comparisons on other paths or with invalid values', () => {
    expect(
      parseStixPattern(
        "[file:name = 'evil.exe' OR file:hashes.MD5 = '" +
          'd1e2'.repeat(8) +
          "' OR ipv4-addr:value = 'not-an-ip']",
      ),
    ).toEqual({
      ok: true,
      values: [{ type: 'md5', value: 'd1e2'.repeat(8) }],
      skipped: 2,
    });
  });

  it('refuses what cannot be reduced to a value list, without throwing', () => {
    for (const p of [
      "[ipv4-addr:value = '198.51.100.1' AND network-traffic:dst_port = 443]",
      "[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'a.example']",
      "[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
      "[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS",
      "[ipv4-addr:value = '198.51.100.1'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
      "[ipv4-addr:value != '198.51.100.1']",
      "[domain-name:value MATCHES '^evil']",
      "[file:name = 'evil.exe']",
      "[ipv4-addr:value = '198.51.100.1'",
      "[ipv4-addr:value = '198.51.100.1]",
      '[ipv4-addr:value = 198]',
      '',
      'not a pattern at all',
    ]) {
      const r = parseStixPattern(p);
      expect(r.ok, p).toBe(false);
    }
    expect(parseStixPattern(42)).toEqual({ ok: false, reason: 'not a string' });
  });

  it('bounds hostile input: length, nesting, value count, pathological quoting', () => {
    expect(parseStixPattern(`[url:value = '${'a'.repeat(MAX_PATTERN_LENGTH)}']`)).toEqual({
      ok: false,
      reason: 'too long',
    });
    expect(parseStixPattern(`${'('.repeat(40)}[domain-name:value = 'a.example']${')'.repeat(40)}`)).toEqual({
      ok: false,
      reason: 'nested too deep',
    });
    const many = Array.from({ length: 300 }, (_, i) => `'10.${Math.floor(i / 250)}.${i % 250}.1'`).join(',');
    expect(parseStixPattern(`[ipv4-addr:value IN (${many})]`)).toEqual({
      ok: false,
      reason: 'too many values',
    });
    expect(parseStixPattern(`[url:value = '${"\\'".repeat(3000)}`)).toMatchObject({ ok: false });
    expect(parseStixPattern('['.repeat(8000))).toEqual({ ok: false, reason: 'too many tokens' });
  });
});

describe('STIX 2.1 indicator objects', () => {
  const base = {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2024-05-01T00:00:00.000Z',
    modified: '2024-05-02T00:00:00.000Z',
    pattern: "[domain-name:value = 'a.example']",
    pattern_type: 'stix',
    valid_from: '2024-05-01T00:00:00Z',
  };

  it('indicator_types, labels and confidence decide verdict and score', () => {
    const read = (extra: Record<string, unknown>) => {
      const r = readStixObject({ ...base, ...extra });
      return r.kind === 'indicator' ? { verdict: r.indicator.verdict, score: r.indicator.score } : r;
    };
    expect(read({ indicator_types: ['malicious-activity'], confidence: 90 })).toEqual({
      verdict: 'malicious',
      score: 0.9,
    });
    expect(read({ indicator_types: ['malicious-activity'], confidence: 30 })).toEqual({
      verdict: 'suspicious',
      score: 0.3,
    });
    expect(read({ indicator_types: ['anomalous-activity'] })).toEqual({ verdict: 'suspicious', score: 0.5 });
    expect(read({ indicator_types: ['benign'], confidence: 80 })).toEqual({ verdict: 'clean', score: 0 });
    expect(read({ labels: ['compromised'] })).toEqual({ verdict: 'malicious', score: 0.8 });
    expect(read({})).toEqual({ verdict: 'malicious', score: 0.8 });
  });

  it('other pattern languages and bad patterns are unsupported; non-indicators ignored; revoked kept as revoked', () => {
    expect(readStixObject({ ...base, pattern_type: 'sigma', pattern: 'title: x' })).toEqual({
      kind: 'unsupported',
      reason: 'pattern_type is not stix',
    });
    expect(readStixObject({ ...base, pattern: '[x' }).kind).toBe('unsupported');
    expect(readStixObject({ type: 'malware', id: 'malware--1' })).toEqual({ kind: 'ignored' });
    expect(readStixObject('junk')).toEqual({ kind: 'ignored' });
    expect(readStixObject({ ...base, revoked: true })).toMatchObject({
      kind: 'indicator',
      indicator: { revoked: true, values: [] },
    });
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates; ignores junk', () => {
    const now = Date.parse('2024-06-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 01 Jun 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Fri, 31 May 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
