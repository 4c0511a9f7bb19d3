import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  AppError,
  CLASSIFICATIONS,
  INCIDENT_STATUSES,
  type Classification,
  SEVERITIES,
  type IncidentStatus,
  type Severity,
} from '../../contracts/index.ts';
import { fingerprint, parseAlert } from '../../core/ingest/index.ts';
import type { IncidentListQuery } from '../../ports/index.ts';
import type { DetailCache } from '../detail-cache.ts';
import { parseInstant } from '../instant.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf, sourceOf } from '../plugins/access.ts';
import {
  CreateIncidentSchema,
  DecisionBodySchema,
  ErrorSchema,
  IdParamsSchema,
  IncidentDetailSchema,
  IncidentSchema,
  IngestResponseSchema,
  ListQuerySchema,
  PaginationSchema,
  type ListQuery,
} from '../schemas.ts';
import { ingestResponse } from './ingest-response.ts';

const JSON_UTF8 = 'application/json; charset=utf-8';

/** Sends an already serialized JSON body as is. */
function sendJson(reply: FastifyReply, body: string): FastifyReply {
  return reply.type(JSON_UTF8).send(body);
}

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 503: ErrorSchema };

export const incidentRoutes =
  (deps: ApiDeps, cache: DetailCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/incidents',
      {
        config: { permission: 'incidents:read' },
        schema: {
          tags: ['incidents'],
          summary: 'List incidents with filters, sorting and pagination (offset pages or a cursor)',
          querystring: ListQuerySchema,
          response: {
            200: Type.Object({ data: Type.Array(IncidentSchema), pagination: PaginationSchema }),
            400: ErrorSchema,
          },
        },
      },
      async (request) => deps.store.list(toListQuery(request.query, meOf(request))),
    );

    app.post(
      '/incidents',
      {
        config: { permission: 'incidents:write' },
        schema: {
          tags: ['incidents'],
          summary: 'Create an incident from a JSON alert (committed before the 202)',
          body: CreateIncidentSchema,
          response: { 202: IngestResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const parsed = parseAlert('manual', request.body, new Date());
        // The source is who authenticated (api:<key name>, user:<name>); the body's `source` is only
        // a claim, kept in the raw payload.
        const source = request.principal?.kind === 'anonymous' ? parsed.source : sourceOf(request);
        const alert = { ...parsed, source, fingerprint: fingerprint(source, parsed) };
        const outcome = await deps.ingest.ingest(alert);
        cache.invalidate(outcome.incident.id);
        return reply.status(202).send(ingestResponse(outcome));
      },
    );

    app.get(
      '/incidents/:id',
      {
        config: { permission: 'incidents:read' },
        schema: {
          tags: ['incidents'],
          summary: 'One incident with alerts, indicators, enrichments, verdict and timeline',
          params: IdParamsSchema,
          response: { 200: IncidentDetailSchema, 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        const cached = cache.get(id);
        if (cached !== undefined) return sendJson(reply, cached);
        const ticket = cache.begin();
        const detail = await deps.store.getDetail(id);
        if (!detail) throw new AppError('NOT_FOUND', `incident ${id} not found`);
        const body = reply.serialize(detail) as string;
        cache.store(id, ticket, body);
        return sendJson(reply, body);
      },
    );

    for (const decision of ['resolve', 'dismiss', 'escalate'] as const) {
      app.post(
        `/incidents/:id/${decision}`,
        {
          config: { permission: 'incidents:decide' },
          schema: {
            tags: ['incidents'],
            summary: `${decision[0]!.toUpperCase()}${decision.slice(1)} an incident, with a reason`,
            params: IdParamsSchema,
            body: DecisionBodySchema,
            response: { 200: IncidentSchema, ...errors },
          },
        },
        async (request) => {
          // Our own next read must see the decision even before its event comes back from the bus.
          cache.invalidate(request.params.id);
          const decided = await deps.decisions.decide(
            request.params.id,
            decision,
            request.body.reason,
            actorOf(request),
          );
          cache.invalidate(request.params.id);
          return decided;
        },
      );
    }
  };

function listOf<T extends string>(
  value: string | string[] | undefined,
  allowed: readonly T[] | null,
  name: string,
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (allowed) {
    const bad = items.filter((i) => !allowed.includes(i as T));
    if (bad.length) {
      throw new AppError('VALIDATION_ERROR', `unknown ${name}: ${bad.join(', ')}`, { allowed });
    }
  }
  return items.length ? (items as T[]) : undefined;
}

/** The username `assignee=me` stands for: the calling user's; null for an API key. */
export function meOf(request: FastifyRequest): string | null {
  const p = request.principal;
  return p?.kind === 'user' ? (p.name ?? p.id) : null;
}

/** List parameters (query string, saved view, bulk filter) as the store's query; `me` is the caller's username. */
export function toListQuery(q: ListQuery, me: string | null): IncidentListQuery {
  if (q.cursor !== undefined && q.page !== undefined) {
    throw new AppError('CURSOR_PAGE_CONFLICT', 'pass either cursor or page, not both', {
      hint: 'next_cursor continues from the page that returned it; drop page',
    });
  }
  const since = q.since ? parseInstant(q.since, 'since') : undefined;
  const until = q.until ? parseInstant(q.until, 'until') : undefined;
  if (since && until && since >= until) throw new AppError('VALIDATION_ERROR', 'since must be before until');
  const status = listOf<IncidentStatus>(q.status, INCIDENT_STATUSES, 'status');
  const severity = listOf<Severity>(q.severity, SEVERITIES, 'severity');
  const incidentType = listOf(q.incident_type, null, 'incident_type');
  const source = listOf(q.source, null, 'source');
  const tag = listOf(q.tag, null, 'tag')?.map((t) => t.toLowerCase());
  const classification = listOf<Classification>(q.classification, CLASSIFICATIONS, 'classification');
  if (q.min_confidence !== undefined && q.max_confidence !== undefined && q.min_confidence > q.max_confidence)
    throw new AppError('VALIDATION_ERROR', 'min_confidence must not exceed max_confidence');
  let assignee: IncidentListQuery['assignee'];
  if (q.assignee === 'none') assignee = { kind: 'none' };
  else if (q.assignee === 'me') {
    if (!me) throw new AppError('VALIDATION_ERROR', 'assignee=me needs a user (an API key is no user)');
    assignee = { kind: 'user', username: me };
  } else if (q.assignee !== undefined) assignee = { kind: 'user', username: q.assignee };
  return {
    ...(status ? { status } : {}),
    ...(severity ? { severity } : {}),
    ...(incidentType ? { incident_type: incidentType } : {}),
    ...(source ? { source } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(assignee ? { assignee } : {}),
    ...(tag ? { tag } : {}),
    ...(classification ? { classification } : {}),
    ...(q.min_confidence !== undefined ? { min_confidence: q.min_confidence } : {}),
    ...(q.max_confidence !== undefined ? { max_confidence: q.max_confidence } : {}),
    sort: q.sort ?? 'created_at',
    order: q.order ?? 'desc',
    page: q.page ?? 1,
    per_page: q.per_page ?? 20,
    ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
  };
}
