import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Approver } from '../../core/response/approval-levels.ts';
import type { ActionService } from '../../core/response/action.service.ts';
import { toActionView } from '../../core/response/action.view.ts';
import type { ActionStore } from '../../ports/action-store.port.ts';
import { actorOf, type Principal } from '../plugins/access.ts';
import {
  ActionListSchema,
  ActionTypeSchema,
  ActionViewSchema,
  ApprovalLevelSchema,
  DecisionCommentSchema,
  PageQuery,
} from '../response.schemas.ts';
import { ErrorSchema, IdParamsSchema } from '../schemas.ts';
import { list, pageOf } from './actions.routes.ts';

/**
 * The approval level a caller holds (docs/RESPONSE.md): a user's own level; an admin API key (the
 * configured one or a key of role admin) counts as manager and is exempt from four eyes; any other
 * key, or a caller without an identity (route tests), as analyst.
 */
export function approverOf(principal: Principal, actor: string): Approver {
  if (principal.kind === 'user')
    return { actor, level: principal.approvalLevel ?? 'analyst', adminKey: false };
  const admin = principal.kind === 'api_key' && principal.role === 'admin';
  return { actor, level: admin ? 'manager' : 'analyst', adminKey: admin };
}

/** Approvals (docs/RESPONSE.md): the pending list, approve and deny with a comment. */
export const approvalRoutes =
  (deps: { service: ActionService; store: ActionStore }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/approvals',
      {
        config: { permission: 'actions:read' },
        schema: {
          tags: ['response'],
          summary:
            'Actions waiting for approval, newest first (level, action_type; mine=true: the levels you may approve)',
          querystring: Type.Object(
            {
              level: Type.Optional(ApprovalLevelSchema),
              action_type: Type.Optional(ActionTypeSchema),
              mine: Type.Optional(Type.Boolean({ default: false })),
              ...PageQuery,
            },
            { additionalProperties: false },
          ),
          response: { 200: ActionListSchema, 400: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (request) => {
        const q = request.query;
        const held = approverOf(request.principal, actorOf(request)).level;
        return list(deps.store, {
          status: ['pending'],
          ...(q.action_type ? { action_type: q.action_type } : {}),
          ...(q.level ? { approval_level: q.level } : {}),
          ...(q.mine ? { max_level: held } : {}),
          ...pageOf(q),
        });
      },
    );

    for (const verb of ['approve', 'deny'] as const) {
      app.post(
        `/approvals/:id/${verb}`,
        {
          config: { permission: 'approvals:decide' },
          schema: {
            tags: ['response'],
            summary:
              verb === 'approve'
                ? 'Approve a pending action (your approval level must meet its rule; not your own request)'
                : 'Deny a pending action (your approval level must meet its rule)',
            params: IdParamsSchema,
            body: Type.Optional(DecisionCommentSchema),
            response: {
              200: ActionViewSchema,
              400: ErrorSchema,
              403: ErrorSchema,
              404: ErrorSchema,
              409: ErrorSchema,
              503: ErrorSchema,
            },
          },
        },
        async (request) => {
          const approver = approverOf(request.principal, actorOf(request));
          const comment = request.body?.comment?.trim() || null;
          const done =
            verb === 'approve'
              ? await deps.service.approve(request.params.id, approver, comment)
              : await deps.service.deny(request.params.id, approver, comment);
          return toActionView(done);
        },
      );
    }
  };
