import { Type } from 'typebox';
import { Duration, Obj } from './schema.parts.ts';

/** `server.*`: listening, request limits and timeouts, TLS, WebSocket caps, caches, shutdown. */
export const ServerConfigSchema = Obj({
  host: Type.String({
    default: '127.0.0.1',
    description: 'listen address (loopback by default; containers set 0.0.0.0 explicitly)',
  }),
  port: Type.Integer({
    default: 8080,
    minimum: 0,
    maximum: 65535,
    description: 'listen port (0 picks a free one); orchestrators serve /live /ready /metrics on it',
  }),
  /** Largest request body accepted, bytes (PAYLOAD_TOO_LARGE beyond). */
  body_limit: Type.Integer({
    default: 1_048_576,
    minimum: 1024,
    description: 'largest request body, bytes (413 PAYLOAD_TOO_LARGE beyond)',
  }),
  trust_proxy: Type.Boolean({ default: false, description: 'trust X-Forwarded-* from a load balancer' }),
  /** How long an API process may serve a cached incident detail; events invalidate it sooner. */
  detail_cache_ttl: Duration(
    '2s',
    'longest a cached GET /incidents/:id body is served (every change event drops it at once; 0 = off)',
  ),
  detail_cache_entries: Type.Integer({
    default: 10_000,
    minimum: 0,
    description: 'incident details cached per API process (0 = off)',
  }),
  /** Time a SIGTERM gives in-flight work before the process exits. */
  shutdown_grace: Duration('20s', 'grace period on SIGTERM'),
  /** After SIGTERM, /ready answers 503 this long before the listener closes, so load balancers drain us first. */
  drain_delay: Duration('0s', 'pause between /ready turning 503 and closing the listener'),
  /**
   * Names this instance in logs, metrics and audit (default: hostname-pid). Leader election uses it
   * as the start of a holder id that is unique per process start (`<instance_id>-<pid>-<random>`).
   */
  instance_id: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'this instance in logs, metrics and audit (default hostname-pid); the leader-election id adds -<pid>-<random>',
    }),
  ),
  trusted_proxies: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'load balancers (IPs or CIDRs) whose X-Forwarded-For/-Proto/-Host count; nobody else can set the client IP (env: comma list)',
  }),
  allowed_origins: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'browser Origins allowed to open the WebSocket stream, e.g. https://soc.example.com (same origin is always allowed; clients without Origin are not browsers and pass; env: comma list)',
  }),
  max_websocket_connections: Type.Integer({
    default: 1000,
    minimum: 0,
    description: 'WebSocket connections per process; beyond, the upgrade answers 503 (0 = no cap)',
  }),
  max_websockets_per_credential: Type.Integer({
    default: 20,
    minimum: 0,
    description: 'WebSocket connections per API key / user / IP on this process; beyond, 429 (0 = no cap)',
  }),
  request_timeout: Duration(
    '20s',
    'longest time to receive a whole request (headers and body), checked every second; slower clients get 408 and are cut (0 = none)',
  ),
  headers_timeout: Duration('10s', 'longest time to receive the request headers (at most request_timeout)'),
  keep_alive_timeout: Duration(
    '72s',
    'idle keep-alive connections close after this (keep it above the load balancer idle timeout)',
  ),
  connection_timeout: Duration(
    '0s',
    'idle socket timeout (0 = none; keep_alive_timeout covers idle connections)',
  ),
  docs: Type.Union(
    [Type.Literal('auto'), Type.Literal('public'), Type.Literal('authenticated'), Type.Literal('off')],
    {
      default: 'auto',
      description:
        '/docs (Swagger UI): public, authenticated (any valid credential) or off; auto = public for embedded mode bound to loopback, else authenticated',
    },
  ),
  tls: Obj(
    {
      cert: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'PEM certificate (chain) file: set with key to serve HTTPS itself',
        }),
      ),
      key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file' })),
      ca: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'PEM file of extra CA/intermediate certificates for the chain',
        }),
      ),
    },
    'terminate TLS in this process (single-process installs); in a cluster, TLS usually ends at the ingress',
  ),
  /** The cluster registry (docs/DASHBOARD.md "Cluster"): each process upserts its row and load this often. */
  heartbeat_interval: Duration(
    '10s',
    'how often this process writes its row and load to the cluster registry (GET /api/v1/cluster); a row unseen for 3 intervals shows as stale',
  ),
});
