import type { IncidentRecord } from './incident-store.port.ts';

/** A stored playbook: its YAML as written, and what the store keeps beside it. */
export interface PlaybookRow {
  name: string;
  /** 1 when created; +1 on every change of its document (enable/disable included). */
  version: number;
  /** The switch (enable/disable through the API); the document's `enabled` only sets it on create/replace. */
  enabled: boolean;
  /** Copied from the document, for ordering without compiling. */
  priority: number;
  /** The YAML document. */
  source: string;
  /** `builtin`, `file:<path>` or `api`: where the playbook was first defined. */
  origin: string;
  /** sha256 of the file as last loaded (builtin and file playbooks); null for API-created ones. */
  fileHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/** One earlier (or the current) document of a playbook. */
export interface PlaybookVersionRow {
  name: string;
  version: number;
  source: string;
  /** created, replaced, enabled, disabled, loaded (from a file at start). */
  change: string;
  at: Date;
  by: string;
}

export type NewPlaybookRow = Pick<PlaybookRow, 'name' | 'enabled' | 'priority' | 'source' | 'origin'>;

/** What a folder load did with one file. */
export type PlaybookSyncResult =
  /** No playbook of that name: created from the file. */
  | 'inserted'
  /** The file changed since it was last loaded: its document replaced the stored one. */
  | 'updated'
  /** The file is as last loaded: the stored playbook (maybe edited through the API) is kept. */
  | 'unchanged'
  /** A playbook of that name was created through the API: it wins, the file is ignored. */
  | 'shadowed';

/**
 * Storage of playbooks (the `playbooks` table and its history). Every change writes its audit_log
 * row and its history row in the same transaction, so a 2xx means all three are durable.
 */
export interface PlaybookStore {
  list(): Promise<PlaybookRow[]>;
  get(name: string): Promise<PlaybookRow | undefined>;
  /** Inserts version 1; undefined when a playbook of that name exists already. */
  insert(row: NewPlaybookRow, actor: string): Promise<PlaybookRow | undefined>;
  /**
   * Replaces the document (version + 1); `enabled` is left as it is when undefined. With
   * `expectedVersion`, nothing changes unless the stored version is that one (`conflict`).
   */
  replace(
    name: string,
    change: { source: string; priority: number; enabled?: boolean; expectedVersion?: number },
    actor: string,
  ): Promise<PlaybookRow | 'conflict' | undefined>;
  /** Sets the switch (version + 1 when it changes); undefined when there is no such playbook. */
  setEnabled(name: string, enabled: boolean, actor: string): Promise<PlaybookRow | undefined>;
  /** True when a playbook was deleted (with its history; the audit log keeps the deletion). */
  delete(name: string, actor: string): Promise<boolean>;
  /**
   * Loads a builtin or folder playbook at start, safe when several processes do it at once (one
   * upsert): see PlaybookSyncResult. The switch of an existing playbook is never changed.
   */
  syncFile(
    file: NewPlaybookRow & { fileHash: string },
    actor: string,
  ): Promise<{ result: PlaybookSyncResult; version: number }>;
  /** Newest first, at most `limit`. */
  versions(name: string, limit: number): Promise<PlaybookVersionRow[]>;
}

export type SlaKind = 'time_to_triage' | 'time_to_respond';

/** An incident the SLA check looks at: the record, and its first alert's payload when asked for. */
export interface SlaCandidate {
  incident: IncidentRecord;
  alert?: unknown;
}

/** What the leader's SLA check reads and records. */
export interface SlaStore {
  /**
   * Incidents created before `createdBefore` that still owe `kind` (time_to_triage: not triaged,
   * i.e. new/enriching/analyzing; time_to_respond: not closed) and have no breach of that kind
   * recorded, oldest first, after the keyset cursor `after`; `next` is null on the last page.
   */
  slaCandidates(
    kind: SlaKind,
    createdBefore: Date,
    limit: number,
    after: string | null,
    withAlert: boolean,
  ): Promise<{ items: SlaCandidate[]; next: string | null }>;
  /** Records a breach; false when one of that incident and kind is recorded already. */
  recordBreach(breach: {
    incidentId: string;
    kind: SlaKind;
    playbook: string;
    dueAt: Date;
  }): Promise<boolean>;
}
