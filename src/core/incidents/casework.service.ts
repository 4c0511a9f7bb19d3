import { randomUUID } from 'node:crypto';
import {
  AppError,
  type BulkItemResult,
  type BulkOp,
  type BulkResult,
  type CommentView,
  type EventName,
  type EventMap,
  type IncidentStatus,
  type RelatedIncident,
  type Severity,
} from '../../contracts/index.ts';
import type {
  CaseworkStore,
  EventBus,
  IncidentListQuery,
  IncidentRecord,
  Logger,
} from '../../ports/index.ts';
import type { IncidentDecisionsService } from './incident-decisions.service.ts';
import {
  applied,
  MAX_BULK_MATCHES,
  MAX_COMMENT_LENGTH,
  MAX_TAGS,
  mentionCandidates,
  normaliseTags,
  RELATED_LIMIT,
} from './casework.rules.ts';

/** Who acts: the actor string (`user:alice`) and, for a user, the username `me` stands for. */
export interface CaseActor {
  actor: string;
  me: string | null;
}

export interface BulkRequest {
  op: BulkOp;
  /** Either ids (validated by the caller: at most 500) or a list filter (at most 5,000 matches). */
  ids?: readonly string[];
  filter?: IncidentListQuery;
  reason?: string;
  assignee?: string | null;
  tags?: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BULK_CONCURRENCY = 4;

/**
 * Case work on incidents (docs/CASEWORK.md): assignment, comments, tags, severity/type overrides,
 * status with a reason and reopen (the rules of IncidentDecisionsService), bulk, related incidents
 * and the export walk. Each write is one store transaction with its audit row, then an event.
 */
export class CaseworkService {
  constructor(
    private readonly deps: {
      store: CaseworkStore;
      decisions: IncidentDecisionsService;
      bus: EventBus;
      log: Logger;
    },
  ) {}

  /** `me` resolves to the caller (a user); null unassigns. */
  async assign(
    id: string,
    assignee: string | null,
    by: CaseActor,
    version?: number,
  ): Promise<IncidentRecord> {
    const name = assignee === 'me' ? this.me(by) : assignee;
    const out = applied(id, await this.deps.store.assign(id, name, { actor: by.actor, ...v(version) }));
    if (out.changed) {
      await this.publish('incident_assigned', {
        incident_id: id,
        assignee: out.incident.assignee,
        by: by.actor,
      });
    }
    return out.incident;
  }

  async comment(id: string, body: string, by: CaseActor): Promise<CommentView> {
    const text = body.trim();
    if (text.length === 0 || text.length > MAX_COMMENT_LENGTH) {
      throw new AppError('VALIDATION_ERROR', `a comment has 1 to ${MAX_COMMENT_LENGTH} characters`, {
        field: 'body',
      });
    }
    const comment = await this.deps.store.comment(id, {
      id: randomUUID(),
      author: by.actor,
      body: text,
      candidates: mentionCandidates(text),
    });
    if (!comment) throw new AppError('NOT_FOUND', `incident ${id} not found`);
    await this.publish('comment_added', {
      incident_id: id,
      comment_id: comment.id,
      by: by.actor,
      mentions: comment.mentions,
    });
    return comment;
  }

  async comments(id: string): Promise<CommentView[]> {
    const list = await this.deps.store.comments(id, 1000);
    if (!list) throw new AppError('NOT_FOUND', `incident ${id} not found`);
    return list;
  }

  async retag(
    id: string,
    change: { add?: readonly string[]; remove?: readonly string[] },
    by: CaseActor,
    version?: number,
  ): Promise<IncidentRecord> {
    const add = normaliseTags(change.add ?? [], 'add');
    const remove = normaliseTags(change.remove ?? [], 'remove');
    const out = applied(
      id,
      await this.deps.store.retag(id, { add, remove }, MAX_TAGS, { actor: by.actor, ...v(version) }),
    );
    if (out.changed)
      await this.publish('incident_updated', { incident_id: id, fields: ['tags'], by: by.actor });
    return out.incident;
  }

  async override(
    id: string,
    change: { severity?: Severity; incident_type?: string },
    reason: string,
    by: CaseActor,
    version?: number,
  ): Promise<IncidentRecord> {
    if (change.severity === undefined && change.incident_type === undefined) {
      throw new AppError('VALIDATION_ERROR', 'give severity and/or incident_type to change');
    }
    const before = { actor: by.actor, ...v(version) };
    const out = applied(id, await this.deps.store.override(id, change, reason, before));
    if (out.changed) {
      const fields = (['severity', 'incident_type'] as const).filter((f) => change[f] !== undefined);
      await this.publish('incident_updated', { incident_id: id, fields, by: by.actor });
    }
    return out.incident;
  }

