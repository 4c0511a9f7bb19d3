import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IndicatorType } from '../../../src/contracts/index.ts';
import {
  MAX_INDICATORS,
  dedupeIndicators,
  extractFromText,
  hostIndicator,
  indicator,
  isPrivateIp,
} from '../../../src/core/ingest/index.ts';
import { trimChars } from '../../../src/core/ingest/indicators.ts';

const value = (type: IndicatorType, v: unknown): string | null => indicator(type, v)?.value ?? null;

describe('indicator()', () => {
  it.each<[IndicatorType, string, string | null]>([
    ['ipv4', '185.220.101.47', '185.220.101.47'],
    ['ipv4', ' 10.0.0.1 ', '10.0.0.1'],
    ['ipv4', '256.1.1.1', null],
    ['ipv4', '01.2.3.4', null],
    ['ipv4', '1.2.3', null],
    ['ipv6', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['ipv6', '[fe80::1%eth0]', 'fe80::1'],
    ['ipv6', '::', null],
    ['ipv6', 'not:an:ip', null],
    ['domain', 'Login-Micros0ft-Secure.COM.', 'login-micros0ft-secure.com'],
    ['domain', 'evil[.]example[.]net', 'evil.example.net'],
    ['domain', 'münchen.de', 'xn--mnchen-3ya.de'],
    ['domain', 'svchost.exe', null],
    ['domain', 'localhost', null],
    ['domain', '-bad-.com', null],
    ['url', 'hxxps://login-micros0ft-secure[.]com/owa?x=1', 'https://login-micros0ft-secure.com/owa?x=1'],
    ['url', 'HTTP://Example.COM/Path', 'http://example.com/Path'],
    ['url', 'ftp://files.example.org/a.zip', 'ftp://files.example.org/a.zip'],
    ['url', 'javascript:alert(1)', null],
    ['url', 'example.com/path', null],
    ['email', 'IT-Support@Login-Micros0ft-Secure.com', 'it-support@login-micros0ft-secure.com'],
    ['email', 'John Doe <jdoe@contoso.com>', 'jdoe@contoso.com'],
    ['email', 'jdoe[@]contoso[.]com', 'jdoe@contoso.com'],
    ['email', 'not-an-email', null],
    ['md5', '5D41402ABC4B2A76B9719D911017C592', '5d41402abc4b2a76b9719d911017c592'],
    ['sha1', '6cbce4a295c163791b60fc23d285e6d84f28ee4c', '6cbce4a295c163791b60fc23d285e6d84f28ee4c'],
    [
      'sha256',
      '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ],
    ['sha256', '0'.repeat(64), null],
    ['sha256', '5d41402abc4b2a76b9719d911017c592', null],
    ['hostname', 'FIN-WS-042', 'fin-ws-042'],
    ['hostname', 'ws-107.contoso.local', 'ws-107.contoso.local'],
    ['hostname', 'unknown', null],
    ['hostname', '10.0.0.1', null],
    ['username', 'CORP\\JDoe', 'jdoe@corp'],
    ['username', 'jdoe@Contoso.com', 'jdoe@contoso.com'],
    ['username', 'NT AUTHORITY\\SYSTEM', null],
    ['username', '-', null],
    ['cloud_resource', 'i-0A1B2C3D4E5F67890', 'i-0a1b2c3d4e5f67890'],
    ['cloud_resource', 'i-99999999', 'i-99999999'],
    ['cloud_resource', 'akiaiosfodnn7example', 'AKIAIOSFODNN7EXAMPLE'],
    ['cloud_resource', 'ASIASZ4SI7REEEXAMPLE', 'ASIASZ4SI7REEEXAMPLE'],
    ['cloud_resource', 'arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:role/Admin'],
    [
      'cloud_resource',
      '/subscriptions/0A1B2C3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1/',
      '/subscriptions/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1',
    ],
    ['cloud_resource', 'i-xyz', null],
  ])('%s %j → %j', (type, input, expected) => {
    expect(value(type, input)).toBe(expected);
  });

  it('returns null for non-strings and keeps context', () => {
    expect(indicator('ipv4', 42)).toBeNull();
    expect(indicator('ipv4', null)).toBeNull();
    expect(indicator('ipv4', '8.8.8.8', 'client.ipAddress')).toEqual({
      type: 'ipv4',
      value: '8.8.8.8',
      context: 'client.ipAddress',
    });
  });

  it('is idempotent on its own output', () => {
    for (const [type, v] of [
      ['url', 'hxxp://a-b.example.com:8080/x?y=Z#frag'],
      ['username', 'CORP\\jdoe'],
      ['ipv6', '2001:DB8::0:1'],
    ] as Array<[IndicatorType, string]>) {
      const once = value(type, v)!;
      expect(value(type, once)).toBe(once);
    }
  });
});

describe('hostIndicator()', () => {
  it('types host fields by shape', () => {
    expect(hostIndicator('10.1.2.3')?.type).toBe('ipv4');
    expect(hostIndicator('2001:db8::5')?.type).toBe('ipv6');
    expect(hostIndicator('www.microsoft.com')).toEqual({ type: 'domain', value: 'www.microsoft.com' });
    expect(hostIndicator('DC-01')).toEqual({ type: 'hostname', value: 'dc-01' });
    expect(hostIndicator('web01.corp.internal')?.type).toBe('hostname');
  });
});

describe('extractFromText()', () => {
  it('finds typed indicators in a log line, refanging and skipping file names', () => {
    const text =
      'Blocked conn src=185.220.101.47:51234 -> dst 10.0.0.5 host=fin-ws-042 url="hxxps://login-micros0ft-secure[.]com/a?b=c", ' +
      'dropped C:\\Temp\\svchost.exe (sha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08) ' +
      'reported by soc@contoso.com; rule.name=event.category; also 2001:db8::7 and key AKIAIOSFODNN7EXAMPLE on i-0a1b2c3d4e5f67890.';
    const found = extractFromText(text).map((i) => `${i.type}:${i.value}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'ipv4:185.220.101.47',
        'ipv4:10.0.0.5',
        'url:https://login-micros0ft-secure.com/a?b=c',
        'domain:login-micros0ft-secure.com',
        'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        'email:soc@contoso.com',
        'ipv6:2001:db8::7',
        'cloud_resource:AKIAIOSFODNN7EXAMPLE',
        'cloud_resource:i-0a1b2c3d4e5f67890',
      ]),
    );
    expect(found.some((f) => f.includes('svchost'))).toBe(false);
    expect(found.some((f) => f.includes('rule.name') || f.includes('event.category'))).toBe(false);
    expect(found.some((f) => f.startsWith('domain:contoso.com'))).toBe(false); // emails do not leak their domain
  });

  it('ignores non-strings and tags context', () => {
    expect(extractFromText(undefined)).toEqual([]);
    expect(extractFromText('8.8.8.8', 'notes')[0]).toEqual({
      type: 'ipv4',
      value: '8.8.8.8',
      context: 'notes',
    });
  });

  it('caps the number of indicators', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`).join(' ');
    expect(extractFromText(many)).toHaveLength(MAX_INDICATORS);
    expect(extractFromText(many, 'x', 5)).toHaveLength(5);
  });

  it('scans only the first 64 KiB of a huge string', () => {
    const huge = `${'a'.repeat(70_000)} 8.8.8.8`;
    expect(extractFromText(huge)).toEqual([]);
  });

  it('copes with pathological input (a super-linear regex would hit the test timeout)', () => {
    const nasty = 'a.'.repeat(200_000) + '-'.repeat(100_000) + '1.'.repeat(100_000) + ':'.repeat(50_000);
    expect(extractFromText(nasty).length).toBeLessThanOrEqual(MAX_INDICATORS);
  });

  it('edge punctuation is trimmed without an end-anchored backtracking regex (linear by construction)', () => {
    // `/[…]+$/` (and `/x+$/`) not anchored at the start retries from every character of a run that
    // is not at the end: quadratic. A `^`-anchored `[…]+$` fails once and is fine.
    const source = readFileSync(new URL('../../../src/core/ingest/indicators.ts', import.meta.url), 'utf8');
    const code = source.replace(/^\s*(?:\/\/|\*|\/\*\*).*$/gm, '');
    const endAnchoredRuns = code.match(/(?<!\^)\[[^\]\n]*\]\+\$\/|(?<!\^)\\\/\+\$\//g) ?? [];
    expect(endAnchoredRuns).toEqual([]);
  });

  it('a pathological 256 KB alert text (long punctuation runs not at the end) is scanned and still trimmed', () => {
    const run = (c: string) => `${c.repeat(4000)}a `;
    const nasty = `185.220.101.47!!! http://evil.example.org/y!!... ${['.', '!', '=', '~', '/'].map(run).join('')}`;
    const text = nasty + run('.').repeat(Math.ceil((256 * 1024) / 4002));
    expect(text.length).toBeGreaterThanOrEqual(256 * 1024);
    const found = extractFromText(text);
    expect(found).toContainEqual({ type: 'ipv4', value: '185.220.101.47', context: 'text' });
    expect(found).toContainEqual({ type: 'url', value: 'http://evil.example.org/y', context: 'text' });
  });

  it('trimChars strips edge characters of a set from one or both ends', () => {
    expect(trimChars('..a.b..', '.', true)).toBe('a.b');
    expect(trimChars('..a.b..', '.')).toBe('..a.b');
    expect(trimChars('....', '.', true)).toBe('');
    expect(trimChars('abc', '.;', true)).toBe('abc');
    expect(trimChars(`${'.'.repeat(100_000)}x${'!'.repeat(100_000)}`, '.!', true)).toBe('x');
  });
});

describe('dedupeIndicators()', () => {
  it('keeps the first of each (type, value) and caps the list', () => {
    const list = [
      { type: 'ipv4' as const, value: '1.1.1.1', context: 'a' },
      { type: 'ipv4' as const, value: '1.1.1.1', context: 'b' },
      { type: 'domain' as const, value: '1.1.1.1' },
    ];
    expect(dedupeIndicators(list)).toEqual([list[0], list[2]]);
    expect(dedupeIndicators(list, 1)).toEqual([list[0]]);
  });
});

describe('isPrivateIp()', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['100.64.0.1', true],
    ['8.8.8.8', false],
    ['fd00::1', true],
    ['2001:4860:4860::8888', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPrivateIp(ip)).toBe(expected);
  });
});
