import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Indicator } from '../../../src/contracts/index.ts';
import {
  DEMO_LIST_ENTRIES,
  LocalListIntelProvider,
  parseCsvList,
  parseTxtList,
} from '../../../src/extensions/intel/index.ts';
import type { ListHit } from '../../../src/extensions/intel/index.ts';

const hitsOf = (details: Record<string, unknown>): ListHit[] =>
  (details['hits'] as ListHit[] | undefined) ?? [];

describe('list file parsing', () => {
  it('reads txt headers, inline comments, and reports bad lines with their line number', () => {
    const parsed = parseTxtList(
      'abused',
      [
        '# verdict: suspicious',
        '# score: 0.4',
        '# description: abused services',
        '',
        'pastebin.com  # paste site',
        'two tokens',
        '# verdict: benign',
      ].join('\n'),
    );
    expect(parsed.entries).toEqual([
      {
        list: 'abused',
        value: 'pastebin.com',
        verdict: 'suspicious',
        score: 0.4,
        description: 'abused services',
        origin: 'abused.txt:5',
      },
    ]);
    expect(parsed.warnings).toEqual(['abused.txt:6: skipped, more than one token on the line']);
  });

  it('reports a bad header directive and keeps the default', () => {
    const parsed = parseTxtList('x', '# verdict: evil\n# score: 7\n1.2.3.4\n');
    expect(parsed.entries[0]?.verdict).toBe('malicious');
    expect(parsed.warnings).toEqual([
      'x.txt:1: ignored header, unknown verdict "evil"',
      'x.txt:2: ignored header, score "7" is not a number in 0..1',
    ]);
  });

  it('reads csv columns in any order with quoted fields', () => {
    const parsed = parseCsvList(
      'feed',
      [
        '# a comment',
        'value,description,verdict,type,score',
        'bob,"disabled, former employee",suspicious,username,0.7',
        '"1.2.3.4",,,,',
      ].join('\r\n'),
    );
    expect(parsed.warnings).toEqual([]);
    expect(parsed.entries).toEqual([
      {
        list: 'feed',
        value: 'bob',
        type: 'username',
        verdict: 'suspicious',
        score: 0.7,
        description: 'disabled, former employee',
        origin: 'feed.csv:3',
      },
      { list: 'feed', value: '1.2.3.4', verdict: 'malicious', score: null, origin: 'feed.csv:4' },
    ]);
  });

  it('skips a csv without a value column, and bad rows, without throwing', () => {
    expect(parseCsvList('a', 'type,indicator\nipv4,1.2.3.4\n').warnings).toEqual([
      'a.csv:1: header has no "value" column; file skipped',
    ]);
    const bad = parseCsvList(
      'b',
      'type,value,verdict,score\nnope,1.2.3.4,,\n,1.2.3.4,evil,\n,1.2.3.4,,2\n,"open\n,,,\n',
    );
    expect(bad.entries).toEqual([]);
    expect(bad.warnings).toEqual([
      'b.csv:2: skipped, unknown indicator type "nope"',
      'b.csv:3: skipped, unknown verdict "evil"',
      'b.csv:4: skipped, score "2" is not a number in 0..1',
      'b.csv:5: skipped, unbalanced quotes',
      'b.csv:6: skipped, empty value',
    ]);
  });
});

