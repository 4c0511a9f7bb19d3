import {
  AppError,
  type ActionType,
  type ConnectorKindView,
  type ConnectorView,
} from '../../contracts/index.ts';
import type { ConnectorKind, OutboundHttp } from '../../ports/action-connector.port.ts';
import type { ConnectorRow, ConnectorStore, EventBus, Logger } from '../../ports/index.ts';
import type { ConnectorSecrets } from './connector-secrets.ts';

export const CONNECTOR_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** `PUT /api/v1/connectors/:name` body. */
export interface ConnectorPut {
  kind: string;
  enabled?: boolean;
  action_types?: ActionType[];
  config?: Record<string, unknown>;
  /** Given names are set (null removes one); names not given keep their stored value. */
  secrets?: Record<string, string | null>;
  dry_run?: boolean;
}

/** A connector as the directory builds it: settings with defaults, credentials opened. */
export interface LoadedConnector {
  name: string;
  kind: string;
  enabled: boolean;
  actionTypes: ActionType[];
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  dryRun: boolean;
  version: number;
}

export interface ConnectorServiceDeps {
  store: ConnectorStore;
  bus: EventBus;
  log: Logger;
  kinds: readonly ConnectorKind[];
  secrets: ConnectorSecrets;
  /** Checks URL settings when configuring (SSRF policy) and carries `test` calls. */
  http: OutboundHttp;
  now?: () => Date;
  /** Longest `test` call (default 15 s). */
  testTimeoutMs?: number;
}

/** A setting holds a URL when its name is `url` or ends in `_url`: those are checked against SSRF. */
const isUrlSetting = (name: string) => name === 'url' || name.endsWith('_url');

export function kindView(k: ConnectorKind): ConnectorKindView {
  return {
    kind: k.kind,
    title: k.title,
    action_types: [...k.actionTypes],
    settings: k.settings.map((s) => ({ ...s })),
    secrets: k.secrets.map((s) => ({ ...s })),
  };
}

function view(r: ConnectorRow): ConnectorView {
  return {
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    action_types: [...r.actionTypes],
    config: r.config,
    secrets_set: [...r.secretNames].sort(),
    dry_run: r.dryRun,
    version: r.version,
    updated_at: r.updatedAt.toISOString(),
    updated_by: r.updatedBy,
  };
}

/** Settings with the kind's defaults filled in (what `create` receives). */
export function withDefaults(kind: ConnectorKind, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of kind.settings) if (s.default !== undefined) out[s.name] = s.default;
  return { ...out, ...config };
}

/**
 * Configured action connectors (docs/CONNECTORS.md): create or replace, delete, test, and the opened
 * connectors for the directory. Credentials are sealed before they reach the store and never leave
 * it again through the API (`secrets_set` names only). Every change is audited by the store in its
 * transaction and announced as the internal `connectors_changed` event.
 */
export class ConnectorService {
  constructor(private readonly deps: ConnectorServiceDeps) {}

  kinds(): ConnectorKindView[] {
    return this.deps.kinds.map(kindView);
  }

  async list(): Promise<ConnectorView[]> {
    return (await this.deps.store.list()).map(view);
  }

  async get(name: string): Promise<ConnectorView> {
    return view(await this.row(name));
  }

