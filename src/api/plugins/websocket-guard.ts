import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { AppError } from '../../contracts/index.ts';

export interface WebSocketGuardOptions {
  /** Extra browser origins allowed (`scheme://host[:port]`); same origin is always allowed. Default []. */
  allowedOrigins: readonly string[];
  /** Open WebSockets per process; 0 = no cap. */
  maxConnections: number;
  /** Open WebSockets per credential (or per IP when anonymous) on this process; 0 = no cap. */
  maxPerCredential: number;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

function originKey(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol] || ''}`;
}

/**
 * Whether a browser page at `origin` may open a WebSocket here. No Origin header: not a browser
 * (CLI, SDK), allowed; its credential is checked as for any request. Otherwise the origin must be
 * listed in `allowed`, or be this server itself: the same host and port as the Host header the
 * browser sent (the scheme is not compared, since TLS may end at a proxy in front of us).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null"
  }
  if (from.origin === 'null') return false;
  for (const entry of allowed) {
    try {
      if (originKey(new URL(entry)) === originKey(from)) return true;
    } catch {
      // an unparsable entry allows nothing
    }
  }
  if (!host) return false;
  try {
    const self = new URL(`${from.protocol}//${host}`);
    return self.hostname === from.hostname && originKey(self) === originKey(from);
  } catch {
    return false;
  }
}

/**
 * Counts open WebSockets per process and per credential; a slot is taken at upgrade and given back
 * when the connection's socket closes (however it ends).
 */
export class WebSocketGate {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(private readonly options: Pick<WebSocketGuardOptions, 'maxConnections' | 'maxPerCredential'>) {}

  get size(): number {
    return this.total;
  }

  /** Takes a slot for `key`, or throws 503 (process full) / 429 (this credential has its share). */
  admit(key: string): () => void {
    const { maxConnections, maxPerCredential } = this.options;
    if (maxConnections > 0 && this.total >= maxConnections)
      throw new AppError('SERVICE_UNAVAILABLE', 'too many WebSocket connections on this server');
    const mine = this.perKey.get(key) ?? 0;
    if (maxPerCredential > 0 && mine >= maxPerCredential)
      throw new AppError(
        'RATE_LIMIT_EXCEEDED',
        `too many WebSocket connections for this credential (at most ${maxPerCredential})`,
      );
    this.total += 1;
    this.perKey.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
    };
  }
}

/**
 * On every WebSocket route: the Origin allow-list first (403 FORBIDDEN at upgrade, so a page on
 * another site cannot ride a logged-in analyst's cookie), then the connection caps once the
 * credential is known. Must be registered before the WebSocket routes.
 */
export function registerWebSocketGuard(app: FastifyInstance, options: WebSocketGuardOptions): WebSocketGate {
  const gate = new WebSocketGate(options);
  const checkOrigin: onRequestHookHandler = (request, _reply, done) => {
    const origin = request.headers.origin;
    if (originAllowed(origin, request.host, options.allowedOrigins)) return done();
    done(new AppError('FORBIDDEN', 'this Origin may not open the stream (server.allowed_origins)'));
  };
  const admit: preHandlerHookHandler = (request, _reply, done) => {
    if (!(request as FastifyRequest & { ws?: boolean }).ws) return done(); // plain HTTP GET: no socket kept
    let release: () => void;
    try {
      release = gate.admit(credentialKey(request));
    } catch (err) {
      return done(err as Error);
    }
    const socket = request.raw.socket;
    if (socket.destroyed) release();
    else socket.once('close', release);
    done();
  };
  app.addHook('onRoute', (route) => {
    if (!route.websocket) return;
    route.onRequest = [checkOrigin, ...toArray(route.onRequest)];
    route.preHandler = [...toArray(route.preHandler), admit];
  });
  return gate;
}

function credentialKey(request: FastifyRequest): string {
  const p = request.principal;
  return p && p.kind !== 'anonymous' ? `${p.kind}:${p.id}` : `ip:${request.ip}`;
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
