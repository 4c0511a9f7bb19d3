import { describe, expect, it } from 'vitest';
import {
  createJobDispatcher,
  defineJobCatalog,
  jobRequest,
  retryPoliciesOf,
  type JobHandlers,
  type JobKind,
  type PayloadsOf,
} from '../../src/core/jobs/job-catalog.ts';
import type { JobQueue } from '../../src/ports/index.ts';
import { sleep, waitFor } from './helpers.ts';
import { FAST, type JobQueueHarness } from './job-queue.helpers.ts';

interface Ping {
  n: number;
}
interface Note {
  text: string;
}

const obj = (p: unknown): p is Record<string, unknown> => typeof p === 'object' && p !== null;

/** A test catalog of three kinds with their own payloads, timeouts and retry policies. */
const CATALOG = defineJobCatalog({
  ping: {
    description: 'a number',
    timeoutMs: 5000,
    retry: { attempts: 1, backoffMs: 20 },
    parse: (p: unknown): { ok: true; payload: Ping } | { ok: false; problem: string } =>
      obj(p) && typeof p.n === 'number' ? { ok: true, payload: { n: p.n } } : { ok: false, problem: 'no n' },
    id: (p: Ping) => `ping:${p.n}`,
  } satisfies JobKind<Ping>,
  'note.write': {
    description: 'a text',
    timeoutMs: 5000,
    retry: { attempts: 3, backoffMs: 20 },
    parse: (p: unknown): { ok: true; payload: Note } | { ok: false; problem: string } =>
      obj(p) && typeof p.text === 'string'
        ? { ok: true, payload: { text: p.text } }
        : { ok: false, problem: 'no text' },
    id: (p: Note) => `note:${p.text}`,
  } satisfies JobKind<Note>,
  slow: {
    description: 'runs past its timeout',
    timeoutMs: 100,
    retry: { attempts: 2, backoffMs: 20 },
    parse: (p: unknown): { ok: true; payload: Ping } | { ok: false; problem: string } =>
      obj(p) && typeof p.n === 'number' ? { ok: true, payload: { n: p.n } } : { ok: false, problem: 'no n' },
    id: (p: Ping) => `slow:${p.n}`,
  } satisfies JobKind<Ping>,
});
type Payloads = PayloadsOf<typeof CATALOG>;

type Seen = { kind: string; id: string; attempt: number; detail: string };