  async put(
    name: string,
    body: ConnectorPut,
    actor: string,
  ): Promise<{ connector: ConnectorView; created: boolean }> {
    if (!CONNECTOR_NAME.test(name))
      throw new AppError('VALIDATION_ERROR', 'name must match [a-z0-9][a-z0-9_-]* (at most 64)', {
        field: 'name',
      });
    const kind = this.kind(body.kind);
    const config = body.config ?? {};
    this.checkShape(kind, body, config);
    // Before any DNS lookup: without a key, credentials cannot be stored whatever the settings.
    if (Object.values(body.secrets ?? {}).some((v) => v !== null)) this.deps.secrets.requireKey();
    await this.checkUrls(config, body.secrets ?? {});
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.deps.store.get(name);
      const { secrets, changed } = this.mergeSecrets(kind, existing, body.secrets ?? {});
      const problems = kind.validate(withDefaults(kind, config), secrets);
      if (problems.length > 0)
        throw new AppError('VALIDATION_ERROR', `the ${kind.kind} settings are not valid`, { problems });
      const names = Object.keys(secrets).sort();
      const sealed = names.length > 0 ? this.deps.secrets.seal(name, secrets) : null;
      const written = await this.deps.store.put(
        {
          name,
          kind: kind.kind,
          enabled: body.enabled ?? true,
          actionTypes: body.action_types ? [...new Set(body.action_types)] : [...kind.actionTypes],
          config,
          secretNames: names,
          secretsSealed: sealed?.sealed ?? null,
          keyId: sealed?.keyId ?? null,
          dryRun: body.dry_run ?? false,
        },
        existing?.version ?? null,
        { actor, secretsChanged: changed },
      );
      if (!written) continue;
      this.deps.log.info(
        { connector: name, kind: kind.kind, by: actor, created: written.created },
        'connector configured',
      );
      await this.announce(name);
      return { connector: view(written.row), created: written.created };
    }
    throw new AppError('CONFLICT', 'the connector is being changed by someone else; try again');
  }

  async delete(name: string, actor: string): Promise<void> {
    if (!(await this.deps.store.delete(name, actor)))
      throw new AppError('NOT_FOUND', 'no connector with that name');
    this.deps.log.info({ connector: name, by: actor }, 'connector deleted');
    await this.announce(name);
  }

  /** The connector's own harmless check. A vendor failure is `ok: false`, never an exception. */
  async test(name: string): Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }> {
    const row = await this.row(name);
    const kind = this.deps.kinds.find((k) => k.kind === row.kind);
    if (!kind) return { ok: false, message: `unknown connector kind ${row.kind}` };
    let loaded: LoadedConnector;
    try {
      loaded = this.open(kind, row);
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
    const signal = AbortSignal.timeout(this.deps.testTimeoutMs ?? 15_000);
    try {
      const connector = kind.create(
        { name, config: loaded.config, secrets: loaded.secrets, actionTypes: loaded.actionTypes },
        { http: this.deps.http, now: this.deps.now ?? (() => new Date()) },
      );
      return await connector.test(signal);
    } catch (err) {
      this.deps.log.warn({ connector: name, err: (err as Error).name }, 'connector test threw');
      return { ok: false, message: 'the connector test failed unexpectedly' };
    }
  }

  /**
   * Every stored connector with its credentials opened, for the directory. One that cannot be opened
   * (key missing, envelope altered) is left out with a warning and its reason.
   */
  async loadConnectors(): Promise<{ loaded: LoadedConnector[]; broken: Record<string, string> }> {
    const loaded: LoadedConnector[] = [];
    const broken: Record<string, string> = {};
    for (const row of await this.deps.store.list()) {
      const kind = this.deps.kinds.find((k) => k.kind === row.kind);
      if (!kind) {
        broken[row.name] = `unknown connector kind ${row.kind}`;
        continue;
      }
      try {
        loaded.push(this.open(kind, row));
      } catch (err) {
        broken[row.name] = (err as Error).message;
      }
    }
    return { loaded, broken };
  }

  private open(kind: ConnectorKind, row: ConnectorRow): LoadedConnector {
    const secrets =
      row.secretsSealed && row.keyId ? this.deps.secrets.open(row.name, row.secretsSealed, row.keyId) : {};
    return {
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      actionTypes: row.actionTypes,
      config: withDefaults(kind, row.config),
      secrets,
      dryRun: row.dryRun,
      version: row.version,
    };
  }

  private async row(name: string): Promise<ConnectorRow> {
    const row = CONNECTOR_NAME.test(name) ? await this.deps.store.get(name) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'no connector with that name');
    return row;
  }

  private kind(name: string): ConnectorKind {
    const kind = this.deps.kinds.find((k) => k.kind === name);
    if (!kind)
      throw new AppError(
        'VALIDATION_ERROR',
        'unknown connector kind (GET /api/v1/connectors/kinds lists them)',
        {
          field: 'kind',
        },
      );
    return kind;
  }

  private checkShape(kind: ConnectorKind, body: ConnectorPut, config: Record<string, unknown>): void {
    const problems: { field: string; message: string }[] = [];
    for (const t of body.action_types ?? [])
      if (!kind.actionTypes.includes(t))
        problems.push({ field: 'action_types', message: `${kind.kind} does not run ${t}` });
    if (body.action_types && body.action_types.length === 0)
      problems.push({ field: 'action_types', message: 'at least one action type' });
    const settings = new Set(kind.settings.map((s) => s.name));
    for (const k of Object.keys(config))
      if (!settings.has(k)) problems.push({ field: `config.${k}`, message: `not a ${kind.kind} setting` });
    const secretNames = new Set(kind.secrets.map((s) => s.name));
    for (const [k, v] of Object.entries(body.secrets ?? {})) {
      if (!secretNames.has(k))
        problems.push({ field: `secrets.${k}`, message: `not a ${kind.kind} credential` });
      else if (v !== null && (typeof v !== 'string' || v.length === 0))
        problems.push({ field: `secrets.${k}`, message: 'a non-empty string, or null to remove it' });
    }
    if (problems.length > 0)
      throw new AppError('VALIDATION_ERROR', `the ${kind.kind} settings are not valid`, { problems });
  }

  /**
   * Every URL setting, every URL given as a credential (an incoming-webhook URL is one), and a
   * `host` setting (SMTP) against the outbound policy. Messages never repeat a credential's value.
   */
  private async checkUrls(
    config: Record<string, unknown>,
    secrets: Record<string, string | null>,
  ): Promise<void> {
    const targets: { field: string; check: () => Promise<unknown> }[] = [];
    for (const [k, v] of Object.entries(config))
      if (isUrlSetting(k) && typeof v === 'string')
        targets.push({ field: `config.${k}`, check: () => this.deps.http.checkUrl(v) });
    for (const [k, v] of Object.entries(secrets))
      if (isUrlSetting(k) && typeof v === 'string')
        targets.push({ field: `secrets.${k}`, check: () => this.deps.http.checkUrl(v) });
    if (typeof config.host === 'string') {
      const port = typeof config.port === 'number' ? config.port : 443;
      const host = config.host;
      targets.push({ field: 'config.host', check: () => this.deps.http.checkHost(host, port) });
    }
    for (const t of targets) {
      try {
        await t.check();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'BLOCKED_URL')
          throw new AppError('BLOCKED_URL', `${t.field}: ${(err as Error).message}`, { field: t.field });
        throw new AppError('VALIDATION_ERROR', `${t.field}: the host name does not resolve`, {
          field: t.field,
        });
      }
    }
  }

  /** Stored credentials (opened only when some are kept) overlaid with the given ones. */
  private mergeSecrets(
    kind: ConnectorKind,
    existing: ConnectorRow | undefined,
    given: Record<string, string | null>,
  ): { secrets: Record<string, string>; changed: string[] } {
    const allowed = new Set(kind.secrets.map((s) => s.name));
    const kept = (existing?.secretNames ?? []).filter((n) => allowed.has(n) && !(n in given));
    let old: Record<string, string> = {};
    if (existing?.secretsSealed && existing.keyId && (kept.length > 0 || Object.keys(given).length > 0)) {
      try {
        old = this.deps.secrets.open(existing.name, existing.secretsSealed, existing.keyId);
      } catch (err) {
        if (kept.length > 0)
          throw new AppError(
            'CONFLICT',
            `${(err as Error).message}; send every credential again (secrets) to replace them`,
            { keep: kept },
          );
      }
    }
    const secrets: Record<string, string> = {};
    for (const n of kept) if (old[n] !== undefined) secrets[n] = old[n];
    const changed: string[] = [];
    for (const [n, v] of Object.entries(given)) {
      if (v !== null) secrets[n] = v;
      if ((v ?? undefined) !== old[n] || (v === null && existing?.secretNames.includes(n))) changed.push(n);
    }
    return { secrets, changed: [...new Set(changed)].sort() };
  }

  private async announce(name: string): Promise<void> {
    // Stored and audited already: a lost event is caught up by every directory's poll.
    await this.deps.bus
      .publish('connectors_changed', { name })
      .catch((err: unknown) =>
        this.deps.log.warn({ err: String(err) }, 'connectors_changed not published; the poll propagates it'),
      );
  }
}
