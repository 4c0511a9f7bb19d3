import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { EmailAnalysisService } from '../../core/email/index.ts';
import type { DetailCache } from '../detail-cache.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema, IdParamsSchema, IncidentSchema, PaginationSchema } from '../schemas.ts';

/** An analysis as JSON (docs/EMAIL-ANALYSIS.md has every field); its findings are listed by code. */
const FindingSchema = Type.Object(
  {
    code: Type.String(),
    severity: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
const EmailAnalysisSchema = Type.Object(
  {
    sha256: Type.String(),
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    verdict: Type.String(),
    findings: Type.Array(FindingSchema),
    summary: Type.Object({}, { additionalProperties: true }),
    authentication: Type.Object({}, { additionalProperties: true }),
    urls: Type.Array(Type.Object({}, { additionalProperties: true })),
    attachments: Type.Array(Type.Object({}, { additionalProperties: true })),
    nested: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
const StoredSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  incident_id: Type.String({ format: 'uuid' }),
  sha256: Type.String(),
  message_id: Type.Union([Type.String(), Type.Null()]),
  subject: Type.Union([Type.String(), Type.Null()]),
  from_address: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  alert_id: Type.Union([Type.String(), Type.Null()]),
  score: Type.Integer(),
  verdict: Type.String(),
  analysis: Type.Object(
    {},
    { additionalProperties: true, description: 'the analysis, as POST /email/analyze returns it' },
  ),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

const errors = { 400: ErrorSchema, 404: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema };

/** Raw message bodies: `message/rfc822` (and `application/octet-stream`, what upload tools send). */
const RAW_TYPES = ['message/rfc822', 'application/octet-stream'];

/**
 * Email analysis routes (docs/EMAIL-ANALYSIS.md). The body is the raw message (`message/rfc822`) or
 * JSON `{ "raw_base64": "…" }`; these routes alone take bodies up to `email.max_bytes` (a third more
 * for base64 JSON), every other route keeps `server.body_limit`.
 */
export const emailRoutes =
  (email: EmailAnalysisService, cache: DetailCache, maxBytes: number): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Scoped to this plugin: no other route accepts a raw message body.
    app.addContentTypeParser(RAW_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const bodyLimit = Math.ceil((maxBytes * 4) / 3) + 4096;

    app.post(
      '/incidents/:id/email',
      {
        bodyLimit,
        config: { permission: 'incidents:write' },
        schema: {
          tags: ['incidents'],
          summary:
            'Analyse a raw email (message/rfc822 body or JSON {raw_base64}) and attach it to the incident as new evidence (stored, indicators added, re-triaged)',
          params: IdParamsSchema,
          response: {
            201: Type.Object({
              analysis: StoredSchema,
              created: Type.Boolean(),
              indicators_added: Type.Integer(),
              incident: IncidentSchema,
              requeued: Type.Boolean(),
              queued: Type.Boolean(),
            }),
            200: Type.Object({
              analysis: StoredSchema,
              created: Type.Boolean(),
              indicators_added: Type.Integer(),
              incident: IncidentSchema,
              requeued: Type.Boolean(),
              queued: Type.Boolean(),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const raw = rawMessage(request.body);
        const out = await email.attach(request.params.id, raw, actorOf(request));
        cache.invalidate(request.params.id);
        return reply.status(out.created ? 201 : 200).send({
          analysis: out.record,
          created: out.created,
          indicators_added: out.indicators_added,
          incident: out.incident,
          requeued: out.requeued_from !== undefined,
          queued: out.queued,
        });
      },
    );

    app.post(
      '/email/analyze',
      {
        bodyLimit,
        config: { permission: 'incidents:write' },
        schema: {
          tags: ['incidents'],
          summary: 'Analyse a raw email and return the findings only (dry run: nothing is stored)',
          response: { 200: EmailAnalysisSchema, 400: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema },
        },
      },
      async (request) => email.analyze(rawMessage(request.body)),
    );

    app.get(
      '/incidents/:id/email-analyses',
      {
        config: { permission: 'incidents:read' },
        schema: {
          tags: ['incidents'],
          summary: 'The email analyses attached to an incident, newest first',
          params: IdParamsSchema,
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
            per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          }),
          response: {
            200: Type.Object({ data: Type.Array(StoredSchema), pagination: PaginationSchema }),
            400: ErrorSchema,
            404: ErrorSchema,
          },
        },
      },
      async (request) => email.list(request.params.id, request.query.page, request.query.per_page),
    );
  };

/** The raw message of a request body: the bytes themselves, or JSON `{raw_base64}` decoded. */
function rawMessage(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const v = (body as Record<string, unknown>)['raw_base64'];
    const keys = Object.keys(body);
    if (typeof v === 'string' && keys.length === 1) {
      const compact = v.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
        throw new AppError('VALIDATION_ERROR', 'raw_base64 is not valid base64', { field: 'raw_base64' });
      }
      return Buffer.from(compact, 'base64');
    }
  }
  throw new AppError(
    'VALIDATION_ERROR',
    'send the raw message as a message/rfc822 body, or JSON {"raw_base64": "<base64 of the message>"}',
    { field: 'raw_base64' },
  );
}
