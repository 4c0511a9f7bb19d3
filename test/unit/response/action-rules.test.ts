// The response side's small rules: which targets each action takes, approval levels and who holds
// which (users, admin keys, other keys), the rate-limit windows, the conservative default policy,
// and the operation mode the ActionService hands the policy (global vs the playbook's) on PGlite.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGliteDatabase } from '../../../src/adapters/pglite/pglite.database.ts';
import { exceeded } from '../../../src/adapters/sql/action.repository.ts';
import {
  migrate,
  SqlActionStore,
  SqlIncidentStore,
  type SqlDatabase,
} from '../../../src/adapters/sql/index.ts';
import { InProcessEventBus } from '../../../src/adapters/in-process/index.ts';
import { approverOf } from '../../../src/api/routes/approvals.routes.ts';
import { permissionsOf } from '../../../src/api/plugins/role-permissions.ts';
import { ACTION_TYPES, TARGET_TYPES, type NormalizedAlert } from '../../../src/contracts/index.ts';
import {
  ACTION_TARGETS,
  defaultTargetType,
  targetAllowed,
} from '../../../src/core/response/action-targets.ts';
import { ActionService } from '../../../src/core/response/action.service.ts';
import { levelMeets } from '../../../src/core/response/approval-levels.ts';
import { EMPTY_CONNECTOR_DIRECTORY } from '../../helpers/response-doubles.ts';
import { testPolicy } from '../../helpers/loopback-connector.ts';

const SILENT = { debug() {}, info() {}, warn() {}, error() {}, child: () => SILENT };

describe('action targets', () => {
  it('every action type takes at least one known target type; notify only channels', () => {
    for (const t of ACTION_TYPES) {
      expect(ACTION_TARGETS[t].length, t).toBeGreaterThan(0);
      for (const target of ACTION_TARGETS[t]) expect(TARGET_TYPES).toContain(target);
    }
    expect(targetAllowed('isolate_host', 'host')).toBe(true);
    expect(targetAllowed('isolate_host', 'email')).toBe(false);
    expect(targetAllowed('quarantine_email', 'email_message')).toBe(true);
    expect(targetAllowed('quarantine_email', 'email')).toBe(false);
    expect(defaultTargetType('notify')).toBe('channel');
    expect(defaultTargetType('block_sender')).toBe('email');
  });
});

describe('approval levels', () => {
  it('analyst < senior < manager', () => {
    expect(levelMeets('analyst', 'analyst')).toBe(true);
    expect(levelMeets('analyst', 'senior')).toBe(false);
    expect(levelMeets('senior', 'analyst')).toBe(true);
    expect(levelMeets('senior', 'manager')).toBe(false);
    expect(levelMeets('manager', 'manager')).toBe(true);
  });

  it('users hold their level; an admin key is manager and exempt from four eyes; other keys analyst', () => {
    const perms = permissionsOf('analyst');
    expect(
      approverOf({ id: 'bob', kind: 'user', approvalLevel: 'senior', permissions: perms }, 'user:bob'),
    ).toEqual({
      actor: 'user:bob',
      level: 'senior',
      adminKey: false,
    });
    expect(approverOf({ id: 'x', kind: 'user', permissions: perms }, 'user:x').level).toBe('analyst');
    expect(
      approverOf(
        { id: 'admin-env', kind: 'api_key', role: 'admin', permissions: 'all' },
        'api_key:admin-env',
      ),
    ).toEqual({
      actor: 'api_key:admin-env',
      level: 'manager',
      adminKey: true,
    });
    expect(
      approverOf({ id: 'k', kind: 'api_key', role: 'analyst', permissions: perms }, 'api_key:k'),
    ).toMatchObject({
      level: 'analyst',
      adminKey: false,
    });
  });
});

