import { AppError } from '../../contracts/index.ts';
import type { EventBus, Logger, WebhookSourceRow, WebhookSourceStore } from '../../ports/index.ts';
import { generateWebhookSecret, type SecretBox } from './secret-box.ts';
import { SOURCE_NAME_PATTERN, canonicalSource, lookupNames } from './source-names.ts';
import { fromConfig, fromLocal, fromRow } from './resolved-source.ts';
import { configuredView, rowView } from './webhook-source.view.ts';
import type {
  ConfiguredSource,
  NewWebhookSource,
  ResolvedSource,
  SourceOrigin,
  WebhookSourceChange,
  WebhookSourceView,
  WebhookSourceWithSecret,
} from './webhook-source.types.ts';

export interface WebhookSourceServiceOptions {
  store: WebhookSourceStore;
  bus: EventBus;
  log: Logger;
  /** Seals secrets at rest; null when no key is available (managed secrets cannot be set then). */
  box: SecretBox | null;
  /** Why `box` is null, for the 409 message (e.g. which config key to set). */
  noKeyReason?: string;
  /** Sources from config/env (win over everything), with where each came from. */
  configured: Readonly<Record<string, ConfiguredSource>>;
  configuredOrigin: (name: string) => 'config' | 'env';
  /** Local secrets provisioned in the data folder (embedded mode): the fallback. */
  local: Readonly<Record<string, string>>;
  /** How long a rotated-out secret stays valid. */
  rotationGraceMs: number;
  /** How long one process trusts what it resolved. Default 1000 ms. */
  cacheTtlMs?: number;
  /** Most cached lookups (unknown names included). Default 10 000. */
  cacheEntries?: number;
}

const MAX_SECRET = 256;
const MIN_SECRET = 16;

/**
 * Webhook sources from three places merged per name — config/env first, then the database (managed
 * through the API and CLI), then the local secrets file — and the management of the database ones.
 *
 * Each request resolves its source; a process caches what it resolved for about a second, and drops
 * the cache at once on a `webhook_sources_changed` bus event, so a rotation or disable made through
 * any API replica holds on all of them within about a second (the TTL bounds it when the change came
 * from the CLI, which has no bus).
 */
export class WebhookSourceService {
  private readonly cache = new Map<string, { at: number; value: ResolvedSource | undefined }>();
  private readonly known = new Set<string>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private unsubscribe: (() => void) | undefined;
  private subscription: Promise<void> | undefined;
  private stopped = false;
  private readonly badRows = new Set<string>();

  constructor(private readonly o: WebhookSourceServiceOptions) {
    this.ttl = o.cacheTtlMs ?? 1000;
    this.maxEntries = o.cacheEntries ?? 10_000;
  }

  /** True when managed secrets can be created (an encryption key is available). */
  get canStoreSecrets(): boolean {
    return this.o.box !== null;
  }

  /**
   * Subscribes to change events. Idempotent. Resolves once subscribed; a bus that is down is not
   * fatal (the cache TTL still bounds staleness), so callers need not wait for it.
   */
  start(): Promise<void> {
    this.subscription ??= this.o.bus
      .subscribe((event) => {
        if (event.type === 'webhook_sources_changed') this.cache.clear();
      })
      .then(
        (unsubscribe) => {
          if (this.stopped) unsubscribe();
          else this.unsubscribe = unsubscribe;
        },
        (err: unknown) => {
          this.o.log.warn(
            { err: (err as Error).message },
            'webhook source changes not subscribed; caches expire after their TTL',
          );
        },
      );
    return this.subscription;
  }

  /** Unsubscribes (also a subscription still being set up). Idempotent. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * True for a name that authenticated as a source in this process (configured, managed or local):
   * only such names may become metric labels. Bounded like the cache.
   */
  isKnown(name: string): boolean {
    return (
      this.known.has(name) || Object.hasOwn(this.o.configured, name) || Object.hasOwn(this.o.local, name)
    );
  }

