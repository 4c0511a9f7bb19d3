import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CaseActor, CaseworkService } from '../../core/incidents/casework.service.ts';
import { csvCell, MAX_BULK_IDS } from '../../core/incidents/casework.rules.ts';
import { AppError } from '../../contracts/index.ts';
import type { IncidentRecord } from '../../ports/index.ts';
import type { DetailCache } from '../detail-cache.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema, IdParamsSchema, IncidentSchema } from '../schemas.ts';
import {
  AssignBodySchema,
  BulkBodySchema,
  BulkResultSchema,
  CommentBodySchema,
  CommentSchema,
  ExportQuerySchema,
  PatchBodySchema,
  RelatedSchema,
  ReopenBodySchema,
  StatusBodySchema,
  TagsBodySchema,
} from './casework.schemas.ts';
import { meOf, toListQuery } from './incidents.routes.ts';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema };

const EXPORT_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'status',
  'severity',
  'original_severity',
  'incident_type',
  'original_incident_type',
  'source',
  'title',
  'assignee',
  'classification',
  'confidence',
  'tags',
  'occurrence_count',
  'resolution_reason',
] as const satisfies readonly (keyof IncidentRecord)[];

const caseActor = (request: FastifyRequest): CaseActor => ({ actor: actorOf(request), me: meOf(request) });

async function* csvLines(first: IncidentRecord | undefined, rest: AsyncIterator<IncidentRecord>) {
  yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  for (let r = first; r; r = (await rest.next()).value as IncidentRecord | undefined) {
    yield `${EXPORT_COLUMNS.map((c) => csvCell(r![c])).join(',')}\r\n`;
  }
}

async function* jsonLines(first: IncidentRecord | undefined, rest: AsyncIterator<IncidentRecord>) {
  for (let r = first; r; r = (await rest.next()).value as IncidentRecord | undefined) {
    yield `${JSON.stringify(r)}\n`;
  }
}

