import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { ActionService } from '../../core/response/action.service.ts';
import { toActionView } from '../../core/response/action.view.ts';
import type { ActionStore } from '../../ports/action-store.port.ts';
import type { IncidentStore } from '../../ports/index.ts';
import { actorOf } from '../plugins/access.ts';
import {
  ActionCreatedSchema,
  ActionListSchema,
  ActionRequestSchema,
  ActionTypeSchema,
  ActionViewSchema,
  ApprovalStatusSchema,
  PageQuery,
} from '../response.schemas.ts';
import { ErrorSchema, IdParamsSchema, UUID_PATTERN } from '../schemas.ts';

export interface ActionRoutesDeps {
  service: ActionService;
  store: ActionStore;
  incidents: Pick<IncidentStore, 'get'>;
}

const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema };

/** Response actions (docs/RESPONSE.md): request one on an incident, list and read them. */
export const actionRoutes =
  (deps: ActionRoutesDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/incidents/:id/actions',
      {
        config: { permission: 'actions:request' },
        schema: {
          tags: ['response'],
          summary: 'Request a response action on an incident: stored with its policy decision',
          params: IdParamsSchema,
          body: ActionRequestSchema,
          response: { 201: ActionCreatedSchema, 403: ErrorSchema, ...errors },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const { action, decision } = await deps.service.request({
          incident_id: request.params.id,
          action_type: b.action_type,
          target: b.target,
          parameters: b.parameters ?? {},
          reason: b.reason,
          ...(b.connector !== undefined ? { connector: b.connector } : {}),
          requested_by: actorOf(request),
        });
        return reply.code(201).send({ action_id: action.id, action: toActionView(action), decision });
      },
    );

    app.get(
      '/incidents/:id/actions',
      {
        config: { permission: 'actions:read' },
        schema: {
          tags: ['response'],
          summary: "An incident's response actions, newest first, with status and decision",
          params: IdParamsSchema,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: ActionListSchema, ...errors },
        },
      },
      async (request) => {
        if (!(await deps.incidents.get(request.params.id)))
          throw new AppError('NOT_FOUND', 'incident not found');
        return list(deps.store, { incident_id: request.params.id, ...pageOf(request.query) });
      },
    );

    app.get(
      '/actions',
      {
        config: { permission: 'actions:read' },
        schema: {
          tags: ['response'],
          summary: 'Response actions, newest first (filters: status, action_type, incident_id)',
          querystring: Type.Object(
            {
              status: Type.Optional(
                Type.Union([Type.Array(ApprovalStatusSchema, { maxItems: 7 }), ApprovalStatusSchema]),
              ),
              action_type: Type.Optional(ActionTypeSchema),
              incident_id: Type.Optional(Type.String({ format: 'uuid', pattern: UUID_PATTERN })),
              ...PageQuery,
            },
            { additionalProperties: false },
          ),
          response: { 200: ActionListSchema, ...errors },
        },
      },
      async (request) => {
        const q = request.query;
        const status = q.status === undefined ? undefined : Array.isArray(q.status) ? q.status : [q.status];
        return list(deps.store, {
          ...(status ? { status } : {}),
          ...(q.action_type ? { action_type: q.action_type } : {}),
          ...(q.incident_id ? { incident_id: q.incident_id } : {}),
          ...pageOf(q),
        });
      },
    );

    app.get(
      '/actions/:id',
      {
        config: { permission: 'actions:read' },
        schema: {
          tags: ['response'],
          summary: 'One response action',
          params: IdParamsSchema,
          response: { 200: ActionViewSchema, ...errors },
        },
      },
      async (request) => {
        const a = await deps.store.get(request.params.id);
        if (!a) throw new AppError('NOT_FOUND', 'action not found');
        return toActionView(a);
      },
    );
  };

export function pageOf(q: { page?: number; per_page?: number }): { page: number; per_page: number } {
  return { page: q.page ?? 1, per_page: q.per_page ?? 50 };
}

export async function list(
  store: ActionStore,
  query: Parameters<ActionStore['list']>[0],
): Promise<{
  data: ReturnType<typeof toActionView>[];
  pagination: { page: number; per_page: number; total_items: number; total_pages: number };
}> {
  const { items, total } = await store.list(query);
  return {
    data: items.map(toActionView),
    pagination: {
      page: query.page,
      per_page: query.per_page,
      total_items: total,
      total_pages: Math.ceil(total / query.per_page),
    },
  };
}
