import type { AuditEntryView } from '../contracts/index.ts';

/** Filters of `GET /api/v1/audit` and its export (all optional, combined with AND). */
export interface AuditFilter {
  actor?: string;
  incident_id?: string;
  /** An exact action (`policy.created`) or a prefix written `policy.*`. */
  action?: string;
  /** created_at ≥ from. */
  from?: Date;
  /** created_at < to. */
  to?: Date;
}

/**
 * Reading the audit log (docs/AUDIT.md "Audit API"), newest first (by `seq`). `page` answers with an
 * offset and a total; `beforeSeq` resumes below a row (keyset, for deep paging and the export).
 */
export interface AuditQueryStore {
  page(
    filter: AuditFilter,
    at: { offset: number; beforeSeq?: string },
    limit: number,
  ): Promise<{ rows: AuditEntryView[]; total: number }>;
  /** Every matching row in batches, newest first; rows appended after the first batch are left out. */
  scan(filter: AuditFilter, batch: number): AsyncGenerator<AuditEntryView[]>;
}