describe('LocalListIntelProvider.fromFolder', () => {
  let dir: string;
  let provider: LocalListIntelProvider;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-lists-'));
    await writeFile(
      join(dir, 'tor-exits.txt'),
      '# Tor exit nodes\n185.220.101.0/24\n45.155.205.233\n10.0.0.0/33\nnot an indicator\n???\n',
    );
    await writeFile(join(dir, 'allowlist.txt'), '# verdict: benign\n8.8.8.8\nmicrosoft.com\n185.220.101.1\n');
    await writeFile(join(dir, 'phish.txt'), '*.evil.com\nhttp://bad.example/login?x=1#frag\n');
    await writeFile(
      join(dir, 'feed.csv'),
      'type,value,verdict,score,description\n,evil.com,malicious,0.95,credential phishing kit\nusername,Mallory,suspicious,,\nsha256,zz,malicious,,\n,44D88612FEA8A8F36DE82E1278ABB02F,,,EICAR\n,attacker@phish.example,,,\n',
    );
    await writeFile(join(dir, 'empty.csv'), '');
    await writeFile(join(dir, 'readme.md'), '1.2.3.4\n');
    await mkdir(join(dir, 'nested.txt'));
    provider = await LocalListIntelProvider.fromFolder(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const look = (type: Indicator['type'], value: string) => provider.lookup({ type, value });

  it('indexes good lines and reports every bad one', () => {
    expect(provider.name).toBe('local-lists');
    expect(provider.stats).toEqual({ entries: 11, lists: ['allowlist', 'feed', 'phish', 'tor-exits'] });
    expect(provider.warnings).toEqual([
      'empty.csv: no header row; file skipped',
      'feed.csv:4: skipped, "zz" is not a valid sha256',
      'tor-exits.txt:4: skipped, "10.0.0.0/33" is not an IPv4 CIDR range',
      'tor-exits.txt:5: skipped, more than one token on the line',
      'tor-exits.txt:6: skipped, cannot tell the type of "???" (give a type)',
    ]);
  });

  it('matches IPv4 CIDR ranges and lets the strongest verdict win, listing every hit', async () => {
    const r = await look('ipv4', '185.220.101.1');
    expect(r.verdict).toBe('malicious');
    expect(r.score).toBe(0.9);
    expect(r.details['lists']).toEqual(['tor-exits', 'allowlist']);
    expect(hitsOf(r.details).map((h) => [h.list, h.verdict, h.match, h.entry])).toEqual([
      ['tor-exits', 'malicious', 'cidr', '185.220.101.0/24'],
      ['allowlist', 'clean', 'exact', '185.220.101.1'],
    ]);
    expect((await look('ipv4', '185.220.102.1')).verdict).toBe('unknown');
    expect(await look('ipv4', '8.8.8.8')).toMatchObject({ verdict: 'clean', score: 0.05 });
  });

  it('matches domains and their subdomains, and URLs exactly or by host', async () => {
    expect((await look('domain', 'evil.com')).verdict).toBe('malicious');
    const sub = await look('domain', 'a.b.evil.com');
    expect(sub.score).toBe(0.95);
    expect(hitsOf(sub.details).map((h) => [h.list, h.match, h.description])).toEqual([
      ['feed', 'subdomain', 'credential phishing kit'],
      ['phish', 'subdomain', undefined],
    ]);
    expect((await look('domain', 'notevil.com')).verdict).toBe('unknown');
    expect((await look('hostname', 'login.microsoft.com')).verdict).toBe('clean');
    const url = await look('url', 'HTTPS://Login.Evil.com/path');
    expect(hitsOf(url.details).map((h) => h.match)).toEqual(['url-host', 'url-host']);
    expect(hitsOf((await look('url', 'http://bad.example/login?x=1')).details)[0]?.match).toBe('exact');
    expect((await look('url', 'http://bad.example/other')).verdict).toBe('unknown');
    expect((await look('url', 'http://185.220.101.9:8080/x')).verdict).toBe('malicious');
  });

  it('matches hashes, usernames and e-mails exactly (case-insensitive), and never throws on junk', async () => {
    expect((await look('md5', '44d88612fea8a8f36de82e1278abb02f')).verdict).toBe('malicious');
    expect((await look('username', 'mallory')).verdict).toBe('suspicious');
    expect((await look('email', 'Attacker@phish.example')).verdict).toBe('malicious');
    expect((await look('email', 'ceo@evil.com')).verdict).toBe('malicious');
    // A sender domain is trivially spoofed: an allowlisted one is not evidence.
    expect((await look('email', 'ceo@microsoft.com')).verdict).toBe('unknown');
    expect((await look('ipv4', 'not-an-ip')).verdict).toBe('unknown');
    expect((await look('url', '::::')).verdict).toBe('unknown');
  });

  it('supports only types some list can match', () => {
    expect(provider.supports('ipv4')).toBe(true);
    expect(provider.supports('url')).toBe(true);
    expect(provider.supports('sha1')).toBe(false);
    expect(provider.supports('cloud_resource')).toBe(false);
  });

  it('rejects a missing folder (a configuration mistake)', async () => {
    await expect(LocalListIntelProvider.fromFolder(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});

describe('the demo list', () => {
  const demo = LocalListIntelProvider.fromEntries(DEMO_LIST_ENTRIES);

  it('loads cleanly with the documented indicators', async () => {
    expect(demo.warnings).toEqual([]);
    const expectations: Array<[Indicator['type'], string, string]> = [
      ['ipv4', '185.220.101.47', 'malicious'],
      ['ipv4', '185.220.101.200', 'malicious'],
      ['ipv4', '45.155.205.233', 'malicious'],
      ['domain', 'login-micros0ft-secure.com', 'malicious'],
      ['url', 'http://update-flashplayer.net/flash_update.exe', 'malicious'],
      ['sha256', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'malicious'],
      ['md5', '44d88612fea8a8f36de82e1278abb02f', 'malicious'],
      ['domain', 'pastebin.com', 'suspicious'],
      ['ipv4', '8.8.8.8', 'clean'],
      ['ipv4', '1.1.1.1', 'clean'],
      ['domain', 'microsoft.com', 'clean'],
      ['domain', 'accounts.google.com', 'clean'],
      ['domain', 'okta.com', 'clean'],
      ['domain', 'example.org', 'unknown'],
    ];
    for (const [type, value, verdict] of expectations) {
      expect([value, (await demo.lookup({ type, value })).verdict]).toEqual([value, verdict]);
    }
    const tor = await demo.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(tor.details['lists']).toEqual(['tor-exit-demo']);
  });

  it('can be merged into a folder load under its own provider name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-lists-'));
    try {
      await writeFile(join(dir, 'mine.txt'), '203.0.113.7\n');
      const p = await LocalListIntelProvider.fromFolder(dir, { include: DEMO_LIST_ENTRIES, name: 'lists' });
      expect(p.name).toBe('lists');
      expect((await p.lookup({ type: 'ipv4', value: '203.0.113.7' })).verdict).toBe('malicious');
      expect((await p.lookup({ type: 'ipv4', value: '8.8.8.8' })).verdict).toBe('clean');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
