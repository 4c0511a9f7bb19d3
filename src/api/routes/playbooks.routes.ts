import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import { MAX_PLAYBOOK_BYTES } from '../../core/playbooks/playbook.compiler.ts';
import type { PlaybookService } from '../../core/playbooks/playbook.service.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema } from '../schemas.ts';

const PlaybookErrorSchema = Type.Object({
  file: Type.String(),
  line: Type.Integer({ description: '1-based; 0 for the whole document' }),
  column: Type.Integer(),
  field: Type.String({ description: 'dotted path, e.g. stages[1].steps[0].when[0].op' }),
  message: Type.String(),
});

const ViewFields = {
  name: Type.String(),
  version: Type.Integer(),
  enabled: Type.Boolean(),
  priority: Type.Integer(),
  description: Type.String(),
  origin: Type.String({ description: 'builtin, file:<path> or api' }),
  builtin: Type.Boolean({
    description: 'shipped with Triage Warden: can be edited and disabled, not deleted',
  }),
  fallback: Type.Boolean({
    description: 'drives incidents no other playbook matches: can be edited, not disabled or deleted',
  }),
  valid: Type.Boolean({
    description: 'false when the stored document no longer compiles (selection skips it)',
  }),
  errors: Type.Optional(Type.Array(PlaybookErrorSchema)),
  trigger: Type.Optional(
    Type.Unknown({
      description: 'sources, incident_types, min_severity, conditions (empty: every incident)',
    }),
  ),
  sla: Type.Optional(
    Type.Object({
      time_to_triage_ms: Type.Optional(Type.Integer()),
      time_to_respond_ms: Type.Optional(Type.Integer()),
    }),
  ),
  created_at: Type.String(),
  updated_at: Type.String(),
  updated_by: Type.String(),
};
const PlaybookSchema = Type.Object(ViewFields);
const PlaybookDetailSchema = Type.Object({
  ...ViewFields,
  yaml: Type.String({ description: 'the document as stored' }),
  definition: Type.Optional(Type.Unknown({ description: 'the compiled form the pipeline runs' })),
});

