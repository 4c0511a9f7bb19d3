import { AppError, type EventMap } from '../../contracts/index.ts';
import type { EventBus, Logger, PlaybookRow, PlaybookStore, PlaybookVersionRow } from '../../ports/index.ts';
import {
  PLAYBOOK_NAME,
  compilePlaybook,
  type CompileResult,
  type PlaybookError,
} from './playbook.compiler.ts';
import { PlaybookCatalog } from './playbook.catalog.ts';
import type { PlaybookFile } from './playbook.folder.ts';
import type { PlaybookDefinition, PlaybookSla, PlaybookTrigger } from './playbook.model.ts';

export interface PlaybookServiceOptions {
  store: PlaybookStore;
  bus: EventBus;
  log: Logger;
  /**
   * The fallback playbook as shipped (compiled from playbooks/builtin): used when its stored copy is
   * missing or does not compile, so selection always has an answer. Its name is the fallback's name.
   */
  fallback: PlaybookDefinition;
  /** Names of the shipped built-ins (they can be disabled and edited, not deleted). */
  builtinNames: ReadonlySet<string>;
  /** How long a process trusts its compiled set without a change event. Default 5000 ms. */
  cacheTtlMs?: number;
}

/** A playbook as the API shows it (the list has no `yaml`). */
export interface PlaybookView {
  name: string;
  version: number;
  enabled: boolean;
  priority: number;
  description: string;
  origin: string;
  builtin: boolean;
  /** Drives incidents no other playbook matches; cannot be disabled or deleted. */
  fallback: boolean;
  /** False when the stored document no longer compiles (after an upgrade); selection skips it. */
  valid: boolean;
  errors?: PlaybookError[];
  /** When it is selected (absent when the document does not compile). */
  trigger?: PlaybookTrigger;
  sla?: PlaybookSla;
  definition?: PlaybookDefinition;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

const REQUEST_FILE = '<request>';
/** Most playbooks stored: every process compiles and scans them all for each selection. */
export const MAX_PLAYBOOKS = 500;

/**
 * Playbook management: documents stored in the database, every change audited (in the store's
 * transaction) and announced as `playbook_changed`, which every process's PlaybookCatalog follows.
 * Also loads the built-ins and the folder at start (`sync`).
 */
export class PlaybookService {
  /** Names provided by a built-in or folder file in this process (not deletable through the API). */
  private readonly fromFiles = new Map<string, string>();
  /** What the pipeline and the SLA check select from. */
  readonly catalog: PlaybookCatalog;

  constructor(private readonly o: PlaybookServiceOptions) {
    this.catalog = new PlaybookCatalog({
      store: o.store,
      bus: o.bus,
      log: o.log,
      fallback: o.fallback,
      ...(o.cacheTtlMs !== undefined ? { cacheTtlMs: o.cacheTtlMs } : {}),
    });
  }

  get fallbackName(): string {
    return this.o.fallback.name;
  }

  // --- management ---

  /** Dry run: the compiled definition or every error. */
  validate(yaml: string): CompileResult {
    return compilePlaybook(yaml, { file: REQUEST_FILE, origin: 'api' });
  }

  async list(): Promise<PlaybookView[]> {
    const rows = await this.o.store.list();
    return rows.map((r) => this.view(r, false));
  }

  async get(name: string): Promise<PlaybookView & { yaml: string }> {
    const row = await this.row(name);
    return { ...this.view(row, true), yaml: row.source };
  }

  async versions(name: string, limit: number): Promise<PlaybookVersionRow[]> {
    await this.row(name);
    return this.o.store.versions(name, limit);
  }

  async create(yaml: string, actor: string): Promise<PlaybookView & { yaml: string }> {
    const pb = this.compileOrThrow(yaml).definition;
    if ((await this.o.store.list()).length >= MAX_PLAYBOOKS)
      throw new AppError('CONFLICT', `at most ${MAX_PLAYBOOKS} playbooks; delete or replace one`);
    const row = await this.o.store.insert(
      { name: pb.name, enabled: pb.enabled, priority: pb.priority, source: yaml, origin: 'api' },
      actor,
    );
    if (!row) throw new AppError('CONFLICT', `playbook ${pb.name} exists already; PUT replaces it`);
    await this.changed({ name: pb.name, change: 'created', version: row.version, by: actor });
    return this.get(pb.name);
  }

