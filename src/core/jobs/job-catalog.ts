import { PermanentJobError } from '../../contracts/index.ts';
import type {
  EnqueueOptions,
  EnqueueRequest,
  JobHandler,
  RetryPolicy,
  RetryPolicyByName,
} from '../../ports/index.ts';

/**
 * One kind of queued job: what its payload is, how long a run may take and how it retries. Every
 * kind travels on the one work queue (JobQueue), told apart by the job's name.
 */
export interface JobKind<P> {
  /** One line: what a job of this kind does (docs, logs). */
  description: string;
  /** A run taking longer is aborted (its signal fires) and fails like a thrown error (retried). */
  timeoutMs: number;
  /** Attempts (first included) and exponential backoff base for this kind. */
  retry: RetryPolicy;
  /**
   * Checks a payload read back from the queue (it crossed a process boundary): the typed payload,
   * or a problem (the job then fails for good: retrying cannot fix it). Never throws.
   */
  parse(payload: unknown): { ok: true; payload: P } | { ok: false; problem: string };
  /**
   * The job id for a payload: the queue's idempotency key (one waiting, delayed or active job per
   * id in the whole queue). Ids of different kinds must not collide: a new kind prefixes its own.
   */
  id(payload: P): string;
}

/** Kind name → kind. Names are the queue's job names (`[a-z][a-z0-9_.]*`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload type is inferred per kind
export type JobCatalogShape = Record<string, JobKind<any>>;

/** The payload type of every kind of a catalog. */
export type PayloadsOf<C extends JobCatalogShape> = {
  [K in keyof C & string]: C[K] extends JobKind<infer P> ? P : never;
};

/** One delivered job of kind `K`, its payload already validated by the kind's `parse`. */
export interface KindJob<C extends JobCatalogShape, K extends keyof C & string> {
  id: string;
  name: K;
  payload: PayloadsOf<C>[K];
  attempt: number;
}

/** What a handler learns besides its job. */
export interface JobRunContext {
  /**
   * True when the queue took the job back (this worker is closing): the run was interrupted, not
   * failed, and will be redelivered. False when the kind's own timeout fired, or not aborted.
   */
  interrupted(): boolean;
}

/**
 * A handler per kind. `signal` fires when the kind's timeout passes or the queue takes the job back.
 * The map is typed by the catalog: a kind without a handler, or a handler of the wrong payload,
 * fails to compile.
 */
export type JobHandlers<C extends JobCatalogShape> = {
  [K in keyof C & string]: (job: KindJob<C, K>, signal: AbortSignal, context: JobRunContext) => Promise<void>;
};

/** Identity with a checked shape, so each kind's payload type is inferred from its `parse`. */
export function defineJobCatalog<C extends JobCatalogShape>(catalog: C): Readonly<C> {
  for (const name of Object.keys(catalog)) {
    if (!/^[a-z][a-z0-9_.]*$/.test(name))
      throw new RangeError(`job kind name "${name}" is not [a-z][a-z0-9_.]*`);
  }
  return Object.freeze({ ...catalog });
}

/** The `triage` job's payload. */
export interface TriagePayload {
  incident_id: string;
}

