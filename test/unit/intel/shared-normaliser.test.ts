import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAlert } from '../../../src/core/ingest/index.ts';
import { LocalListIntelProvider, normalizeIndicator } from '../../../src/extensions/intel/index.ts';

// Issue 11: ingest and intel matching share one normaliser (src/core/indicators), so a list entry
// written the way an analyst sees it matches the indicator ingest extracted from an alert.
describe('one indicator notation for ingest and list matching', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('a `CORP\\jdoe` list entry matches the `jdoe@corp` ingest extracts from a Windows event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-lists-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'watch.txt'),
      ['# type: username', '# verdict: suspicious', 'CORP\\jdoe'].join('\n'),
    );
    await writeFile(
      join(dir, 'bad.txt'),
      ['Evil-Example.COM.', 'hxxp://evil-example[.]com/dropper'].join('\n'),
    );
    const lists = await LocalListIntelProvider.fromFolder(dir);
    expect(lists.warnings).toEqual([]);

    const alert = parseAlert('generic', {
      title: 'Suspicious logon',
      username: 'CORP\\JDoe',
      domain: 'evil-example.com',
      url: 'http://evil-example.com/dropper',
    });
    const user = alert.indicators.find((i) => i.type === 'username');
    expect(user?.value).toBe('jdoe@corp');
    expect(await lists.lookup(user!)).toMatchObject({ verdict: 'suspicious' });

    const url = alert.indicators.find((i) => i.type === 'url');
    expect(url?.value).toBe('http://evil-example.com/dropper');
    expect(await lists.lookup(url!)).toMatchObject({ verdict: 'malicious' });
    expect(await lists.lookup({ type: 'domain', value: 'www.evil-example.com' })).toMatchObject({
      verdict: 'malicious',
    });
  });

  it('normalises list values exactly as ingest does (the old matcher only lower-cased)', () => {
    expect(normalizeIndicator('username', 'CORP\\jdoe')).toBe('jdoe@corp');
    expect(normalizeIndicator('username', 'NT AUTHORITY\\SYSTEM')).toBeNull();
    expect(normalizeIndicator('domain', '*.Evil.COM.')).toBe('evil.com');
    expect(normalizeIndicator('email', 'Bob@Evil[.]com')).toBe('bob@evil.com');
    expect(normalizeIndicator('url', 'hxxps://evil.com/a#frag')).toBe('https://evil.com/a');
    expect(normalizeIndicator('ipv6', '2001:DB8:0:0::1')).toBe('2001:db8::1');
  });
});
