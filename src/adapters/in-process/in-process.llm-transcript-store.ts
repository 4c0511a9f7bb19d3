import { randomUUID } from 'node:crypto';
import type {
  LlmTranscriptProgress,
  LlmTranscriptRecord,
  LlmTranscriptStore,
  NewLlmTranscript,
  RawAlert,
  RelatedIncident,
} from '../../ports/index.ts';

/** Construction options of {@link InProcessLlmTranscriptStore}. */
export interface InProcessLlmTranscriptStoreOptions {
  /** The raw alerts of an incident, newest first (the get_raw_alert tool). Default: none. */
  alerts?: (incidentId: string) => RawAlert[];
  /** Incidents sharing indicators (the list_related_incidents tool). Default: none. */
  related?: (incidentId: string) => RelatedIncident[];
}

/**
 * Transcripts in this process's memory, for runs whose incidents are not in a database (an offline
 * evaluation over fixtures). Same save-once semantics as the SQL store; audit entries are kept in
 * `audit` since there is no incident timeline to write them to.
 */
export class InProcessLlmTranscriptStore implements LlmTranscriptStore {
  readonly #rows = new Map<string, LlmTranscriptRecord>();
  readonly #options: InProcessLlmTranscriptStoreOptions;
  /** The audit entries the SQL store would have written, in order. */
  readonly audit: Array<{
    incident_id: string;
    actor: string;
    action: string;
    details: Record<string, unknown>;
  }> = [];

  constructor(options: InProcessLlmTranscriptStoreOptions = {}) {
    this.#options = options;
  }

  async find(incidentId: string, stepKey: string, attemptKey: string): Promise<LlmTranscriptRecord | null> {
    return structuredClone(this.#rows.get(key(incidentId, stepKey, attemptKey)) ?? null);
  }

  async checkpoint(p: LlmTranscriptProgress): Promise<boolean> {
    const k = key(p.incident_id, p.step_key, p.attempt_key);
    const existing = this.#rows.get(k);
    if (existing && existing.outcome !== 'in_progress') return false;
    this.#rows.set(k, {
      ...structuredClone(p),
      id: existing?.id ?? randomUUID(),
      outcome: 'in_progress',
      decided_by: null,
      fallback_reason: null,
      verdict: null,
      cost_usd: null,
      created_at: existing?.created_at ?? new Date().toISOString(),
    });
    return true;
  }

  async save(t: NewLlmTranscript, actor: string): Promise<{ record: LlmTranscriptRecord; created: boolean }> {
    const k = key(t.incident_id, t.step_key, t.attempt_key);
    const existing = this.#rows.get(k);
    if (existing && existing.outcome !== 'in_progress')
      return { record: structuredClone(existing), created: false };
    const record: LlmTranscriptRecord = {
      ...structuredClone(t),
      id: existing?.id ?? randomUUID(),
      created_at: existing?.created_at ?? new Date().toISOString(),
    };
    this.#rows.set(k, record);
    this.audit.push({
      incident_id: t.incident_id,
      actor,
      action: 'llm.analysis',
      details: { transcript_id: record.id, decided_by: t.decided_by, fallback_reason: t.fallback_reason },
    });
    if (t.injection.length)
      this.audit.push({
        incident_id: t.incident_id,
        actor,
        action: 'llm.prompt_injection_detected',
        details: { transcript_id: record.id, rules: [...new Set(t.injection.map((f) => f.rule))] },
      });
    return { record: structuredClone(record), created: true };
  }

  async list(incidentId: string): Promise<LlmTranscriptRecord[]> {
    return [...this.#rows.values()]
      .filter((r) => r.incident_id === incidentId)
      .map((r) => structuredClone(r));
  }

  async relatedIncidents(incidentId: string, limit: number): Promise<RelatedIncident[]> {
    return (this.#options.related?.(incidentId) ?? []).slice(0, limit);
  }

  async alerts(incidentId: string, limit: number): Promise<RawAlert[]> {
    return (this.#options.alerts?.(incidentId) ?? []).slice(0, limit);
  }
}

const key = (incidentId: string, step: string, attempt: string): string =>
  JSON.stringify([incidentId, step, attempt]);