  /** Replaces the document (same name); the switch follows the document's `enabled` when it has one. */
  async replace(
    name: string,
    yaml: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<PlaybookView & { yaml: string }> {
    const { definition: pb, keys } = this.compileOrThrow(yaml);
    if (pb.name !== name) {
      throw new AppError(
        'VALIDATION_ERROR',
        'the document names another playbook (renaming is not supported)',
        {
          field: 'name',
        },
      );
    }
    const explicitEnabled = keys.includes('enabled') ? pb.enabled : undefined;
    if (explicitEnabled === false && name === this.fallbackName) throw this.fallbackRefusal('disabled');
    const row = await this.o.store.replace(
      name,
      {
        source: yaml,
        priority: pb.priority,
        ...(explicitEnabled !== undefined ? { enabled: explicitEnabled } : {}),
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      },
      actor,
    );
    if (row === 'conflict')
      throw new AppError(
        'CONFLICT',
        `playbook ${name} changed meanwhile (version is not ${expectedVersion})`,
      );
    if (!row) throw new AppError('NOT_FOUND', 'no such playbook');
    await this.changed({ name, change: 'replaced', version: row.version, by: actor });
    return this.get(name);
  }

  async setEnabled(name: string, enabled: boolean, actor: string): Promise<PlaybookView> {
    if (!enabled && name === this.fallbackName) throw this.fallbackRefusal('disabled');
    const before = await this.row(name);
    const row = await this.o.store.setEnabled(name, enabled, actor);
    if (!row) throw new AppError('NOT_FOUND', 'no such playbook');
    if (row.version !== before.version)
      await this.changed({ name, change: enabled ? 'enabled' : 'disabled', version: row.version, by: actor });
    return this.view(row, false);
  }

  async remove(name: string, actor: string): Promise<void> {
    if (name === this.fallbackName) throw this.fallbackRefusal('deleted');
    const row = await this.row(name);
    const file = this.fromFiles.get(name);
    if (file === 'builtin')
      throw new AppError('CONFLICT', `playbook ${name} is built in: disable it instead`);
    if (file) {
      throw new AppError(
        'CONFLICT',
        `playbook ${name} is loaded from the playbooks folder at every start: remove its file, or disable it`,
      );
    }
    if (!(await this.o.store.delete(name, actor))) throw new AppError('NOT_FOUND', 'no such playbook');
    await this.changed({ name, change: 'deleted', version: row.version, by: actor });
  }

  /**
   * Loads the built-ins and the folder's files at start (a folder file replaces the built-in of the
   * same name). Safe when several processes start at once. Returns what happened to each playbook.
   */
  async sync(files: readonly PlaybookFile[], actor: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of files) {
      const pb = f.definition;
      this.fromFiles.set(pb.name, pb.origin);
      const { result, version } = await this.o.store.syncFile(
        {
          name: pb.name,
          enabled: pb.enabled,
          priority: pb.priority,
          source: f.source,
          origin: pb.origin,
          fileHash: f.hash,
        },
        actor,
      );
      out[pb.name] = result;
      if (result === 'inserted' || result === 'updated')
        await this.changed({
          name: pb.name,
          change: result === 'inserted' ? 'created' : 'loaded',
          version,
          by: actor,
        });
    }
    this.catalog.invalidate();
    return out;
  }

  private compileOrThrow(yaml: string): { definition: PlaybookDefinition; keys: string[] } {
    const compiled = this.validate(yaml);
    if (!compiled.ok) {
      throw new AppError('INVALID_PLAYBOOK', `the playbook has ${compiled.errors.length} error(s)`, {
        errors: compiled.errors,
      });
    }
    if (!PLAYBOOK_NAME.test(compiled.definition.name))
      throw new AppError('VALIDATION_ERROR', 'invalid playbook name', { field: 'name' });
    return compiled;
  }

  private fallbackRefusal(what: string): AppError {
    return new AppError(
      'CONFLICT',
      `playbook ${this.fallbackName} is the fallback for incidents no other playbook matches: it cannot be ${what} (edit it instead)`,
    );
  }

  private async row(name: string): Promise<PlaybookRow> {
    const row = PLAYBOOK_NAME.test(name) ? await this.o.store.get(name) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'no such playbook');
    return row;
  }

  private view(row: PlaybookRow, withDefinition: boolean): PlaybookView {
    const compiled = this.catalog.compileRow(row);
    const pb = compiled.ok ? compiled.definition : undefined;
    return {
      name: row.name,
      version: row.version,
      enabled: row.enabled,
      priority: row.priority,
      description: pb?.description ?? '',
      origin: row.origin,
      builtin: this.o.builtinNames.has(row.name),
      fallback: row.name === this.fallbackName,
      valid: compiled.ok,
      ...(compiled.ok ? {} : { errors: compiled.errors }),
      ...(pb ? { trigger: pb.trigger } : {}),
      ...(pb?.sla ? { sla: pb.sla } : {}),
      ...(withDefinition && pb ? { definition: pb } : {}),
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      updated_by: row.updatedBy,
    };
  }

  /** Drops our set now and tells every process; their TTL bounds a lost event. */
  private async changed(data: EventMap['playbook_changed']): Promise<void> {
    this.catalog.invalidate();
    try {
      await this.o.bus.publish('playbook_changed', data);
    } catch (err) {
      this.o.log.warn(
        { err: (err as Error).message },
        'playbook change not broadcast (other processes reload within the cache TTL)',
      );
    }
  }
}