/** Part of the JobQueue contract: one queue carries several job kinds, dispatched by name. */
export function describeJobQueueKinds(harness: () => JobQueueHarness): void {
  describe('several job kinds on one queue', () => {
    async function typedQueue(): Promise<JobQueue<Payloads>> {
      const q = await harness().create({ retry: FAST, retryByName: retryPoliciesOf(CATALOG) });
      return q as unknown as JobQueue<Payloads>;
    }

    function handlers(seen: Seen[], fail: { note?: boolean } = {}): JobHandlers<typeof CATALOG> {
      return {
        // Each handler sees its own payload type: `n` is a number, `text` a string.
        ping: async (job) =>
          void seen.push({
            kind: job.name,
            id: job.id,
            attempt: job.attempt,
            detail: `${job.payload.n + 1}`,
          }),
        'note.write': async (job) => {
          seen.push({
            kind: job.name,
            id: job.id,
            attempt: job.attempt,
            detail: job.payload.text.toUpperCase(),
          });
          if (fail.note) throw new Error('note store down');
        },
        slow: async (job, signal, context) => {
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          seen.push({
            kind: job.name,
            id: job.id,
            attempt: job.attempt,
            detail: `interrupted=${context.interrupted()}`,
          });
          throw signal.reason instanceof Error ? signal.reason : new Error('timed out');
        },
      };
    }

    it('dispatches each job by name to its kind’s handler, with the id the catalog gives', async () => {
      const q = await typedQueue();
      const seen: Seen[] = [];
      q.process(createJobDispatcher(CATALOG, handlers(seen)), { concurrency: 2 });
      const results = await q.enqueueMany([
        jobRequest(CATALOG, 'ping', { n: 41 }),
        jobRequest(CATALOG, 'note.write', { text: 'hello' }),
        jobRequest(CATALOG, 'ping', { n: 41 }),
      ]);
      expect(results).toEqual([{ added: true }, { added: true }, { added: false }]);
      await waitFor(() => seen.length === 2, { what: 'both kinds handled' });
      expect(seen.map((s) => `${s.kind}|${s.id}|${s.detail}`).sort()).toEqual([
        'note.write|note:hello|HELLO',
        'ping|ping:41|42',
      ]);
    });

    it('each kind retries with its own policy', async () => {
      const q = await typedQueue();
      const seen: Seen[] = [];
      const dispatch = createJobDispatcher(CATALOG, {
        ...handlers(seen, { note: true }),
        ping: async (job) => {
          seen.push({ kind: job.name, id: job.id, attempt: job.attempt, detail: '' });
          throw new Error('ping target down');
        },
      });
      q.process(dispatch, { concurrency: 2 });
      await q.enqueue('ping', 'ping:1', { n: 1 });
      await q.enqueue('note.write', 'note:x', { text: 'x' });
      await waitFor(async () => (await q.counts()).failed === 2, {
        what: 'both failed for good',
        timeoutMs: 5000,
      });
      await sleep(150);
      // ping: 1 attempt; note.write: 3 attempts (the queue's own default would be 3 for both).
      expect(seen.filter((s) => s.kind === 'ping').map((s) => s.attempt)).toEqual([1]);
      expect(seen.filter((s) => s.kind === 'note.write').map((s) => s.attempt)).toEqual([1, 2, 3]);
    });

    it('a run past its kind’s timeout is aborted and retried (not taken for a hand-back)', async () => {
      const q = await typedQueue();
      const seen: Seen[] = [];
      q.process(createJobDispatcher(CATALOG, handlers(seen)), { concurrency: 1 });
      const started = Date.now();
      await q.enqueue('slow', 'slow:1', { n: 1 });
      await waitFor(async () => (await q.counts()).failed === 1, {
        what: 'timed-out job failed',
        timeoutMs: 5000,
      });
      expect(seen.map((s) => `${s.attempt}:${s.detail}`)).toEqual([
        '1:interrupted=false',
        '2:interrupted=false',
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    });

    it('a payload its kind rejects, or an unknown kind, fails at once without reaching a handler', async () => {
      const q = await typedQueue();
      const seen: Seen[] = [];
      const rejected: string[] = [];
      q.process(
        createJobDispatcher(CATALOG, handlers(seen), {
          onRejected: (name, id, problem) => rejected.push(`${name}|${id}|${problem}`),
        }),
        { concurrency: 2 },
      );
      const raw = q as unknown as JobQueue;
      await raw.enqueue('note.write', 'note:bad', { text: 7 });
      await raw.enqueue('mystery', 'm:1', { n: 1 });
      await waitFor(async () => (await q.counts()).failed === 2, { what: 'two rejected jobs' });
      await sleep(150);
      expect(seen).toEqual([]);
      expect(rejected.sort()).toEqual(['mystery|m:1|unknown job kind', 'note.write|note:bad|no text']);
    });

    it('the handler map is typed by the catalog', () => {
      const seen: Seen[] = [];
      const { slow: _slow, ...missing } = handlers(seen);
      // @ts-expect-error -- a kind without a handler does not compile
      const incomplete: JobHandlers<typeof CATALOG> = missing;
      // @ts-expect-error -- a payload of the wrong kind does not compile
      jobRequest(CATALOG, 'ping', { text: 'x' });
      expect(Object.keys(incomplete).sort()).toEqual(['note.write', 'ping']);
    });
  });
}
