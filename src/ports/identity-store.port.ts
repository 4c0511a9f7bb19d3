import type { ApprovalLevel, Role } from '../contracts/index.ts';

/** A user as stored (never with its password hash: see {@link IdentityStore.passwordHashOf}). */
export interface UserRecord {
  id: string;
  username: string;
  email: string | null;
  display_name: string | null;
  role: Role;
  approval_level: ApprovalLevel;
  disabled: boolean;
  /** True when the user can log in with a password. */
  has_password: boolean;
  sso_issuer: string | null;
  sso_subject: string | null;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewUser {
  id: string;
  username: string;
  email?: string | null;
  display_name?: string | null;
  role: Role;
  approval_level: ApprovalLevel;
  password_hash: string | null;
  disabled?: boolean;
  sso_issuer?: string | null;
  sso_subject?: string | null;
}

export interface UserChanges {
  role?: Role;
  approval_level?: ApprovalLevel;
  disabled?: boolean;
  password_hash?: string | null;
  email?: string | null;
  display_name?: string | null;
}

/** An API key as stored: only the SHA-256 of the key, never the key. */
export interface ApiKeyRecord {
  id: string;
  prefix: string;
  name: string;
  role: Role;
  /** Permission names the key is limited to (null = everything its role allows). */
  scopes: string[] | null;
  created_by: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

export interface NewApiKey {
  id: string;
  prefix: string;
  key_hash: string;
  name: string;
  role: Role;
  scopes: string[] | null;
  created_by: string;
  expires_at: Date | null;
}

/** A live session joined with its user, as the access check needs it. */
export interface SessionLookup {
  session_id: string;
  user: UserRecord;
  last_seen_at: Date;
  expires_at: Date;
}

export interface NewSession {
  id: string;
  token_hash: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  expires_at: Date;
}

export interface AuthEventRecord {
  id: string;
  type: string;
  actor: string;
  subject: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

export interface NewAuthEvent {
  type: string;
  actor: string;
  subject?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuthEventQuery {
  type?: string;
  actor?: string;
  since?: Date;
  until?: Date;
  /** Events with an id below this one (the `next_cursor` of the previous page). */
  before?: string;
  limit: number;
}

/**
 * Users, API keys, sessions and authentication events, in the shared database (never one
 * replica's memory). Secrets are stored as hashes only; lookups are by hash.
 */
export interface IdentityStore {
  createUser(user: NewUser): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  findUserBySso(issuer: string, subject: string): Promise<UserRecord | undefined>;
  passwordHashOf(userId: string): Promise<string | null>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
  updateUser(id: string, changes: UserChanges): Promise<UserRecord | undefined>;
  deleteUser(id: string): Promise<boolean>;
  touchLogin(id: string): Promise<void>;

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Sets revoked_at unless already revoked; returns the key (undefined when unknown). */
  revokeApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Writes last_used_at unless it was written less than `minIntervalMs` ago. */
  touchApiKey(id: string, minIntervalMs: number): Promise<void>;

  createSession(session: NewSession): Promise<void>;
  findSessionByHash(hash: string): Promise<SessionLookup | undefined>;
  touchSession(id: string, minIntervalMs: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Deletes every session of the user; returns how many. */
  deleteUserSessions(userId: string): Promise<number>;

  recordAuthEvent(event: NewAuthEvent): Promise<void>;
  listAuthEvents(query: AuthEventQuery): Promise<AuthEventRecord[]>;
}
