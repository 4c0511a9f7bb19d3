import { readFileSync } from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Config } from '../config/index.ts';

/** How often Node checks request/headers timeouts (its default of 30 s would double them). */
const TIMEOUT_CHECK_MS = 1000;

/** Node server settings shared by http and https. */
export interface EdgeServerOptions {
  trustProxy: boolean | string[];
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  /** Set when this process terminates TLS (server.tls.cert/key). */
  https?: HttpsServerOptions;
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
}

/**
 * Which peers may speak for the client through X-Forwarded-For/-Proto/-Host: the listed load
 * balancers (`server.trusted_proxies`, IPs or CIDRs); `server.trust_proxy: true` (deprecated)
 * trusts every hop, i.e. anyone can choose their IP for the rate limits.
 */
export function trustProxy(config: Config): boolean | string[] {
  const listed = [...config.server.trusted_proxies];
  return listed.length > 0 ? listed : config.server.trust_proxy;
}

/** The TLS material named by server.tls, read now (a missing file stops start-up naming the key). */
export function tlsOptions(config: Config): HttpsServerOptions | undefined {
  const tls = config.server.tls;
  if (!tls.cert || !tls.key) return undefined;
  const read = (key: 'cert' | 'key' | 'ca', path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(
        `server.tls.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  };
  return {
    cert: read('cert', tls.cert),
    key: read('key', tls.key),
    ...(tls.ca ? { ca: read('ca', tls.ca) } : {}),
    minVersion: 'TLSv1.2',
  };
}

/** Fastify/Node server options from `server.*`: proxies, timeouts, TLS. */
export function edgeServerOptions(config: Config): EdgeServerOptions {
  const s = config.server;
  const http = {
    headersTimeout: s.headers_timeout,
    requestTimeout: s.request_timeout,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
  const https = tlsOptions(config);
  return {
    trustProxy: trustProxy(config),
    requestTimeout: s.request_timeout,
    connectionTimeout: s.connection_timeout,
    keepAliveTimeout: s.keep_alive_timeout,
    http,
    // https.createServer takes the http server settings in the same object.
    ...(https ? { https: { ...https, ...http } } : {}),
  };
}

/** True for a loopback listen address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
