import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DASHBOARD_PATHS } from '../../contracts/dashboard.ts';
import { DASHBOARD_CSP } from '../security-headers.ts';

/** web/dist from src/api/routes (and from dist/api/routes once compiled): three levels up. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The dashboard's page paths (src/contracts/dashboard.ts, shared with the browser's router). Each
 * answers index.html and the browser-side router shows the page. Listed rather than a catch-all: a
 * `GET /*` would turn every unknown path into a page and every other method on it into a 405, API
 * paths included.
 */
export const DASHBOARD_PAGES = DASHBOARD_PATHS;

export interface DashboardOptions {
  /** The built dashboard (`npm run build:web`). Default: web/dist of this checkout. */
  root?: string;
  /** Told once when the build is missing. */
  warn?: (message: string) => void;
}

/**
 * Serves the built dashboard at `/`: the page paths and `/assets/*`, with the dashboard's CSP.
 * Permission `public` covers the static files only; every datum comes from authenticated API calls.
 * Registered at the root, beside /api/v1, /live, /ready, /metrics and /docs, which it never shadows.
 */
export const dashboardRoutes =
  (options: DashboardOptions = {}): FastifyPluginAsync =>
  async (app) => {
    const root = options.root ?? DASHBOARD_DIST;
    const built = existsSync(`${root}/index.html`);
    if (!built) options.warn?.(`dashboard not built (no ${root}index.html): run npm run build:web`);
    await app.register(fastifyStatic, { root, serve: false, index: false, dotfiles: 'deny' });
    const headers = (reply: FastifyReply) =>
      reply.header('content-security-policy', DASHBOARD_CSP).header('x-frame-options', 'DENY');
    const route = { config: { permission: 'public' as const }, schema: { hide: true } };

    for (const path of DASHBOARD_PAGES) {
      app.get(path, route, async (_request, reply) => {
        if (!built)
          return reply
            .status(503)
            .type('text/plain; charset=utf-8')
            .send(
              'The dashboard is not built on this server: run `npm run build:web`. The API is at /api/v1.',
            );
        // The page shell changes with each build: always revalidated.
        return headers(reply)
          .header('cache-control', 'no-cache')
          .sendFile('index.html', { cacheControl: false });
      });
    }
    app.get('/assets/*', route, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      // Vite names assets by content hash: a given URL never changes.
      return headers(reply).sendFile(`assets/${file}`, { maxAge: '365d', immutable: true });
    });
  };
