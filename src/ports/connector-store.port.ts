import type { ActionType } from '../contracts/index.ts';

/** A stored connector (docs/CONNECTORS.md). `secretsSealed` is one envelope for every credential. */
export interface ConnectorRow {
  name: string;
  kind: string;
  enabled: boolean;
  actionTypes: ActionType[];
  config: Record<string, unknown>;
  /** Names of the credentials in the envelope (stored in clear so a listing needs no key). */
  secretNames: string[];
  secretsSealed: string | null;
  keyId: string | null;
  dryRun: boolean;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

/** What a create-or-replace writes. */
export type ConnectorWrite = Pick<
  ConnectorRow,
  | 'name'
  | 'kind'
  | 'enabled'
  | 'actionTypes'
  | 'config'
  | 'secretNames'
  | 'secretsSealed'
  | 'keyId'
  | 'dryRun'
>;

/** Audit facts of one write (never a secret value). */
export interface ConnectorWriteAudit {
  actor: string;
  /** Credential names whose value changed (a `connector.secrets_rotated` row when not empty). */
  secretsChanged: string[];
}

/** Connectors in the database; every change writes its audit row in the same transaction. */
export interface ConnectorStore {
  list(): Promise<ConnectorRow[]>;
  get(name: string): Promise<ConnectorRow | undefined>;
  /**
   * Creates (`expectedVersion` null) or replaces (only when the row still has `expectedVersion`).
   * `null` when another writer got there first (the caller re-reads and retries).
   */
  put(
    row: ConnectorWrite,
    expectedVersion: number | null,
    audit: ConnectorWriteAudit,
  ): Promise<{ row: ConnectorRow; created: boolean } | null>;
  delete(name: string, actor: string): Promise<boolean>;
}