describe('rate-limit windows', () => {
  it('names the first window a new start would exceed', () => {
    const counts = { last_hour: 3, last_day: 10, executing: 1 };
    expect(exceeded({ per_hour: 4 }, counts)).toBeNull();
    expect(exceeded({ per_hour: 3 }, counts)).toBe('per_hour');
    expect(exceeded({ per_day: 10 }, counts)).toBe('per_day');
    expect(exceeded({ concurrent: 1, per_hour: 3 }, counts)).toBe('concurrent');
    expect(exceeded({}, counts)).toBeNull();
  });
});

describe('ActionService modes (PGlite)', () => {
  let db: SqlDatabase;
  let incidents: SqlIncidentStore;
  const enqueued: string[] = [];
  const policy = testPolicy({
    block_ip: { outcome: 'allowed' },
    disable_user: { outcome: 'requires_approval', level: 'analyst' },
  });
  const service = (mode: 'assisted' | 'supervised' | 'autonomous') =>
    new ActionService({
      store: new SqlActionStore(db),
      incidents,
      policy,
      connectors: EMPTY_CONNECTOR_DIRECTORY,
      bus: new InProcessEventBus(),
      queue: { enqueue: async (_n, id) => (enqueued.push(id), { added: true }) },
      log: SILENT,
      mode,
      approvalTtlMs: 60_000,
    });
  beforeAll(async () => {
    db = await openPGliteDatabase(null);
    await migrate(db);
    incidents = new SqlIncidentStore(db);
  });
  afterAll(async () => db?.close());

  const incident = async () => {
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
    return (await incidents.ingest(alert, 60_000)).incident;
  };
  const recommendation = (inc: Awaited<ReturnType<typeof incident>>, over: object = {}) => ({
    incident: inc,
    action_type: 'block_ip' as const,
    target: { type: 'ip' as const, value: '203.0.113.5' },
    parameters: {},
    reason: null,
    requested_by: 'playbook:p@1/s',
    verdict: { classification: 'malicious' as const, confidence: 0.9 },
    dedupe_key: `1:s:${randomUUID()}`,
    ...over,
  });

  it('the global mode applies unless the playbook sets one; assisted holds an allowed recommendation', async () => {
    const inc = await incident();
    const global = await service('assisted').recommend(recommendation(inc));
    expect(global.action).toMatchObject({
      mode: 'assisted',
      status: 'pending',
      decision: { rule: 'mode.assisted' },
    });
    const own = await service('assisted').recommend(recommendation(inc, { mode: 'supervised' }));
    expect(own.action).toMatchObject({ mode: 'supervised', status: 'auto_approved' });
    expect(policy.subjects.at(-1)).toMatchObject({
      mode: 'supervised',
      incident: { classification: 'malicious', confidence: 0.9 },
    });
    const auto = await service('autonomous').recommend(
      recommendation(inc, { action_type: 'disable_user', target: { type: 'user', value: 'u' } }),
    );
    expect(auto.action).toMatchObject({ status: 'auto_approved', decision: { rule: 'mode.autonomous' } });
    // Recommended actions are queued only on release (after the verdict commits).
    expect(enqueued).not.toContain(`action:${own.action.id}`);
    await service('supervised').releaseIds([own.action.id, global.action.id]);
    expect(enqueued).toContain(`action:${own.action.id}`);
    expect(enqueued).not.toContain(`action:${global.action.id}`);
  });

  it('the same dedupe key gives the first action back', async () => {
    const inc = await incident();
    const rec = recommendation(inc);
    const a = await service('supervised').recommend(rec);
    const b = await service('supervised').recommend({ ...rec, target: rec.target });
    expect(b.created).toBe(false);
    expect(b.action.id).toBe(a.action.id);
  });

  it('a target type the action does not take is a 400', async () => {
    const inc = await incident();
    await expect(
      service('supervised').request({
        incident_id: inc.id,
        action_type: 'block_ip',
        target: { type: 'host', value: 'h' },
        parameters: {},
        reason: 'r',
        requested_by: 'user:a',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