/** The `action.execute` job's payload. */
export interface ActionExecutePayload {
  action_id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The production catalog. To add a kind (e.g. the response side's `action.execute`):
 * 1. add an entry here (description, timeout, retry, parse, id — prefix the id with the kind);
 * 2. the worker's handler map (src/runtime/worker.wiring.ts) then fails to compile until it has a
 *    handler for the kind; write it (src/worker/<kind>.handler.ts) and add it there;
 * 3. enqueue with `jobRequest(JOB_CATALOG, '<kind>', payload)` through the Transports' queue.
 * Deploy workers before producers of a new kind: a worker that does not know a kind fails its jobs.
 */
export const JOB_CATALOG = defineJobCatalog({
  triage: {
    description: 'triage one incident: run its playbook (enrich, analyze, …) up to review or auto-resolution',
    timeoutMs: 120_000,
    retry: { attempts: 5, backoffMs: 1000 },
    parse: (p: unknown): { ok: true; payload: TriagePayload } | { ok: false; problem: string } =>
      isTriagePayload(p)
        ? { ok: true, payload: { incident_id: p.incident_id } }
        : { ok: false, problem: 'payload is not {incident_id}' },
    // The incident id itself, unprefixed: the reconciler, ingest and retry all rely on it.
    id: (p: TriagePayload) => p.incident_id,
  } satisfies JobKind<TriagePayload>,
  'action.execute': {
    description:
      'run one approved response action at most once: kill switch check, atomic claim, connector call (docs/RESPONSE.md)',
    // Above response.action_timeout (the connector call's own bound) with room for the claim and finish.
    timeoutMs: 15 * 60_000,
    // Only the steps before the claim can throw (a transient database error); once claimed, the outcome
    // is recorded on the action and a redelivered job finds it executing/executed/failed and does nothing.
    retry: { attempts: 5, backoffMs: 1000 },
    parse: (p: unknown): { ok: true; payload: ActionExecutePayload } | { ok: false; problem: string } =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as { action_id?: unknown }).action_id === 'string' &&
      UUID.test((p as { action_id: string }).action_id)
        ? { ok: true, payload: { action_id: (p as { action_id: string }).action_id } }
        : { ok: false, problem: 'payload is not {action_id}' },
    id: (p: ActionExecutePayload) => `action:${p.action_id}`,
  } satisfies JobKind<ActionExecutePayload>,
});

export type JobCatalog = typeof JOB_CATALOG;
/** Payload per production job name. */
export type JobPayloads = PayloadsOf<JobCatalog>;
export type JobName = keyof JobPayloads;

/** Validates a triage payload read back from a queue (it crossed a process boundary). */
export function isTriagePayload(p: unknown): p is TriagePayload {
  return (
    typeof p === 'object' && p !== null && typeof (p as { incident_id?: unknown }).incident_id === 'string'
  );
}

/** An enqueue request for a kind, its id taken from the catalog. */
export function jobRequest<C extends JobCatalogShape, K extends keyof C & string>(
  catalog: C,
  name: K,
  payload: PayloadsOf<C>[K],
  options?: EnqueueOptions,
): EnqueueRequest<PayloadsOf<C>> {
  const id = (catalog[name] as JobKind<PayloadsOf<C>[K]>).id(payload);
  return { name, id, payload, ...(options ? { options } : {}) } as EnqueueRequest<PayloadsOf<C>>;
}

/** Each kind's retry policy, for the queue adapters' `retryByName`. */
export function retryPoliciesOf(catalog: JobCatalogShape): RetryPolicyByName {
  return Object.fromEntries(Object.entries(catalog).map(([name, kind]) => [name, { ...kind.retry }]));
}

export interface DispatchHooks {
  /** A job that failed before any handler ran: unknown kind or invalid payload (never retried). */
  onRejected?(name: string, id: string, problem: string): void;
}

/**
 * The queue's one handler: routes each job by name to its kind's handler after validating the
 * payload, under the kind's timeout. A job of an unknown kind or with an invalid payload fails for
 * good (PermanentJobError): retrying it cannot help.
 */
export function createJobDispatcher<C extends JobCatalogShape>(
  catalog: C,
  handlers: JobHandlers<C>,
  hooks: DispatchHooks = {},
): JobHandler<PayloadsOf<C>> {
  return async (job, signal) => {
    const name: string = job.name;
    const kind: JobKind<unknown> | undefined = Object.prototype.hasOwnProperty.call(catalog, name)
      ? catalog[name]
      : undefined;
    type AnyKindHandler = (
      job: KindJob<C, string>,
      signal: AbortSignal,
      context: JobRunContext,
    ) => Promise<void>;
    const handler = kind ? (handlers as unknown as Record<string, AnyKindHandler>)[name] : undefined;
    if (!kind || !handler) {
      const problem = 'unknown job kind';
      hooks.onRejected?.(name, job.id, problem);
      // The name is producer-chosen: it stays out of the error text.
      throw new PermanentJobError(`job ${job.id}: ${problem}`);
    }
    const parsed = kind.parse(job.payload);
    if (!parsed.ok) {
      hooks.onRejected?.(name, job.id, parsed.problem);
      throw new PermanentJobError(`job ${job.id}: ${parsed.problem}`);
    }
    const combined = AbortSignal.any([signal, AbortSignal.timeout(kind.timeoutMs)]);
    await handler(
      { id: job.id, name, payload: parsed.payload as PayloadsOf<C>[string], attempt: job.attempt },
      combined,
      { interrupted: () => signal.aborted },
    );
  };
}
