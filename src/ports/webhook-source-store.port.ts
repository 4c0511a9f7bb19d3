/** A managed webhook source as stored: secrets only in sealed form (core/webhooks/secret-box.ts). */
export interface WebhookSourceRow {
  name: string;
  secretSealed: string | null;
  secretKeyId: string | null;
  /** The secret before the last rotation, valid until `previousValidUntil` or until retired. */
  previousSecretSealed: string | null;
  previousKeyId: string | null;
  previousValidUntil: Date | null;
  unsigned: boolean;
  enabled: boolean;
  requireTimestamp: boolean;
  /** Requests per minute; null = unlimited. */
  rateLimit: number | null;
  rotatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewWebhookSourceRow = Omit<WebhookSourceRow, 'createdAt' | 'updatedAt' | 'rotatedAt'>;

/** Fields a change may set; absent keys are left as they are. */
export type WebhookSourcePatch = Partial<Omit<WebhookSourceRow, 'name' | 'createdAt' | 'updatedAt'>>;

/** Storage of managed webhook sources (the `webhook_sources` table). */
export interface WebhookSourceStore {
  list(): Promise<WebhookSourceRow[]>;
  /** The rows among `names` (a source and its canonical name, for aliases). */
  find(names: readonly string[]): Promise<WebhookSourceRow[]>;
  /** Inserts; false when a source of that name exists already. */
  insert(row: NewWebhookSourceRow): Promise<boolean>;
  /** Applies `patch`; the updated row, or undefined when there is no such source. */
  update(name: string, patch: WebhookSourcePatch): Promise<WebhookSourceRow | undefined>;
  /** True when a row was deleted. */
  delete(name: string): Promise<boolean>;
}

/** What a replay slot claim found. */
export type ReplayClaim = 'claimed' | 'replay' | 'in_progress';

/**
 * The webhook replay guard: one slot per signed request. A slot is claimed before ingest (so two
 * identical concurrent requests cannot both pass), committed once the alert is durable (from then on
 * an identical request is a replay), and released when ingest failed (so the vendor's identical retry
 * after our 5xx is accepted). An uncommitted slot whose lease ran out (a crash mid-ingest) can be
 * claimed again. Shared by every process of a deployment and kept across restarts.
 */
export interface ReplayGuard {
  claim(key: string, leaseMs: number): Promise<ReplayClaim>;
  /** Marks the slot as used for `ttlMs` from now (the time its timestamp can still pass the window). */
  commit(key: string, ttlMs: number): Promise<void>;
  /** Frees an uncommitted slot. */
  release(key: string): Promise<void>;
}
