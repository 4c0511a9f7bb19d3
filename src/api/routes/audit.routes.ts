import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { AuditFilter, AuditLogStore, AuditQueryStore } from '../../ports/index.ts';
import { ErrorSchema } from '../schemas.ts';
import { exportStream } from './audit-export.ts';

const EntrySchema = Type.Object({
  id: Type.String(),
  seq: Type.String({ description: 'position in the hash chain' }),
  incident_id: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  action: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
  hash: Type.String(),
});

const Filters = {
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  incident_id: Type.Optional(Type.String({ format: 'uuid' })),
  action: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9_.:-]+(\\.\\*)?$',
      description: 'exact (policy.created) or a prefix ending in .* (policy.*)',
    }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'created_at ≥ from' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'created_at < to' })),
};
const ListQuery = Type.Object(
  {
    ...Filters,
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'pagination.next_cursor (any depth); not with page',
      }),
    ),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object(
  {
    ...Filters,
    format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')], { default: 'jsonl' })),
  },
  { additionalProperties: false },
);

const MAX_OFFSET = 10_000;
const read = { permission: 'audit:read' as const };
const tags = ['audit'];

function filterOf(q: Static<typeof ExportQuery>): AuditFilter {
  const date = (s: string | undefined, name: string) => {
    if (s === undefined) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new AppError('VALIDATION_ERROR', `${name} is not a valid date-time`);
    return d;
  };
  const from = date(q.from, 'from');
  const to = date(q.to, 'to');
  return {
    ...(q.actor !== undefined ? { actor: q.actor } : {}),
    ...(q.incident_id !== undefined ? { incident_id: q.incident_id } : {}),
    ...(q.action !== undefined ? { action: q.action } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** The keyset cursor: the last row's seq and the page it opens, opaque to clients. */
function encodeCursor(seq: string, page: number): string {
  return Buffer.from(JSON.stringify({ v: 1, s: seq, p: page })).toString('base64url');
}
function decodeCursor(text: string): { seq: string; page: number } {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      v?: unknown;
      s?: unknown;
      p?: unknown;
    };
    if (
      c.v === 1 &&
      typeof c.s === 'string' &&
      /^\d{1,18}$/.test(c.s) &&
      Number.isInteger(c.p) &&
      (c.p as number) >= 2
    )
      return { seq: c.s, page: c.p as number };
  } catch {
    // reported below
  }
  throw new AppError('INVALID_CURSOR', 'invalid cursor', { hint: 'pass next_cursor exactly as returned' });
}

/** `/audit`: the audit log, filtered, paged and exported; `/audit/verify` checks its chain (docs/AUDIT.md). */
export const auditRoutes =
  (deps: { query: AuditQueryStore; log: AuditLogStore }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/audit',
      {
        config: read,
        schema: {
          tags,
          summary: 'Audit entries, newest first, filtered by actor, incident, action and time',
          querystring: ListQuery,
          response: {
            200: Type.Object({
              data: Type.Array(EntrySchema),
              pagination: Type.Object({
                page: Type.Integer(),
                per_page: Type.Integer(),
                total_items: Type.Integer(),
                total_pages: Type.Integer(),
                next_cursor: Type.Union([Type.String(), Type.Null()]),
              }),
            }),
            400: ErrorSchema,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const perPage = q.per_page ?? 50;
        if (q.cursor !== undefined && q.page !== undefined)
          throw new AppError('VALIDATION_ERROR', 'give page or cursor, not both');
        const cursor = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
        const page = cursor?.page ?? q.page ?? 1;
        if (!cursor && (page - 1) * perPage >= MAX_OFFSET)
          throw new AppError(
            'PAGE_TOO_DEEP',
            `pages past ${MAX_OFFSET} rows need the cursor (pagination.next_cursor)`,
          );
        const r = await deps.query.page(
          filterOf(q),
          { offset: (page - 1) * perPage, ...(cursor ? { beforeSeq: cursor.seq } : {}) },
          perPage,
        );
        const last = r.rows[r.rows.length - 1];
        const more = r.rows.length === perPage && page * perPage < r.total;
        return {
          data: r.rows,
          pagination: {
            page,
            per_page: perPage,
            total_items: r.total,
            total_pages: Math.ceil(r.total / perPage),
            next_cursor: more && last ? encodeCursor(last.seq, page + 1) : null,
          },
        };
      },
    );

    app.get(
      '/audit/export',
      {
        config: read,
        schema: {
          tags,
          summary: 'Every matching entry as JSON lines or CSV, streamed (newest first)',
          querystring: ExportQuery,
          produces: ['application/x-ndjson', 'text/csv'],
        },
      },
      async (request, reply) => {
        const format = request.query.format ?? 'jsonl';
        const filter = filterOf(request.query);
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        reply
          .header(
            'content-type',
            format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          )
          .header('content-disposition', `attachment; filename="audit-${stamp}.${format}"`)
          .header('cache-control', 'no-store');
        return reply.send(exportStream(deps.query, filter, format));
      },
    );

    app.get(
      '/audit/verify',
      {
        config: read,
        schema: {
          tags,
          summary: 'Walk the hash chain: OK, or the first edited, missing or reordered row',
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              rows: Type.Integer(),
              anchor: Type.Object({
                seq: Type.String(),
                prev_hash: Type.String(),
                moved_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
              }),
              head: Type.Object({ seq: Type.String(), hash: Type.String() }),
              problem: Type.Optional(
                Type.Object({
                  kind: Type.String(),
                  seq: Type.String(),
                  id: Type.Union([Type.String(), Type.Null()]),
                  detail: Type.String(),
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const r = await deps.log.verify();
        return {
          ok: r.ok,
          rows: r.rows,
          anchor: {
            seq: r.anchor.seq,
            prev_hash: r.anchor.prevHash,
            moved_at: r.anchor.movedAt ? r.anchor.movedAt.toISOString() : null,
          },
          head: r.head,
          ...(r.problem ? { problem: r.problem } : {}),
        };
      },
    );
  };
