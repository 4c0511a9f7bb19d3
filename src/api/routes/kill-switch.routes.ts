import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { KillSwitchService } from '../../core/response/kill-switch.service.ts';
import type { KillSwitchState } from '../../ports/index.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema } from '../schemas.ts';

const KillSwitchSchema = Type.Object({
  active: Type.Boolean({
    description: 'true: no automated response action starts (ingestion and triage go on)',
  }),
  reason: Type.Union([Type.String(), Type.Null()]),
  changed_by: Type.Union([Type.String(), Type.Null()]),
  changed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const ChangeSchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 1000, description: 'why (recorded in the audit log)' }) },
  { additionalProperties: false },
);

const view = (s: KillSwitchState) => ({
  active: s.active,
  reason: s.reason,
  changed_by: s.changedBy,
  changed_at: s.changedAt ? s.changedAt.toISOString() : null,
});

const changed = Type.Object({
  kill_switch: KillSwitchSchema,
  changed: Type.Boolean({ description: 'false when it already was in that state (nothing recorded)' }),
});

/** The kill switch (docs/RESPONSE.md). */
export const killSwitchRoutes =
  (killSwitch: KillSwitchService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/kill-switch',
      {
        config: { permission: 'kill_switch:read' },
        schema: {
          tags: ['response'],
          summary: 'The kill switch: whether automated response actions are stopped',
          response: { 200: KillSwitchSchema, 503: ErrorSchema },
        },
      },
      // The stored state, not this process's cached view: what an operator reads is durable.
      async () => view(await killSwitch.refresh()),
    );

    for (const [verb, permission] of [
      ['activate', 'kill_switch:activate'],
      ['deactivate', 'kill_switch:deactivate'],
    ] as const) {
      app.post(
        `/kill-switch/${verb}`,
        {
          config: { permission },
          schema: {
            tags: ['response'],
            summary:
              verb === 'activate'
                ? 'Stop every automated response action (admin, analyst); effective on every process within a second'
                : 'Allow automated response actions again (admin only)',
            body: ChangeSchema,
            response: { 200: changed, 400: ErrorSchema, 503: ErrorSchema },
          },
        },
        async (request) => {
          const r =
            verb === 'activate'
              ? await killSwitch.activate(request.body.reason, actorOf(request))
              : await killSwitch.deactivate(request.body.reason, actorOf(request));
          return { kill_switch: view(r.state), changed: r.changed };
        },
      );
    }
  };
