import { migrate, SqlIdentityStore, type SqlDatabase } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import { ApiKeysService } from '../core/identity/index.ts';
import { ROLES, type Role } from '../contracts/index.ts';
import type { ApiKeyRecord, EventBus, RateLimiter } from '../ports/index.ts';
import { SILENT_LOGGER } from '../ports/index.ts';
import { readLocalAdminKey } from '../runtime/local-admin.ts';
import { openCliDatabase } from './migrate.command.ts';

export interface ApiKeyCommandOptions {
  action: string | undefined;
  target?: string | undefined;
  name?: string | undefined;
  role?: string | undefined;
  expires?: string | undefined;
  scopes?: string | undefined;
  url?: string | undefined;
}

/** What the command does with keys, whether through the database or a running server's API. */
interface KeyBackend {
  create(input: { name: string; role: Role; expiresIn?: string; scopes?: string[] }): Promise<{
    key: string;
    record: ApiKeyRecord;
  }>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(ref: string): Promise<ApiKeyRecord>;
  close(): Promise<void>;
}

const EXPIRES = /^([1-9][0-9]{0,4})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `triage-warden api-key create|list|revoke`. Opens the database directly, except in embedded mode
 * while a running server holds the data folder: then it calls that server's API with the local
 * admin key it wrote to the data folder.
 */
export async function runApiKey(config: Config, o: ApiKeyCommandOptions): Promise<number> {
  if (o.action === 'create') {
    if (!o.name) return usage('--name is required');
    if (!o.role || !(ROLES as readonly string[]).includes(o.role))
      return usage(`--role must be one of ${ROLES.join(', ')}`);
    if (o.expires && !EXPIRES.test(o.expires))
      return usage('--expires takes a duration like 30d, 12h or 90m');
  } else if (o.action === 'revoke') {
    if (!o.target) return usage('revoke needs the key id or prefix');
  } else if (o.action !== 'list') {
    return usage(`unknown action ${o.action ?? '(none)'}`);
  }
  const backend = await open(config, o.url);
  try {
    if (o.action === 'create') {
      const scopes = o.scopes
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { key, record } = await backend.create({
        name: o.name!,
        role: o.role as Role,
        ...(o.expires ? { expiresIn: o.expires } : {}),
        ...(scopes?.length ? { scopes } : {}),
      });
      console.log(`API key ${record.prefix} (${record.name}, ${record.role}) created.`);
      console.log(`  ${key}`);
      console.log('Store it now: it is shown only this once.');
      if (record.expires_at) console.log(`Expires: ${new Date(record.expires_at).toISOString()}`);
    } else if (o.action === 'list') {
      const keys = await backend.list();
      console.log('prefix    role     status   expires                   last used                 name');
      for (const k of keys) {
        const status = k.revoked_at
          ? 'revoked'
          : k.expires_at && new Date(k.expires_at) <= new Date()
            ? 'expired'
            : 'active';
        console.log(
          `${k.prefix.padEnd(9)} ${k.role.padEnd(8)} ${status.padEnd(8)} ${iso(k.expires_at).padEnd(25)} ${iso(k.last_used_at).padEnd(25)} ${k.name}`,
        );
      }
    } else {
      const k = await backend.revoke(o.target!);
      console.log(`API key ${k.prefix} (${k.name}) revoked.`);
    }
    return 0;
  } catch (err) {
    console.error(`triage-warden api-key: ${(err as Error).message}`);
    return 1;
  } finally {
    await backend.close();
  }
}

function iso(d: Date | string | null): string {
  return d ? new Date(d).toISOString() : '-';
}

function usage(problem: string): number {
  console.error(`triage-warden api-key: ${problem}\nRun \`triage-warden api-key --help\`.`);
  return 2;
}

async function open(config: Config, url: string | undefined): Promise<KeyBackend> {
  if (url) return httpBackend(config, url);
  if (selectedModes(config).database === 'pglite' && !config.data_dir.startsWith('memory://')) {
    const { dataDirHolder } = await import('../adapters/pglite/pglite.database.ts');
    if (dataDirHolder(config.data_dir) !== null) {
      const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
      return httpBackend(config, `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`);
    }
  }
  const db = await openCliDatabase(config);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return directBackend(db);
}

/** Straight to the database. Other processes' caches drop a revoked key within their TTL (1 s). */
function directBackend(db: SqlDatabase): KeyBackend {
  const quietBus = { publish: async () => '0' } as unknown as EventBus;
  const keys = new ApiKeysService({
    store: new SqlIdentityStore(db),
    bus: quietBus,
    counters: {} as RateLimiter,
    log: SILENT_LOGGER,
    settings: {
      sessionIdleMs: 0,
      sessionMaxAgeMs: 0,
      loginMaxFailuresPerIp: 0,
      loginMaxFailuresPerUser: 0,
      loginWindowMs: 0,
    },
  });
  const ctx = { actor: 'cli:api-key', ip: null };
  return {
    async create(input) {
      const m = input.expiresIn ? EXPIRES.exec(input.expiresIn) : null;
      const expiresAt = m ? new Date(Date.now() + Number(m[1]) * UNIT_MS[m[2] as 'm' | 'h' | 'd']) : null;
      return keys.create(
        { name: input.name, role: input.role, scopes: input.scopes ?? null, expiresAt },
        { ...ctx, role: 'admin' },
      );
    },
    list: () => keys.list(),
    revoke: (ref) => keys.revoke(ref, ctx),
    close: () => db.close(),
  };
}

/** Through a running server's API, with TW_ADMIN_API_KEY or the local admin key of the data folder. */
function httpBackend(config: Config, base: string): KeyBackend {
  const key = config.auth.admin_api_key ?? readLocalAdminKey(config.data_dir);
  if (!key)
    throw new Error(
      `no admin credential: set TW_ADMIN_API_KEY (the running server at ${base} holds the data folder)`,
    );
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base.replace(/\/$/, '')}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).catch((err: unknown) => {
      throw new Error(`cannot reach the running server at ${base}: ${(err as Error).message}`);
    });
    const json = (await res.json().catch(() => ({}))) as { message?: string };
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${json.message ?? 'request failed'}`);
    return json as T;
  };
  return {
    async create(input) {
      const r = await call<{ key: string; api_key: ApiKeyRecord }>('POST', '/api-keys', {
        name: input.name,
        role: input.role,
        ...(input.expiresIn ? { expires_in: input.expiresIn } : {}),
        ...(input.scopes ? { scopes: input.scopes } : {}),
      });
      return { key: r.key, record: r.api_key };
    },
    list: async () => (await call<{ data: ApiKeyRecord[] }>('GET', '/api-keys')).data,
    revoke: (ref) => call<ApiKeyRecord>('DELETE', `/api-keys/${encodeURIComponent(ref)}`),
    close: async () => {},
  };
}