  async setStatus(id: string, to: IncidentStatus, reason: string, by: CaseActor, version?: number) {
    return this.deps.decisions.setStatus(id, to, reason, by.actor, version);
  }

  async reopen(id: string, reason: string, by: CaseActor, version?: number) {
    return this.deps.decisions.reopen(id, reason, by.actor, version);
  }

  async related(id: string): Promise<RelatedIncident[]> {
    const list = await this.deps.store.related(id, RELATED_LIMIT);
    if (!list) throw new AppError('NOT_FOUND', `incident ${id} not found`);
    return list;
  }

  /** Every incident matching the filters, newest first, one page of `pageSize` in memory at a time. */
  async *exportRows(filters: IncidentListQuery, pageSize = 500): AsyncGenerator<IncidentRecord> {
    let after: { created_at: string; id: string } | null = null;
    do {
      const page: Awaited<ReturnType<CaseworkStore['exportPage']>> = await this.deps.store.exportPage(
        filters,
        after,
        pageSize,
      );
      yield* page.rows;
      after = page.last;
    } while (after);
  }

  /** One operation on many incidents, answered per item: one bad item never fails the others. */
  async bulk(req: BulkRequest, by: CaseActor): Promise<BulkResult> {
    if ((req.op === 'resolve' || req.op === 'dismiss') && !req.reason) {
      throw new AppError('VALIDATION_ERROR', `${req.op} needs a reason`, { field: 'reason' });
    }
    if (req.op === 'assign' && req.assignee === undefined) {
      throw new AppError('VALIDATION_ERROR', 'assign needs an assignee (a username, me, or null)', {
        field: 'assignee',
      });
    }
    const tags = req.op === 'tag' || req.op === 'untag' ? normaliseTags(req.tags ?? [], 'tags') : [];
    if ((req.op === 'tag' || req.op === 'untag') && tags.length === 0) {
      throw new AppError('VALIDATION_ERROR', `${req.op} needs tags`, { field: 'tags' });
    }
    if (req.op === 'assign' && req.assignee === 'me') this.me(by);
    const ids = req.ids ? [...new Set(req.ids)] : await this.matching(req.filter!);
    const results: BulkItemResult[] = new Array(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const n = next++;
        results[n] = await this.bulkItem(req, ids[n]!, tags, by);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker));
    const succeeded = results.filter((r) => r.ok).length;
    return { op: req.op, succeeded, failed: results.length - succeeded, results };
  }

  private async bulkItem(
    req: BulkRequest,
    id: string,
    tags: string[],
    by: CaseActor,
  ): Promise<BulkItemResult> {
    if (!UUID.test(id)) return { id, ok: false, code: 'VALIDATION_ERROR', message: 'not an incident id' };
    try {
      let done: IncidentRecord;
      switch (req.op) {
        case 'resolve':
        case 'dismiss':
          done = await this.deps.decisions.decide(id, req.op, req.reason!, by.actor);
          break;
        case 'assign':
          done = await this.assign(id, req.assignee ?? null, by);
          break;
        case 'tag':
          done = await this.retag(id, { add: tags }, by);
          break;
        case 'untag':
          done = await this.retag(id, { remove: tags }, by);
          break;
      }
      return { id, ok: true, status: done.status };
    } catch (err) {
      if (err instanceof AppError) return { id, ok: false, code: err.code, message: err.message };
      this.deps.log.error({ err: String(err), incident_id: id, op: req.op }, 'bulk item failed');
      return { id, ok: false, code: 'INTERNAL_ERROR', message: 'internal error' };
    }
  }

  private async matching(filter: IncidentListQuery): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.exportRows(filter, 1000)) {
      ids.push(row.id);
      if (ids.length > MAX_BULK_MATCHES) {
        throw new AppError('VALIDATION_ERROR', `the filter matches more than ${MAX_BULK_MATCHES} incidents`, {
          max: MAX_BULK_MATCHES,
          hint: 'narrow the filter or pass ids',
        });
      }
    }
    return ids;
  }

  private me(by: CaseActor): string {
    if (!by.me) throw new AppError('VALIDATION_ERROR', '`me` needs a user (an API key is no user)');
    return by.me;
  }

  private async publish<E extends EventName>(name: E, payload: EventMap[E]): Promise<void> {
    await this.deps.bus
      .publish(name, payload)
      .catch((err) => this.deps.log.warn({ err: String(err), event: name }, 'event publish failed'));
  }
}

const v = (version: number | undefined) => (version === undefined ? {} : { expectedVersion: version });
