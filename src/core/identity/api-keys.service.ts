import { randomUUID } from 'node:crypto';
import { AppError, type Role } from '../../contracts/index.ts';
import type { ApiKeyRecord } from '../../ports/index.ts';
import { announce, type AuthContext, type IdentityDeps } from './identity.deps.ts';
import { generateApiKey } from './secrets.ts';
import { ROLE_RANK } from './users.service.ts';

/** last_used_at is written at most this often per key. */
export const KEY_TOUCH_INTERVAL_MS = 60_000;

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  /** Permission names (already checked against the permission list by the caller); null = role's. */
  scopes?: string[] | null;
  expiresAt?: Date | null;
}

/** API keys: only the SHA-256 of a key is stored; the key itself is shown once, at creation. */
export class ApiKeysService {
  constructor(private readonly deps: IdentityDeps) {}

  /** Creates a key; its role may not exceed the creator's. Returns the key (show it once) and its record. */
  async create(
    input: CreateApiKeyInput,
    creator: AuthContext & { role: Role },
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    if (ROLE_RANK[input.role] > ROLE_RANK[creator.role])
      throw new AppError('FORBIDDEN', 'a key cannot have a higher role than its creator');
    const now = this.deps.now?.() ?? new Date();
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
      throw new AppError('VALIDATION_ERROR', 'expires_at must be in the future');
    const generated = generateApiKey();
    const record = await this.deps.store.createApiKey({
      id: randomUUID(),
      prefix: generated.prefix,
      key_hash: generated.hash,
      name: input.name,
      role: input.role,
      scopes: input.scopes ?? null,
      created_by: creator.actor,
      expires_at: input.expiresAt ?? null,
    });
    await this.deps.store.recordAuthEvent({
      type: 'api_key_created',
      actor: creator.actor,
      subject: `api_key:${record.prefix}`,
      ip: creator.ip,
      details: { key_id: record.id, name: record.name, role: record.role },
    });
    return { key: generated.key, record };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.deps.store.listApiKeys();
  }

  async get(idOrPrefix: string): Promise<ApiKeyRecord> {
    const key = await this.deps.store.getApiKey(idOrPrefix);
    if (!key) throw new AppError('NOT_FOUND', 'API key not found');
    return key;
  }

  /** Revokes a key (by id or prefix); every API process refuses it at once (bus) or within its cache TTL. */
  async revoke(idOrPrefix: string, ctx: AuthContext): Promise<ApiKeyRecord> {
    const key = await this.get(idOrPrefix);
    const revoked = (await this.deps.store.revokeApiKey(key.id)) ?? key;
    if (!key.revoked_at) {
      await this.deps.store.recordAuthEvent({
        type: 'api_key_revoked',
        actor: ctx.actor,
        subject: `api_key:${key.prefix}`,
        ip: ctx.ip,
        details: { key_id: key.id, name: key.name },
      });
    }
    await announce(this.deps, 'api_key', key.id);
    return revoked;
  }

  /** The key of a hash when it is usable now (not revoked, not expired). */
  async resolve(hash: string): Promise<ApiKeyRecord | undefined> {
    const key = await this.deps.store.findApiKeyByHash(hash);
    if (!key || key.revoked_at) return undefined;
    const now = this.deps.now?.() ?? new Date();
    if (key.expires_at && key.expires_at.getTime() <= now.getTime()) return undefined;
    return key;
  }

  /** Records use, at most once a minute per key, without making the caller wait (every request: no Date made). */
  touch(key: ApiKeyRecord): void {
    const now = this.deps.now ? this.deps.now().getTime() : Date.now();
    if (key.last_used_at && now - key.last_used_at.getTime() < KEY_TOUCH_INTERVAL_MS) return;
    key.last_used_at = new Date(now);
    this.deps.store
      .touchApiKey(key.id, KEY_TOUCH_INTERVAL_MS)
      .catch((err: unknown) => this.deps.log.warn({ err: String(err) }, 'API key last_used_at not written'));
  }
}
