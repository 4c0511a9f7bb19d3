// The per-process connector directory: resolution rules, rebuild only on a version change, the
// connectors_changed event and the poll, and the call counter's fixed labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../../src/adapters/in-process/index.ts';
import type { LoadedConnector } from '../../../src/core/response/connectors.service.ts';
import { CachedConnectorDirectory } from '../../../src/extensions/actions/connector-directory.ts';
import { CONNECTOR_KINDS } from '../../../src/extensions/actions/kinds/index.ts';
import { SILENT_LOGGER } from '../../../src/ports/index.ts';
import { fakeFirewall } from '../../fakes/vendors/firewall.ts';
import { action, loopbackHttp, signal } from './connector-kit.ts';

const SECRET = 'firewall-shared-secret-0123456789';
const fake = fakeFirewall({ secret: SECRET });
let url = '';
let rows: LoadedConnector[] = [];
let broken: Record<string, string> = {};
let loads = 0;
const bus = new InProcessEventBus();
const counted: { connector_kind: string; outcome: string }[] = [];
const fw = (name: string, over: Partial<LoadedConnector> = {}): LoadedConnector => ({
  name,
  kind: 'firewall_webhook',
  enabled: true,
  actionTypes: ['block_ip', 'unblock_ip'],
  config: { url },
  secrets: { signing_secret: SECRET },
  dryRun: false,
  version: 1,
  ...over,
});
const directory = new CachedConnectorDirectory({
  load: async () => {
    loads++;
    return { loaded: rows, broken };
  },
  kinds: CONNECTOR_KINDS,
  http: loopbackHttp(),
  bus,
  log: SILENT_LOGGER,
  pollMs: 60_000,
  calls: { inc: (l) => void counted.push(l) },
});

beforeAll(async () => {
  url = `${await fake.server.start()}/hooks/firewall`;
  await directory.start();
});
afterAll(async () => {
  directory.stop();
  await bus.close();
  await fake.server.close();
});

const changed = async () => {
  await bus.publish('connectors_changed', { name: 'x' });
  await new Promise((r) => setTimeout(r, 20));
};

describe('CachedConnectorDirectory', () => {
  it('resolves the only enabled connector of a type; names a disabled, missing or broken one', async () => {
    rows = [fw('edge'), fw('off', { enabled: false, actionTypes: ['block_domain'] })];
    broken = { lost: 'connector credentials cannot be opened (key abc not configured…)' };
    const r = await directory.resolve('block_ip');
    expect(r.connector?.name).toBe('edge');
    expect(r).toMatchObject({ dryRun: false });
    expect(await directory.resolve('block_domain')).toMatchObject({
      connector: null,
      reason: 'no enabled connector runs block_domain',
    });
    expect(await directory.resolve('block_domain', 'off')).toMatchObject({
      reason: 'connector off is disabled',
    });
    expect(await directory.resolve('block_ip', 'lost')).toMatchObject({
      reason: expect.stringContaining('cannot be opened'),
    });
    expect(await directory.resolve('block_ip', 'ghost')).toMatchObject({
      reason: 'no connector named ghost',
    });
  });

  it('keeps built connectors until their version changes; follows connectors_changed, not every call', async () => {
    const first = (await directory.resolve('block_ip')).connector;
    const before = loads;
    expect((await directory.resolve('block_ip')).connector).toBe(first);
    expect(loads).toBe(before);
    await changed();
    expect((await directory.resolve('block_ip')).connector).toBe(first);
    expect(loads).toBe(before + 1);
    rows = [fw('edge', { version: 2, dryRun: true })];
    await changed();
    const next = await directory.resolve('block_ip');
    expect(next.connector).not.toBe(first);
    expect(next).toMatchObject({ dryRun: true });
  });

  it('counts calls by kind and outcome only', async () => {
    rows = [fw('edge', { version: 3 })];
    await changed();
    const c = (await directory.resolve('block_ip')).connector!;
    await c.execute(action('block_ip', 'ip', '203.0.113.1'), signal());
    await c.dryRun(action('block_ip', 'ip', '203.0.113.1'));
    await c.execute(action('block_domain', 'domain', 'x.example'), signal());
    expect(counted).toEqual([
      { connector_kind: 'firewall_webhook', outcome: 'ok' },
      { connector_kind: 'firewall_webhook', outcome: 'dry_run' },
      { connector_kind: 'firewall_webhook', outcome: 'unsupported' },
    ]);
  });
});