/** Case work on incidents (docs/CASEWORK.md; routes and shapes: contracts/casework.ts). */
export const caseworkRoutes =
  (casework: CaseworkService, cache: DetailCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    const write = { permission: 'incidents:write' as const };
    const decide = { permission: 'incidents:decide' as const };
    const read = { permission: 'incidents:read' as const };
    /** Our own next detail read must see the change before its event comes back from the bus. */
    const fresh = async <T>(id: string, run: () => Promise<T>): Promise<T> => {
      cache.invalidate(id);
      try {
        return await run();
      } finally {
        cache.invalidate(id);
      }
    };

    app.put(
      '/incidents/:id/assignee',
      {
        config: write,
        schema: {
          tags: ['incidents'],
          summary: 'Assign an incident to a user (`me` for yourself) or unassign it (null)',
          params: IdParamsSchema,
          body: AssignBodySchema,
          response: { 200: IncidentSchema, ...errors },
        },
      },
      async (request) =>
        fresh(request.params.id, () =>
          casework.assign(request.params.id, request.body.assignee, caseActor(request), request.body.version),
        ),
    );

    app.get(
      '/incidents/:id/comments',
      {
        config: read,
        schema: {
          tags: ['incidents'],
          summary: "An incident's comments, oldest first",
          params: IdParamsSchema,
          response: {
            200: Type.Object({ data: Type.Array(CommentSchema) }),
            400: ErrorSchema,
            404: ErrorSchema,
          },
        },
      },
      async (request) => ({ data: await casework.comments(request.params.id) }),
    );

    app.post(
      '/incidents/:id/comments',
      {
        config: write,
        schema: {
          tags: ['incidents'],
          summary: 'Comment on an incident; `@username` mentions existing users',
          params: IdParamsSchema,
          body: CommentBodySchema,
          response: { 201: CommentSchema, ...errors },
        },
      },
      async (request, reply) => {
        const comment = await casework.comment(request.params.id, request.body.body, caseActor(request));
        return reply.status(201).send(comment);
      },
    );

    app.put(
      '/incidents/:id/tags',
      {
        config: write,
        schema: {
          tags: ['incidents'],
          summary: 'Add and/or remove tags (lowercased; at most 50 per incident)',
          params: IdParamsSchema,
          body: TagsBodySchema,
          response: { 200: IncidentSchema, ...errors },
        },
      },
      async (request) =>
        fresh(request.params.id, () =>
          casework.retag(request.params.id, request.body, caseActor(request), request.body.version),
        ),
    );

    app.patch(
      '/incidents/:id',
      {
        config: write,
        schema: {
          tags: ['incidents'],
          summary:
            'Override severity and/or incident type, with a reason (the first override keeps the original)',
          params: IdParamsSchema,
          body: PatchBodySchema,
          response: { 200: IncidentSchema, ...errors },
        },
      },
      async (request) => {
        const { severity, incident_type, reason, version } = request.body;
        const change = { ...(severity ? { severity } : {}), ...(incident_type ? { incident_type } : {}) };
        return fresh(request.params.id, () =>
          casework.override(request.params.id, change, reason, caseActor(request), version),
        );
      },
    );

    app.post(
      '/incidents/:id/status',
      {
        config: decide,
        schema: {
          tags: ['incidents'],
          summary:
            'Set an analyst status with a reason (resolved, false_positive, dismissed, escalated, closed, pending_review)',
          params: IdParamsSchema,
          body: StatusBodySchema,
          response: { 200: IncidentSchema, ...errors },
        },
      },
      async (request) => {
        const { status, reason, version } = request.body;
        return fresh(request.params.id, () =>
          casework.setStatus(request.params.id, status, reason, caseActor(request), version),
        );
      },
    );

    app.post(
      '/incidents/:id/reopen',
      {
        config: decide,
        schema: {
          tags: ['incidents'],
          summary: 'Reopen a resolved, false positive, dismissed or closed incident (to pending_review)',
          params: IdParamsSchema,
          body: ReopenBodySchema,
          response: { 200: IncidentSchema, ...errors },
        },
      },
      async (request) =>
        fresh(request.params.id, () =>
          casework.reopen(request.params.id, request.body.reason, caseActor(request), request.body.version),
        ),
    );

    app.post(
      '/incidents/bulk',
      {
        config: decide,
        schema: {
          tags: ['incidents'],
          summary: `One operation on up to ${MAX_BULK_IDS} ids or a list filter (up to 5,000 matches), answered per item`,
          body: BulkBodySchema,
          response: { 200: BulkResultSchema, 400: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (request) => {
        const { ids, filter, ...rest } = request.body;
        if ((ids === undefined) === (filter === undefined)) {
          throw new AppError('VALIDATION_ERROR', 'pass either ids or filter', { fields: ['ids', 'filter'] });
        }
        const by = caseActor(request);
        const result = await casework.bulk(
          { ...rest, ...(ids ? { ids } : { filter: toListQuery(filter!, by.me) }) },
          by,
        );
        for (const r of result.results) if (r.ok) cache.invalidate(r.id);
        return result;
      },
    );

    app.get(
      '/incidents/:id/related',
      {
        config: read,
        schema: {
          tags: ['incidents'],
          summary: 'Incidents sharing an indicator with this one, newest first (at most 20)',
          params: IdParamsSchema,
          response: {
            200: Type.Object({ data: Type.Array(RelatedSchema) }),
            400: ErrorSchema,
            404: ErrorSchema,
          },
        },
      },
      async (request) => ({ data: await casework.related(request.params.id) }),
    );

    app.get(
      '/incidents/export',
      {
        config: read,
        schema: {
          tags: ['incidents'],
          summary: 'Every incident matching the list filters, streamed as CSV or JSON lines (newest first)',
          querystring: ExportQuerySchema,
          response: { 400: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (request, reply) => {
        const { format = 'csv', ...filters } = request.query;
        const rows = casework.exportRows(toListQuery(filters, meOf(request)));
        // The first page is read before the 200: a database failure is still an error answer.
        const first = (await rows.next()).value as IncidentRecord | undefined;
        const lines = format === 'csv' ? csvLines(first, rows) : jsonLines(first, rows);
        return (
          reply
            .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
            .header('content-disposition', `attachment; filename="incidents.${format}"`)
            .header('cache-control', 'no-store')
            // A stream is piped as is (no response schema applies to it).
            .send(Readable.from(lines) as never)
        );
      },
    );
  };