const Name = Type.Object({ name: Type.String({ maxLength: 64 }) });
/** A YAML body (application/yaml, text/yaml) or JSON `{ "yaml": "…" }`. */
const YamlBody = Type.Union(
  [
    Type.String({ maxLength: MAX_PLAYBOOK_BYTES }),
    Type.Object(
      {
        yaml: Type.String({ maxLength: MAX_PLAYBOOK_BYTES }),
        expected_version: Type.Optional(
          Type.Integer({
            minimum: 1,
            description: 'PUT only: refuse (409) unless this is the stored version',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'the playbook as YAML (Content-Type application/yaml) or JSON {"yaml": "…"}' },
);
const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'];
const consumes = ['application/json', ...YAML_TYPES];
const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const tags = ['playbooks'];
const read = { permission: 'playbooks:read' as const };
const manage = { permission: 'playbooks:manage' as const };

function yamlOf(body: unknown): { yaml: string; expectedVersion?: number } {
  const b = body as string | { yaml: string; expected_version?: number };
  const yaml = typeof b === 'string' ? b : b.yaml;
  // PostgreSQL text holds no NUL; a YAML body does not go through the JSON cleaning.
  if (yaml.includes('\u0000')) throw new AppError('BAD_REQUEST', 'the document contains a NUL character');
  return {
    yaml,
    ...(typeof b === 'object' && b.expected_version !== undefined
      ? { expectedVersion: b.expected_version }
      : {}),
  };
}

/**
 * `/playbooks`: playbooks as YAML documents stored in the database (docs/PLAYBOOKS.md). Every change
 * is written to the audit log in its transaction and announced as `playbook_changed`.
 */
export const playbookRoutes =
  (playbooks: PlaybookService): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Scoped to these routes: a YAML body arrives as the string it is.
    app.addContentTypeParser(
      YAML_TYPES,
      { parseAs: 'string', bodyLimit: MAX_PLAYBOOK_BYTES + 1024 },
      (_request, body, done) => done(null, body),
    );
    const logChange = (request: Parameters<typeof actorOf>[0], change: string, name: string) =>
      request.log.info({ actor: actorOf(request), change, playbook: name }, 'playbook changed');

    app.get(
      '/playbooks',
      {
        config: read,
        schema: {
          tags,
          summary: 'Every playbook (enabled or not), by name',
          response: { 200: Type.Object({ data: Type.Array(PlaybookSchema) }) },
        },
      },
      async () => ({ data: await playbooks.list() }),
    );

    app.get(
      '/playbooks/:name',
      {
        config: read,
        schema: { tags, params: Name, response: { 200: PlaybookDetailSchema, 404: ErrorSchema } },
      },
      async (request) => playbooks.get(request.params.name),
    );

    app.get(
      '/playbooks/:name/versions',
      {
        config: read,
        schema: {
          tags,
          summary: 'Earlier documents of a playbook, newest first',
          params: Name,
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
          response: {
            200: Type.Object({
              data: Type.Array(
                Type.Object({
                  version: Type.Integer(),
                  change: Type.String(),
                  at: Type.String(),
                  by: Type.String(),
                  yaml: Type.String(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const rows = await playbooks.versions(request.params.name, request.query.limit);
        return {
          data: rows.map((v) => ({
            version: v.version,
            change: v.change,
            at: v.at.toISOString(),
            by: v.by,
            yaml: v.source,
          })),
        };
      },
    );

    app.post(
      '/playbooks/validate',
      {
        // A dry run stores nothing: whoever may read playbooks may check one before proposing it.
        config: read,
        schema: {
          tags,
          summary: 'Dry run: the compiled playbook, or every error with line and field; nothing is stored',
          consumes,
          body: YamlBody,
          response: {
            200: Type.Object({
              valid: Type.Boolean(),
              errors: Type.Optional(Type.Array(PlaybookErrorSchema)),
              definition: Type.Optional(Type.Unknown()),
            }),
            400: ErrorSchema,
          },
        },
      },
      async (request) => {
        const result = playbooks.validate(yamlOf(request.body).yaml);
        return result.ok
          ? { valid: true, definition: result.definition }
          : { valid: false, errors: result.errors };
      },
    );

    app.post(
      '/playbooks',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Create a playbook from YAML (400 INVALID_PLAYBOOK lists every error with line and field)',
          consumes,
          body: YamlBody,
          response: { 201: PlaybookDetailSchema, ...errors },
        },
      },
      async (request, reply) => {
        const created = await playbooks.create(yamlOf(request.body).yaml, actorOf(request));
        logChange(request, 'created', created.name);
        return reply.status(201).send(created);
      },
    );

    app.put(
      '/playbooks/:name',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Replace a playbook (same name; version + 1)',
          consumes,
          params: Name,
          body: YamlBody,
          response: { 200: PlaybookDetailSchema, ...errors },
        },
      },
      async (request) => {
        const { yaml, expectedVersion } = yamlOf(request.body);
        const updated = await playbooks.replace(request.params.name, yaml, actorOf(request), expectedVersion);
        logChange(request, 'replaced', updated.name);
        return updated;
      },
    );

    for (const [action, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(
        `/playbooks/:name/${action}`,
        {
          config: manage,
          schema: {
            tags,
            summary: enabled ? 'Enable a playbook' : 'Disable a playbook (the fallback cannot be disabled)',
            params: Name,
            response: { 200: PlaybookSchema, ...errors },
          },
        },
        async (request) => {
          const view = await playbooks.setEnabled(request.params.name, enabled, actorOf(request));
          logChange(request, action, view.name);
          return view;
        },
      );
    }

    app.delete(
      '/playbooks/:name',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Delete a playbook created through the API (built-in and folder ones: 409, disable them)',
          params: Name,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await playbooks.remove(request.params.name, actorOf(request));
        logChange(request, 'deleted', request.params.name);
        return reply.status(204).send(null);
      },
    );
  };
