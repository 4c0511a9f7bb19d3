import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import { MAX_VIEWS_PER_OWNER } from '../../core/incidents/casework.rules.ts';
import type { SavedViewStore } from '../../ports/index.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema, ListFilterProperties } from '../schemas.ts';
import { SavedViewSchema, ViewBodySchema, ViewIdParamsSchema, ViewPatchSchema } from './casework.schemas.ts';

/** The list parameters a view may keep (filters, sort, order, page size; never a cursor or page). */
const VIEW_KEYS = new Set([...Object.keys(ListFilterProperties), 'sort', 'order', 'per_page']);

function checkQuery(query: Record<string, string> | undefined): void {
  if (!query) return;
  const bad = Object.keys(query).filter((k) => !VIEW_KEYS.has(k));
  if (bad.length) {
    throw new AppError(
      'VALIDATION_ERROR',
      `query holds ${bad.length} key(s) the incident list does not take`,
      {
        allowed: [...VIEW_KEYS],
      },
    );
  }
}

const notFound = (id: string) => new AppError('NOT_FOUND', `view ${id} not found`);
const duplicate = () => new AppError('CONFLICT', 'you already have a view of that name');

/** Saved list views, per user: each caller sees and changes only its own (docs/CASEWORK.md). */
export const viewRoutes =
  (views: SavedViewStore): FastifyPluginAsyncTypebox =>
  async (app) => {
    const config = { permission: 'incidents:read' as const };
    const tags = ['incidents'];

    app.get(
      '/views',
      {
        config,
        schema: {
          tags,
          summary: 'Your saved incident-list views',
          response: { 200: Type.Object({ data: Type.Array(SavedViewSchema) }) },
        },
      },
      async (request) => ({ data: await views.list(actorOf(request)) }),
    );

    app.post(
      '/views',
      {
        config,
        schema: {
          tags,
          summary: `Save a view (a name and list parameters; at most ${MAX_VIEWS_PER_OWNER} per user)`,
          body: ViewBodySchema,
          response: { 201: SavedViewSchema, 400: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        checkQuery(request.body.query);
        const created = await views.create(
          actorOf(request),
          { id: randomUUID(), name: request.body.name.trim(), query: request.body.query },
          MAX_VIEWS_PER_OWNER,
        );
        if (created === 'duplicate') throw duplicate();
        if (created === 'full') {
          throw new AppError('CONFLICT', `you have ${MAX_VIEWS_PER_OWNER} views already; delete one first`);
        }
        return reply.status(201).send(created);
      },
    );

    app.put(
      '/views/:id',
      {
        config,
        schema: {
          tags,
          summary: 'Rename a view or change its parameters',
          params: ViewIdParamsSchema,
          body: ViewPatchSchema,
          response: { 200: SavedViewSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request) => {
        checkQuery(request.body.query);
        const { name, query } = request.body;
        const updated = await views.update(actorOf(request), request.params.id, {
          ...(name !== undefined ? { name: name.trim() } : {}),
          ...(query !== undefined ? { query } : {}),
        });
        if (updated === 'duplicate') throw duplicate();
        if (!updated) throw notFound(request.params.id);
        return updated;
      },
    );

    app.delete(
      '/views/:id',
      {
        config,
        schema: {
          tags,
          summary: 'Delete a view',
          params: ViewIdParamsSchema,
          response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!(await views.remove(actorOf(request), request.params.id))) throw notFound(request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
