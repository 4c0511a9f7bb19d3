import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACTION_TYPES, type ActionType } from '../../contracts/index.ts';
import type { ConnectorPut, ConnectorService } from '../../core/response/connectors.service.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema } from '../schemas.ts';

const ActionTypeSchema = Type.Unsafe<ActionType>({ type: 'string', enum: [...ACTION_TYPES] });
const Open = Type.Object({}, { additionalProperties: true });

const ConnectorSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  enabled: Type.Boolean(),
  action_types: Type.Array(ActionTypeSchema),
  config: Open,
  secrets_set: Type.Array(Type.String(), {
    description: 'names of the stored credentials (values never leave the server)',
  }),
  dry_run: Type.Boolean(),
  version: Type.Integer(),
  updated_at: Type.String({ format: 'date-time' }),
  updated_by: Type.String(),
});

const Field = Type.Object({ name: Type.String(), required: Type.Boolean(), description: Type.String() });
const KindSchema = Type.Object({
  kind: Type.String(),
  title: Type.String(),
  action_types: Type.Array(ActionTypeSchema),
  settings: Type.Array(
    Type.Object({
      name: Type.String(),
      required: Type.Boolean(),
      description: Type.String(),
      default: Type.Optional(Type.Unknown()),
    }),
  ),
  secrets: Type.Array(Field),
});

const Name = Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64 }) });

const PutBody = Type.Object(
  {
    kind: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'GET /api/v1/connectors/kinds lists them',
    }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    action_types: Type.Optional(
      Type.Array(ActionTypeSchema, {
        minItems: 1,
        maxItems: 32,
        description: 'default: every type of the kind',
      }),
    ),
    config: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'non-secret settings' }),
    ),
    secrets: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 64 }),
        Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()]),
        {
          description: 'credentials to set (null removes one); names not given keep their stored value',
        },
      ),
    ),
    dry_run: Type.Optional(
      Type.Boolean({ default: false, description: 'only build and record vendor requests' }),
    ),
  },
  { additionalProperties: false },
);

const TestResult = Type.Object({ ok: Type.Boolean(), message: Type.String(), details: Type.Optional(Open) });

const tags = ['response'];
const read = { permission: 'connectors:read' as const };
const manage = { permission: 'connectors:manage' as const };

/** `/connectors` (docs/CONNECTORS.md): configured action connectors; credentials are write-only. */
export const connectorRoutes =
  (connectors: ConnectorService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/connectors/kinds',
      {
        config: read,
        schema: {
          tags,
          summary: 'Every connector kind: its settings, credential names and action types',
          response: { 200: Type.Object({ data: Type.Array(KindSchema) }) },
        },
      },
      async () => ({ data: connectors.kinds() }),
    );

    app.get(
      '/connectors',
      {
        config: read,
        schema: {
          tags,
          summary: 'Configured connectors (no credential values)',
          response: { 200: Type.Object({ data: Type.Array(ConnectorSchema) }) },
        },
      },
      async () => ({ data: await connectors.list() }),
    );

    app.get(
      '/connectors/:name',
      { config: read, schema: { tags, params: Name, response: { 200: ConnectorSchema, 404: ErrorSchema } } },
      async (request) => connectors.get(request.params.name),
    );

    app.put(
      '/connectors/:name',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Create or replace a connector; credentials not given keep their stored value',
          params: Name,
          body: PutBody,
          response: { 200: ConnectorSchema, 201: ConnectorSchema, 400: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const body = request.body as ConnectorPut;
        const r = await connectors.put(request.params.name, body, actorOf(request));
        return reply.status(r.created ? 201 : 200).send(r.connector);
      },
    );

    app.delete(
      '/connectors/:name',
      {
        config: manage,
        schema: { tags, params: Name, response: { 204: Type.Null(), 404: ErrorSchema } },
      },
      async (request, reply) => {
        await connectors.delete(request.params.name, actorOf(request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/connectors/:name/test',
      {
        config: manage,
        schema: {
          tags,
          summary: "Run the connector's harmless check against its vendor (a vendor failure is ok: false)",
          params: Name,
          response: { 200: TestResult, 404: ErrorSchema },
        },
      },
      async (request) => connectors.test(request.params.name),
    );
  };
