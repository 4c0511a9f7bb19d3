import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../../src/api/plugins/access.ts';
import { CredentialCache } from '../../../src/api/plugins/credential-cache.ts';
import { allows, permissionsOf, ROLE_PERMISSIONS } from '../../../src/api/plugins/role-permissions.ts';
import { InProcessEventBus } from '../../../src/adapters/in-process/index.ts';
import { EVENT_NAMES, INTERNAL_EVENT_NAMES } from '../../../src/contracts/index.ts';
import { typeMask } from '../../../src/api/routes/stream.hub.ts';

describe('role → permissions table', () => {
  it('viewer reads; analyst also writes and decides; admin holds everything', () => {
    expect([...(permissionsOf('viewer') as Set<string>)].sort()).toEqual([
      'actions:read',
      'authenticated',
      'incidents:read',
      'kill_switch:read',
      'playbooks:read',
      'policies:read',
      'stream:read',
    ]);
    const analyst = permissionsOf('analyst');
    for (const p of [
      'incidents:read',
      'incidents:write',
      'incidents:decide',
      'stream:read',
      'playbooks:read',
      'kill_switch:read',
      'kill_switch:activate',
      'actions:read',
      'actions:request',
      'approvals:decide',
      'policies:read',
      'connectors:read',
    ] as const)
      expect(allows(analyst, p)).toBe(true);
    for (const p of [
      'users:manage',
      'api_keys:manage',
      'audit:read',
      'webhook_sources:manage',
      'system:read',
      'playbooks:manage',
      'kill_switch:deactivate',
      'policies:manage',
      'connectors:manage',
    ] as const)
      expect(allows(analyst, p)).toBe(false);
    expect(ROLE_PERMISSIONS.admin).toBe('all');
    for (const p of PERMISSIONS) expect(allows(permissionsOf('admin'), p)).toBe(true);
  });

  it('scopes narrow a role and never widen it', () => {
    const scoped = permissionsOf('viewer', ['incidents:read', 'users:manage']);
    expect(allows(scoped, 'incidents:read')).toBe(true);
    expect(allows(scoped, 'users:manage')).toBe(false);
    expect(allows(scoped, 'stream:read')).toBe(false);
    expect(allows(scoped, 'authenticated')).toBe(true);
    expect(allows(permissionsOf('admin', ['audit:read']), 'users:manage')).toBe(false);
  });
});

describe('credential cache', () => {
  it('expires by TTL, stays bounded, and refuses a result read before a clear', () => {
    let now = 0;
    const cache = new CredentialCache<string>(1000, 2, () => now);
    cache.set('a', cache.begin(), 'A');
    expect(cache.get('a')).toBe('A');
    now = 1000;
    expect(cache.get('a')).toBeUndefined();
    for (const k of ['x', 'y', 'z']) cache.set(k, cache.begin(), k);
    expect(cache.size).toBe(2);
    expect(cache.get('x')).toBeUndefined();
    const ticket = cache.begin();
    cache.clear();
    cache.set('late', ticket, 'stale');
    expect(cache.get('late')).toBeUndefined();
  });

  it('is cleared by a credentials_changed event on the bus', async () => {
    const bus = new InProcessEventBus();
    const cache = new CredentialCache<string>(60_000, 10);
    const stop = await cache.watch(bus);
    cache.set('k', cache.begin(), 'v');
    await bus.publish('credentials_changed', { kind: 'api_key', id: 'x' });
    for (let i = 0; i < 50 && cache.size; i++) await new Promise((r) => setTimeout(r, 5));
    expect(cache.get('k')).toBeUndefined();
    stop();
    await bus.close();
  });

  it('credentials_changed is internal: never a stream event type', () => {
    for (const name of INTERNAL_EVENT_NAMES) {
      expect((EVENT_NAMES as readonly string[]).includes(name)).toBe(false);
      expect(typeMask([name])).toBe(0);
    }
  });
});
