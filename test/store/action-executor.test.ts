// The action executor on PGlite and PostgreSQL 15 against a loopback vendor: a job delivered twice at
// the same time (two executors, as two workers) calls the vendor once; a vendor slower than the action
// timeout fails the action TIMEOUT; the kill switch fails it before any call.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { migrate, SqlActionStore, SqlIncidentStore, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import { ActionExecutor } from '../../src/core/response/action.executor.ts';
import {
  LoopbackConnector,
  LoopbackVendor,
  TestConnectorDirectory,
  testPolicy,
} from '../helpers/loopback-connector.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_action_exec');
const SILENT = { debug() {}, info() {}, warn() {}, error() {}, child: () => SILENT };

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`ActionExecutor on ${backend.name}`, () => {
    const vendor = new LoopbackVendor();
    let db: SqlDatabase;
    let store: SqlActionStore;
    let incidentId: string;
    let killSwitch = false;
    const executor = (timeoutMs = 5000, actor = 'w1') =>
      new ActionExecutor({
        store,
        incidents: new SqlIncidentStore(db),
        policy: testPolicy({}),
        connectors: new TestConnectorDirectory([
          new LoopbackConnector('edr', ['block_ip'], () => vendor.url),
        ]),
        killSwitch: { isActive: () => killSwitch },
        bus: new InProcessEventBus(),
        log: SILENT,
        actionTimeoutMs: timeoutMs,
        actor,
      });
    const approved = async () => {
      const id = randomUUID();
      await store.create(
        {
          id,
          incident_id: incidentId,
          action_type: 'block_ip',
          target: { type: 'ip', value: '203.0.113.7' },
          parameters: {},
          status: 'auto_approved',
          origin: 'manual',
          requested_by: 'user:a',
          reason: null,
          mode: 'supervised',
          decision: { outcome: 'allowed', rule: 't', message: 'm', policy_version: 1 },
          approval_level: null,
          connector: 'edr',
          expires_at: null,
          dedupe_key: null,
        },
        'user:a',
      );
      return id;
    };

    beforeAll(async () => {
      await vendor.start();
      db = await backend.open();
      await migrate(db);
      store = new SqlActionStore(db);
      const alert: NormalizedAlert = {
        source: 'test',
        title: 't',
        severity: 'high',
        incidentType: 'malware',
        occurredAt: new Date(),
        indicators: [],
        assets: [],
        tags: [],
        mitreTechniques: [],
        fingerprint: `t:${randomUUID()}`,
        raw: {},
      };
      incidentId = (await new SqlIncidentStore(db).ingest(alert, 60_000)).incident.id;
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
      await vendor.stop();
    });

    it('a job delivered twice at once: one claim, one vendor call', async () => {
      vendor.delayMs = 100;
      const id = await approved();
      const outcomes = await Promise.all([
        executor(5000, 'w1').execute(id),
        executor(5000, 'w2').execute(id),
      ]);
      expect(outcomes.sort()).toEqual(['executed', 'skipped']);
      expect(vendor.calls.filter((c) => c.idempotencyKey === id)).toHaveLength(1);
      expect(await store.get(id)).toMatchObject({
        status: 'executed',
        result: { connector: 'edr', http_status: 200 },
      });
      vendor.delayMs = 0;
    });

    it('a vendor slower than the action timeout: failed TIMEOUT, not re-run', async () => {
      vendor.delayMs = 1500;
      const id = await approved();
      expect(await executor(200).execute(id)).toBe('failed');
      const a = await store.get(id);
      expect(a).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
      expect(await executor(5000).execute(id)).toBe('skipped');
      vendor.delayMs = 0;
    });

    it('the kill switch: failed KILL_SWITCH_ACTIVE before any call', async () => {
      killSwitch = true;
      const id = await approved();
      expect(await executor().execute(id)).toBe('kill_switch');
      expect(vendor.calls.filter((c) => c.idempotencyKey === id)).toHaveLength(0);
      expect(await store.get(id)).toMatchObject({ status: 'failed', error: { code: 'KILL_SWITCH_ACTIVE' } });
      killSwitch = false;
      expect(await executor().execute(id)).toBe('skipped');
    });
  });
}