  /** The settings that authenticate a request posted under `name`, or undefined for an unknown one. */
  async resolve(name: string): Promise<ResolvedSource | undefined> {
    const hit = this.cache.get(name);
    const now = Date.now();
    if (hit && now - hit.at < this.ttl) return hit.value;
    const names = lookupNames(name);
    // A configured name needs no database round trip (configured sources win anyway).
    const rows = this.o.configured[name] ? [] : await this.o.store.find(names);
    let value: ResolvedSource | undefined;
    for (const n of names) {
      value =
        fromConfig(n, this.o.configured[n], this.o.configuredOrigin) ??
        fromRow(
          rows.find((r) => r.name === n),
          this.o.box,
          (row, err) => this.unreadable(row, err),
        ) ??
        fromLocal(n, this.o.local[n]);
      if (value) break;
    }
    if (value) {
      value = { ...value, canonical: canonicalSource(name) };
      if (this.known.size < this.maxEntries) this.known.add(name);
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(name, { at: now, value });
    return value;
  }

  /** Every source, configured ones first; no secrets. */
  async list(): Promise<WebhookSourceView[]> {
    const rows = await this.o.store.list();
    const out: WebhookSourceView[] = [];
    const seen = new Set<string>();
    for (const [name, c] of Object.entries(this.o.configured)) {
      seen.add(name);
      out.push(configuredView(name, 'config', c));
    }
    for (const r of rows) {
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      out.push(rowView(r));
    }
    for (const name of Object.keys(this.o.local)) {
      if (!seen.has(name)) out.push(configuredView(name, 'local', { secret: this.o.local[name]! }));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<WebhookSourceView> {
    const found = (await this.list()).find((s) => s.name === name);
    if (!found) throw new AppError('NOT_FOUND', 'no such webhook source');
    return found;
  }

  /** Names and origins, for the start log (never secrets). */
  async origins(): Promise<{ name: string; origin: SourceOrigin }[]> {
    const views = await this.list();
    return views.map((v) => ({
      name: v.name,
      origin: v.origin === 'config' ? this.o.configuredOrigin(v.name) : v.origin,
    }));
  }

  async create(input: NewWebhookSource): Promise<WebhookSourceWithSecret> {
    const name = input.name;
    if (!SOURCE_NAME_PATTERN.test(name)) {
      throw new AppError('VALIDATION_ERROR', 'name must be 1-64 characters of a-z, 0-9, - and _', {
        field: 'name',
      });
    }
    this.refuseReadOnly(name);
    const unsigned = input.unsigned ?? false;
    if (unsigned && (input.secret !== undefined || input.generate)) {
      throw new AppError('VALIDATION_ERROR', 'an unsigned source has no secret', { field: 'secret' });
    }
    if (input.secret !== undefined && input.generate) {
      throw new AppError('VALIDATION_ERROR', 'give either secret or generate, not both', {
        field: 'generate',
      });
    }
    const secret = unsigned ? undefined : (input.secret ?? generateWebhookSecret());
    if (secret !== undefined) checkSecret(secret);
    const sealed = secret !== undefined ? this.seal(secret, name) : undefined;
    const inserted = await this.o.store.insert({
      name,
      secretSealed: sealed?.sealed ?? null,
      secretKeyId: sealed?.keyId ?? null,
      previousSecretSealed: null,
      previousKeyId: null,
      previousValidUntil: null,
      unsigned,
      enabled: input.enabled ?? true,
      requireTimestamp: input.require_timestamp ?? true,
      rateLimit: input.rate_limit ?? null,
    });
    if (!inserted) throw new AppError('CONFLICT', `webhook source ${name} exists already`);
    await this.changed(name);
    return { source: await this.get(name), ...(secret !== undefined ? { secret } : {}) };
  }

  async update(name: string, change: WebhookSourceChange): Promise<WebhookSourceView> {
    this.refuseReadOnly(name);
    const current = await this.row(name);
    if (change.unsigned === false && current.unsigned && !current.secretSealed) {
      throw new AppError(
        'VALIDATION_ERROR',
        'rotate the source to give it a secret before it can be signed',
        {
          field: 'unsigned',
        },
      );
    }
    await this.o.store.update(name, {
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      ...(change.unsigned !== undefined ? { unsigned: change.unsigned } : {}),
      ...(change.require_timestamp !== undefined ? { requireTimestamp: change.require_timestamp } : {}),
      ...(change.rate_limit !== undefined ? { rateLimit: change.rate_limit } : {}),
    });
    await this.changed(name);
    return this.get(name);
  }

  /**
   * A new secret becomes the current one; the old one stays valid for the rotation grace (or until
   * `retire`), so senders can switch over without a gap. The new secret is returned this once.
   */
  async rotate(name: string, secret?: string): Promise<WebhookSourceWithSecret> {
    this.refuseReadOnly(name);
    const current = await this.row(name);
    const next = secret ?? generateWebhookSecret();
    checkSecret(next);
    const sealed = this.seal(next, name);
    const keepOld = current.secretSealed !== null && !current.unsigned;
    await this.o.store.update(name, {
      secretSealed: sealed.sealed,
      secretKeyId: sealed.keyId,
      previousSecretSealed: keepOld ? current.secretSealed : null,
      previousKeyId: keepOld ? current.secretKeyId : null,
      previousValidUntil: keepOld ? new Date(Date.now() + this.o.rotationGraceMs) : null,
      unsigned: false,
      rotatedAt: new Date(),
    });
    await this.changed(name);
    return { source: await this.get(name), secret: next };
  }

  /** Ends a rotation early: only the current secret is accepted from now on. */
  async retire(name: string): Promise<WebhookSourceView> {
    this.refuseReadOnly(name);
    await this.row(name);
    await this.o.store.update(name, {
      previousSecretSealed: null,
      previousKeyId: null,
      previousValidUntil: null,
    });
    await this.changed(name);
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    this.refuseReadOnly(name);
    if (!(await this.o.store.delete(name))) throw new AppError('NOT_FOUND', 'no such webhook source');
    await this.changed(name);
  }

  private async row(name: string): Promise<WebhookSourceRow> {
    const [row] = await this.o.store.find([name]);
    if (row) return row;
    if (this.o.local[name]) {
      throw new AppError(
        'CONFLICT',
        `webhook source ${name} comes from the local secrets file (read-only); create it as a managed source to take it over`,
      );
    }
    throw new AppError('NOT_FOUND', 'no such webhook source');
  }

  private refuseReadOnly(name: string): void {
    if (this.o.configured[name]) {
      throw new AppError(
        'CONFLICT',
        `webhook source ${name} is set in the configuration (read-only here); change it there`,
      );
    }
  }

  private seal(secret: string, name: string) {
    if (!this.o.box) {
      throw new AppError(
        'CONFLICT',
        `managed webhook secrets need an encryption key: ${this.o.noKeyReason ?? 'set webhooks.encryption_key'}`,
      );
    }
    return this.o.box.seal(secret, name);
  }

  /** A stored secret that cannot be opened: logged once per source and process; requests get the 401. */
  private unreadable(name: string, err: Error): void {
    if (this.badRows.has(name)) return;
    this.badRows.add(name);
    this.o.log.error({ source: name, err: err.message }, 'webhook source secret cannot be opened');
  }

  /** Drops our cache now and tells the other processes; their TTL bounds a lost event. */
  private async changed(name: string): Promise<void> {
    this.cache.clear();
    try {
      await this.o.bus.publish('webhook_sources_changed', { name });
    } catch (err) {
      this.o.log.warn(
        { err: (err as Error).message },
        'webhook source change not broadcast (caches expire in 1 s)',
      );
    }
  }
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET || secret.length > MAX_SECRET) {
    throw new AppError('VALIDATION_ERROR', `a secret must be ${MIN_SECRET}-${MAX_SECRET} characters`, {
      field: 'secret',
    });
  }
}
