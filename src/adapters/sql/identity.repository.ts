import { sql, type Selectable } from 'kysely';
import { AppError, type ApprovalLevel, type Role } from '../../contracts/index.ts';
import type {
  ApiKeyRecord,
  AuthEventQuery,
  AuthEventRecord,
  IdentityStore,
  NewApiKey,
  NewAuthEvent,
  NewSession,
  NewUser,
  SessionLookup,
  UserChanges,
  UserRecord,
} from '../../ports/index.ts';
import type { SqlDatabase } from './database.ts';
import type { ApiKeysTable, UsersTable } from './schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USER_COLUMNS = [
  'id',
  'username',
  'email',
  'display_name',
  'role',
  'approval_level',
  'disabled',
  'sso_issuer',
  'sso_subject',
  'last_login_at',
  'created_at',
  'updated_at',
] as const;

function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}
function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}

type UserRow = Omit<Selectable<UsersTable>, 'password_hash'> & { has_password?: boolean | null };
function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    display_name: r.display_name,
    role: r.role as Role,
    approval_level: r.approval_level as ApprovalLevel,
    disabled: r.disabled,
    has_password: Boolean(r.has_password),
    sso_issuer: r.sso_issuer,
    sso_subject: r.sso_subject,
    last_login_at: dateOrNull(r.last_login_at),
    created_at: date(r.created_at),
    updated_at: date(r.updated_at),
  };
}

function toKey(r: Omit<Selectable<ApiKeysTable>, 'key_hash'>): ApiKeyRecord {
  return {
    id: r.id,
    prefix: r.prefix,
    name: r.name,
    role: r.role as Role,
    scopes: r.scopes,
    created_by: r.created_by,
    expires_at: dateOrNull(r.expires_at),
    last_used_at: dateOrNull(r.last_used_at),
    revoked_at: dateOrNull(r.revoked_at),
    created_at: date(r.created_at),
  };
}

/** A unique violation becomes CONFLICT (a username or SSO link taken by a concurrent request). */
async function unique<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505')
      throw new AppError('CONFLICT', `${what} already exists`);
    throw err;
  }
}

const KEY_COLUMNS = [
  'id',
  'prefix',
  'name',
  'role',
  'scopes',
  'created_by',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'created_at',
] as const;

/** {@link IdentityStore} on PostgreSQL / PGlite (migration 0003_identity). */
export class SqlIdentityStore implements IdentityStore {
  constructor(private readonly db: SqlDatabase) {}

  private users() {
    return this.db.primary
      .selectFrom('users')
      .select(USER_COLUMNS)
      .select(sql<boolean>`password_hash IS NOT NULL`.as('has_password'));
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    await unique('a user with this username or SSO identity', () =>
      this.db.primary
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          email: user.email ?? null,
          display_name: user.display_name ?? null,
          role: user.role,
          approval_level: user.approval_level,
          password_hash: user.password_hash,
          disabled: user.disabled ?? false,
          sso_issuer: user.sso_issuer ?? null,
          sso_subject: user.sso_subject ?? null,
        })
        .execute(),
    );
    return (await this.getUser(user.id))!;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const r = await this.users().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.users()
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async findUserBySso(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const r = await this.users()
      .where('sso_issuer', '=', issuer)
      .where('sso_subject', '=', subject)
      .executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async passwordHashOf(userId: string): Promise<string | null> {
    const r = await this.db.primary
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirst();
    return r?.password_hash ?? null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.users().orderBy('created_at').orderBy('id').execute()).map(toUser);
  }

  async countUsers(): Promise<number> {
    const r = await this.db.primary
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async updateUser(id: string, changes: UserChanges): Promise<UserRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const r = await this.db.primary
      .updateTable('users')
      .set({ ...changes, updated_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n ? this.getUser(id) : undefined;
  }

  async deleteUser(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const r = await this.db.primary.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async touchLogin(id: string): Promise<void> {
    await this.db.primary
      .updateTable('users')
      .set({ last_login_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .execute();
  }

  async createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    await unique('an API key with this prefix', () =>
      this.db.primary
        .insertInto('api_keys')
        .values({ ...key, scopes: key.scopes })
        .execute(),
    );
    return (await this.getApiKey(key.id))!;
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.db.primary
      .selectFrom('api_keys')
      .select(KEY_COLUMNS)
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    return r ? toKey(r) : undefined;
  }

  async getApiKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    const q = this.db.primary.selectFrom('api_keys').select(KEY_COLUMNS);
    const r = await (
      UUID.test(idOrPrefix) ? q.where('id', '=', idOrPrefix) : q.where('prefix', '=', idOrPrefix)
    ).executeTakeFirst();
    return r ? toKey(r) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.primary
      .selectFrom('api_keys')
      .select(KEY_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toKey);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    await this.db.primary
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return this.getApiKey(id);
  }

  async touchApiKey(id: string, minIntervalMs: number): Promise<void> {
    await sql`UPDATE api_keys SET last_used_at = now()
      WHERE id = ${id} AND (last_used_at IS NULL
        OR last_used_at < now() - make_interval(secs => ${minIntervalMs / 1000}::double precision))`.execute(
      this.db.primary,
    );
  }

  async createSession(s: NewSession): Promise<void> {
    await this.db.primary.insertInto('sessions').values(s).execute();
  }

  async findSessionByHash(hash: string): Promise<SessionLookup | undefined> {
    const r = await this.db.primary
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(USER_COLUMNS.map((c) => `u.${c}` as const))
      .select(sql<boolean>`u.password_hash IS NOT NULL`.as('has_password'))
      .select(['s.id as session_id', 's.last_seen_at', 's.expires_at'])
      .where('s.token_hash', '=', hash)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      session_id: r.session_id,
      user: toUser(r),
      last_seen_at: date(r.last_seen_at),
      expires_at: date(r.expires_at),
    };
  }

  async touchSession(id: string, minIntervalMs: number): Promise<void> {
    await sql`UPDATE sessions SET last_seen_at = now()
      WHERE id = ${id}
        AND last_seen_at < now() - make_interval(secs => ${minIntervalMs / 1000}::double precision)`.execute(
      this.db.primary,
    );
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.primary.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: string): Promise<number> {
    const r = await this.db.primary.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    // Expired sessions of anyone go at the same time: no separate sweeper job is needed.
    await this.db.primary.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
    return Number(r.numDeletedRows);
  }

  async recordAuthEvent(e: NewAuthEvent): Promise<void> {
    await this.db.primary
      .insertInto('auth_events')
      .values({
        type: e.type,
        actor: e.actor.slice(0, 300),
        subject: e.subject?.slice(0, 300) ?? null,
        ip: e.ip ?? null,
        details: JSON.stringify(e.details ?? {}),
      })
      .execute();
  }

  async listAuthEvents(q: AuthEventQuery): Promise<AuthEventRecord[]> {
    let query = this.db.primary.selectFrom('auth_events').selectAll();
    if (q.type) query = query.where('type', '=', q.type);
    if (q.actor) query = query.where('actor', '=', q.actor);
    if (q.since) query = query.where('created_at', '>=', q.since);
    if (q.until) query = query.where('created_at', '<', q.until);
    if (q.before) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      id: String(r.id),
      type: r.type,
      actor: r.actor,
      subject: r.subject,
      ip: r.ip,
      details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
      created_at: date(r.created_at),
    }));
  }
}
