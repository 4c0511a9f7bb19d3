import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybookSubject } from '../../src/core/playbooks/playbook.model.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

/**
 * Two API replicas on one PostgreSQL database and one Redis, started at the same moment on a fresh
 * database (both load the built-ins: no duplicate-key failure), then a change through one replica
 * reaches the other's playbook selection through the bus. The cache TTL is an hour here, so only the
 * `playbook_changed` event can explain the other replica seeing the change.
 */
const skip = await requireServices(['postgres', 'redis']);
const dbName = `tw_pbrep_${randomUUID().slice(0, 8)}`;
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(ADMIN);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const subject = (incident_type: string): PlaybookSubject => ({
  incident: { id: randomUUID(), source: 'okta', incident_type, severity: 'high', title: 'x' },
});

describe.skipIf(Boolean(skip))('playbooks across two replicas (PostgreSQL + Redis)', () => {
  let a: Runtime;
  let b: Runtime;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    const prefix = `tw-pbrep-${randomUUID().slice(0, 8)}:`;
    const start = async (id: string) => {
      const config = testConfig({
        server: { instance_id: id },
        database: { primary_url: `postgres://postgres@127.0.0.1:5432/${dbName}`, max_connections: 4 },
        redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
        webhooks: { encryption_key: Buffer.alloc(32, 7).toString('base64') },
        playbooks: { cache_ttl: '1h' },
      });
      const log = createLogger({ level: 'silent', instance: id, role: 'api' });
      const rt = await createRuntime(config, 'api', log, { redisTransports: createRedisTransports });
      await rt.start({ listen: false });
      return rt;
    };
    [a, b] = await Promise.all([start('api-a'), start('api-b')]);
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it('both replicas loaded the built-ins once between them', () => {
    const results = [a, b].flatMap((rt) => Object.entries(rt.playbooks.loaded));
    for (const name of ['generic', 'malware', 'phishing', 'suspicious-login', 'cloud-finding']) {
      const mine = results.filter(([n]) => n === name).map(([, r]) => r);
      expect(mine.sort(), name).toEqual(['inserted', 'unchanged']);
    }
  });

  it('a playbook created and disabled through A is selected accordingly by B; a name raced on both is one 201 and one 409', async () => {
    // B caches its set now (an hour's TTL): a later change can reach it only over the bus.
    expect((await b.playbooks.source.forIncident(subject('insider_threat'))).name).toBe('generic');
    const yaml = `name: insider\npriority: 10\ntrigger:\n  incident_types: [insider_threat]\nstages:\n  - name: s\n    steps:\n      - { id: a, kind: analyze }\n`;
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/v1/playbooks',
      headers: asAdmin({ 'content-type': 'application/yaml' }),
      payload: yaml,
    });
    expect(created.statusCode, created.body).toBe(201);
    await eventually(
      async () => (await b.playbooks.source.forIncident(subject('insider_threat'))).name === 'insider',
      'B selects the new playbook',
    );
    await a.app.inject({ method: 'POST', url: '/api/v1/playbooks/insider/disable', headers: asAdmin() });
    await eventually(
      async () => (await b.playbooks.source.forIncident(subject('insider_threat'))).name === 'generic',
      'B stops selecting the disabled playbook',
    );
    const fromB = await b.app.inject({ method: 'GET', url: '/api/v1/playbooks/insider', headers: asAdmin() });
    expect(fromB.json()).toMatchObject({ enabled: false, version: 2 });
    // The same name created on both at once: one 201, one 409, never a 500.
    const twice = await Promise.all(
      [a, b].map((rt) =>
        rt.app.inject({
          method: 'POST',
          url: '/api/v1/playbooks',
          headers: asAdmin({ 'content-type': 'application/yaml' }),
          payload: yaml.replace('name: insider', 'name: raced'),
        }),
      ),
    );
    expect(twice.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });
});
