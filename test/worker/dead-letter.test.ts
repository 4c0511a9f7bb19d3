// Issue 10 item 5: an incident whose triage keeps failing is dead-lettered after triage.max_attempts
// (not retried forever), with its last error sanitised, counted in the metrics, and retried through
// the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeterministicAnalyzer } from '../../src/core/triage/deterministic.analyzer.ts';
import type { Analyzer } from '../../src/core/triage/analyzer.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

/** The deterministic analyzer, failing while `failing` is set, with a secret in its message. */
class FlakyAnalyzer implements Analyzer {
  readonly name = 'flaky';
  failing = true;
  calls = 0;
  private readonly inner = new DeterministicAnalyzer();
  async analyze(...args: Parameters<Analyzer['analyze']>) {
    this.calls++;
    if (this.failing) {
      throw new Error(
        'LLM gateway refused: postgres://triage:hunter2@db.internal/tw\nAuthorization: Bearer sk-live-abcdef token=s3cr3t',
      );
    }
    return this.inner.analyze(...args);
  }
}

describe('triage dead letter', () => {
  let rt: Runtime;
  const analyzer = new FlakyAnalyzer();
  beforeAll(async () => {
    const config = testConfig({
      triage: { max_attempts: 3 },
      orchestrator: { job_attempts: 10, job_backoff: '10ms' },
    });
    const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
    rt = await createRuntime(config, 'all', log, { analyzer });
    await rt.start({ listen: false });
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('after max_attempts failed runs the incident is dead-lettered; retry-triage runs it again', async () => {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin(),
      payload: {
        incident_type: 'malware',
        source: 'edr',
        severity: 'high',
        title: 'Beacon to 185.220.101.47',
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().incident_id as string;

    const dead = await eventually(async () => {
      const i = await rt.store.get(id);
      return i?.triage_failed_at ? i : null;
    }, 'the incident dead-lettered');
    expect(dead.status).toBe('analyzing');
    expect(dead.triage_attempts).toBe(3);
    // The queue would have tried 10 times: the dead letter stopped it at 3.
    await new Promise((r) => setTimeout(r, 300));
    expect(analyzer.calls).toBe(3);
    expect(dead.triage_error).toContain('LLM gateway refused');
    for (const secret of ['hunter2', 'sk-live-abcdef', 's3cr3t', '\n'])
      expect(dead.triage_error).not.toContain(secret);

    const detail = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
    expect(detail).toMatchObject({ triage_attempts: 3, triage_error: dead.triage_error });
    expect(detail.triage_failed_at).toEqual(expect.any(String));
    expect(detail.timeline.map((a: { action: string }) => a.action)).toContain('triage.dead_lettered');

    await rt.leaderJobs!.aggregate();
    const metrics = (await rt.metrics.render()).body;
    expect(metrics).toMatch(/^tw_triage_dead_letter_total 1$/m);
    expect(metrics).toMatch(/^tw_triage_dead_letter_incidents 1$/m);

    // Not dead-lettered: nothing to retry. Unknown: 404.
    const other = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/00000000-0000-4000-8000-000000000000/retry-triage`,
      headers: asAdmin(),
    });
    expect(other.statusCode).toBe(404);

    analyzer.failing = false;
    const retried = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/retry-triage`,
      headers: asAdmin(),
    });
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({
      queued: true,
      incident: { id, triage_failed_at: null, triage_attempts: 0 },
    });
    const done = await eventually(async () => {
      const i = await rt.store.get(id);
      return i && i.triaged_at ? i : null;
    }, 'triage after the retry');
    expect(done).toMatchObject({ classification: expect.any(String), triage_error: null });

    const again = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/retry-triage`,
      headers: asAdmin(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    const bulk = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/retry-failed',
      headers: asAdmin(),
    });
    expect(bulk.statusCode, bulk.body).toBe(202);
    expect(bulk.json()).toEqual({ retried: 0, incident_ids: [], queued: true });
  });
});
