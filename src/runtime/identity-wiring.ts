import { randomBytes } from 'node:crypto';
import { SqlIdentityStore, type SqlDatabase } from '../adapters/sql/index.ts';
import { IdentityAccessPolicy } from '../api/plugins/identity-access.ts';
import { selectedModes, type Config } from '../config/index.ts';
import { IdentityService, sha256Hex } from '../core/identity/index.ts';
import type { Logger } from '../ports/index.ts';
import { readLocalAdminKey, writeLocalAdminKey } from './local-admin.ts';
import type { Transports } from './transports.ts';

/** What the first start produced for the operator (printed once by `start`). */
export interface FirstStart {
  username: string;
  /** The generated one-time password (absent when it came from auth.admin_password). */
  password?: string;
  /** Where the local admin API key was written (embedded mode). */
  keyFile?: string;
}

export interface IdentityWiring {
  identity: IdentityService;
  access: IdentityAccessPolicy;
  /** Creates the first admin (and, embedded, the local admin key file); returns what to print. */
  bootstrap(): Promise<FirstStart | undefined>;
  /** Subscribes the credential cache to the bus (a failure leaves the TTL as the only bound). */
  watch(): Promise<() => void>;
}

/** Identity services and the access policy of the runtime (issue #9). */
export function createIdentity(
  config: Config,
  database: SqlDatabase,
  t: Transports,
  log: Logger,
): IdentityWiring {
  const store = new SqlIdentityStore(database);
  // The policy's cache is cleared by the service it wraps: built after it, reached through this.
  const ref: { access?: IdentityAccessPolicy } = {};
  const identity = new IdentityService({
    store,
    bus: t.bus,
    counters: t.counters,
    log: log.child({ component: 'identity' }),
    settings: {
      sessionIdleMs: config.auth.session_idle_timeout,
      sessionMaxAgeMs: config.auth.session_max_age,
      loginMaxFailuresPerUser: config.auth.login_max_failures_per_user,
      loginMaxFailuresPerIp: config.auth.login_max_failures_per_ip,
      loginWindowMs: config.auth.login_window,
    },
    onCredentialsChanged: () => ref.access?.clear(),
  });
  const policy = new IdentityAccessPolicy({
    identity,
    ...(config.auth.admin_api_key ? { adminApiKey: config.auth.admin_api_key } : {}),
    cacheTtlMs: config.auth.credential_cache_ttl,
    cacheEntries: config.auth.credential_cache_entries,
  });
  ref.access = policy;
  return {
    identity,
    access: policy,
    watch: () => policy.watch(t.bus),
    bootstrap: () => bootstrap(config, identity, store, log),
  };
}

async function bootstrap(
  config: Config,
  identity: IdentityService,
  store: SqlIdentityStore,
  log: Logger,
): Promise<FirstStart | undefined> {
  // A throwaway in-memory database (tests) gets no generated admin: nobody could read its password.
  const embedded = selectedModes(config).database === 'pglite' && !config.data_dir.startsWith('memory://');
  const system = { actor: 'system:first-start', ip: null };
  const username = config.auth.admin_username;
  let first: FirstStart | undefined;
  if ((await store.countUsers()) === 0) {
    const given = config.auth.admin_password;
    if (given || embedded) {
      const password = given ?? randomBytes(18).toString('base64url');
      try {
        await identity.users.create({ username, password, role: 'admin', approval_level: 'manager' }, system);
        first = { username, ...(given ? {} : { password }) };
        log.info({ username }, 'first start: admin user created');
      } catch (err) {
        // Another replica created it first.
        if ((err as { code?: string }).code !== 'CONFLICT') throw err;
      }
    } else if (!config.auth.admin_api_key) {
      log.warn(
        {},
        'no user and no admin credential: no admin is created. Set TW_ADMIN_PASSWORD (admin user) or TW_ADMIN_API_KEY (admin API key)',
      );
    }
  }
  // Embedded: a local admin API key in the data dir for `demo` and the CLI (kept while it works).
  if (embedded) {
    const existing = readLocalAdminKey(config.data_dir);
    const usable = existing ? await identity.keys.resolve(sha256Hex(existing)) : undefined;
    if (!usable) {
      const { key } = await identity.keys.create(
        { name: 'local-admin', role: 'admin' },
        { ...system, role: 'admin' },
      );
      writeLocalAdminKey(config.data_dir, key);
      if (first) first.keyFile = `${config.data_dir}/admin-api-key`;
    }
  }
  return first;
}
