import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../contracts/index.ts';

interface RouteEntry {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/v1/incidents/:id` → a RegExp matching concrete paths (params are one segment, `*` the rest). */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((seg) => {
      if (seg === '*') return '.*';
      if (seg.startsWith(':')) return '[^/]+';
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * The routes the app registered, by path: what methods a path takes (for `405` + `Allow`) and which
 * paths are WebSocket endpoints (only they accept an upgrade).
 */
export class RouteTable {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly webSockets = new Set<string>();

  add(url: string, method: string | string[], websocket: boolean): void {
    let entry = this.routes.get(url);
    if (!entry) this.routes.set(url, (entry = { pattern: toPattern(url), methods: new Set() }));
    for (const m of Array.isArray(method) ? method : [method]) entry.methods.add(m.toUpperCase());
    if (websocket) this.webSockets.add(url);
  }

  /** Methods registered for `path` (a concrete path, query removed), sorted; empty when none match. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const { pattern, methods: ms } of this.routes.values()) {
      if (pattern.test(path)) for (const m of ms) methods.add(m);
    }
    return [...methods].sort();
  }

  /** True when `routeUrl` (a route template) serves a WebSocket. */
  isWebSocket(routeUrl: string | undefined): boolean {
    return routeUrl !== undefined && this.webSockets.has(routeUrl);
  }
}

/** True for an HTTP/1.1 upgrade request (Node hands these to the server's `upgrade` event). */
function isUpgrade(request: FastifyRequest): boolean {
  const { upgrade, connection } = request.raw.headers;
  return typeof upgrade === 'string' && /\bupgrade\b/i.test(connection ?? '');
}

/**
 * Records every route in a {@link RouteTable} and refuses an upgrade anywhere but a WebSocket route:
 * 404 NOT_FOUND at once, and the socket is destroyed once the answer is written (without this a
 * plain route such as `/live` completes the handshake and holds the socket until the close times out).
 * Register before any route and before the WebSocket plugin.
 */
export function registerRouting(app: FastifyInstance): RouteTable {
  const table = new RouteTable();
  app.addHook('onRoute', (route) => {
    table.add(route.url, route.method, Boolean((route as { websocket?: boolean }).websocket));
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!isUpgrade(request)) return done();
    // Any answer written to an upgrade request ends its socket: there is no HTTP exchange after it.
    reply.raw.once('finish', () => {
      const socket = request.raw.socket as { destroy?: () => void } | undefined;
      if (typeof socket?.destroy === 'function') socket.destroy();
    });
    if (request.is404 || table.isWebSocket(request.routeOptions.url)) return done();
    done(new AppError('NOT_FOUND', 'no WebSocket endpoint at this path; the event stream is /api/v1/stream'));
  });
  return table;
}
