import type { RetryPolicy } from '../../ports/index.ts';

/**
 * The job catalog: every queued job's name, payload, timeout and retry policy in one place.
 * The worker's handler map is typed by it, so a job without a handler fails to compile.
 */
export interface JobPayloads {
  triage: { incident_id: string };
}

export type JobName = keyof JobPayloads;

export interface JobSpec {
  /** A run taking longer is aborted (its signal fires) and retried. */
  timeoutMs: number;
  retry: RetryPolicy;
}

export const JOB_CATALOG: Readonly<Record<JobName, JobSpec>> = Object.freeze({
  triage: { timeoutMs: 120_000, retry: { attempts: 5, backoffMs: 1000 } },
});

/** Validates a payload read back from a queue (it crossed a process boundary). */
export function isTriagePayload(p: unknown): p is JobPayloads['triage'] {
  return (
    typeof p === 'object' && p !== null && typeof (p as { incident_id?: unknown }).incident_id === 'string'
  );
}
