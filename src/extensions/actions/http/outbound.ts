import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import {
  OutboundError,
  type OutboundHttp,
  type OutboundRequest,
  type OutboundResponse,
} from '../../../ports/action-connector.port.ts';

const MAX_BODY = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Where connectors may call (config `response.outbound`). */
export interface OutboundPolicy {
  allowPrivateNetworks: boolean;
  allowHttp: boolean;
  /** Host names (exact, case-insensitive) or CIDRs allowed even when private. */
  allowHosts: readonly string[];
}

/** Addresses no connector may reach unless allowed: private, loopback, link-local, CGNAT, multicast… */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // IPv4-compatible (::a.b.c.d, deprecated) includes :: and ::1; IPv4-mapped is checked as IPv4.
  ['::', 96],
  ['100::', 64],
  // Teredo and 6to4 embed an IPv4 address a relay would reach (2001::/32, 2002::/16).
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True when `address` is private, loopback, link-local or otherwise not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return BLOCKED.check(address, 'ipv4');
}

/** The SSRF-checked outbound HTTP client every connector uses (docs/CONNECTORS.md). */
export class GuardedHttp implements OutboundHttp {
  private readonly allowNames: Set<string>;
  private readonly allowNets = new BlockList();

  constructor(private readonly policy: OutboundPolicy) {
    this.allowNames = new Set();
    for (const h of policy.allowHosts) {
      const cidr = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(h.trim());
      if (cidr && isIP(cidr[1]!)) {
        this.allowNets.addSubnet(cidr[1]!, Number(cidr[2]), isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4');
      } else if (isIP(h.trim())) {
        this.allowNets.addAddress(h.trim(), isIP(h.trim()) === 6 ? 'ipv6' : 'ipv4');
      } else this.allowNames.add(h.trim().toLowerCase());
    }
  }

  async checkUrl(url: string): Promise<void> {
    const u = this.parse(url);
    await this.resolve(u.hostname, u);
  }

  async checkHost(host: string, port: number): Promise<{ address: string; family: 4 | 6 }> {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new OutboundError('BLOCKED_URL', 'port out of range', true);
    return this.resolve(host);
  }

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const u = this.parse(req.url);
    const { address, family } = await this.resolve(u.hostname, u);
    const headers: Record<string, string> = { 'user-agent': 'triage-warden', ...(req.headers ?? {}) };
    let body: string | undefined;
    if (req.body !== undefined) {
      if (typeof req.body === 'string') body = req.body;
      else {
        body = JSON.stringify(req.body);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
    }
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const mod = u.protocol === 'https:' ? https : http;
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      let connected = false;
      const fail = (err: OutboundError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        request.destroy();
        reject(err);
      };
      let request: http.ClientRequest;
      try {
        request = mod.request(
          {
            method: req.method,
            protocol: u.protocol,
            hostname: u.hostname.replace(/^\[|\]$/g, ''),
            port: u.port || undefined,
            path: `${u.pathname}${u.search}`,
            headers:
              body === undefined
                ? headers
                : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
            // The address checked above is the one connected to: DNS cannot answer differently in between.
            lookup: (_host, options, cb) => {
              const all =
                typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
              if (all)
                (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
                  { address, family },
                ]);
              else cb(null, address, family);
            },
            servername: isIP(u.hostname) ? undefined : u.hostname,
            agent: false,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY)
                fail(new OutboundError('TOO_LARGE', 'the answer is larger than 1 MiB', false));
              else chunks.push(c);
            });
            res.on('error', () =>
              fail(new OutboundError('NETWORK', 'the connection broke while reading the answer', false)),
            );
            res.on('end', () => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              req.signal?.removeEventListener('abort', onAbort);
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown;
              if (/json/i.test(String(res.headers['content-type'] ?? '')) || /^\s*[[{]/.test(text)) {
                try {
                  json = JSON.parse(text);
                } catch {
                  json = undefined;
                }
              }
              const flat: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers))
                if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
              resolve({ status: res.statusCode ?? 0, headers: flat, text, json });
            });
          },
        );
      } catch {
        // Node refuses a header value with CR/LF or a bad method before anything is sent.
        settled = true;
        reject(new OutboundError('NETWORK', 'the request could not be built (invalid header)', true));
        return;
      }
      request.on('socket', (s) => s.once('connect', () => (connected = true)));
      request.on('secureConnect', () => (connected = true));
      request.on('error', (e: NodeJS.ErrnoException) =>
        fail(
          new OutboundError(
            'NETWORK',
            `connection failed (${e.code ?? 'error'})`,
            !connected && ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(e.code ?? ''),
          ),
        ),
      );
      const timer = setTimeout(
        () => fail(new OutboundError('TIMEOUT', `no answer within ${timeoutMs} ms`, !connected)),
        timeoutMs,
      );
      const onAbort = () => fail(new OutboundError('ABORTED', 'the call was cancelled', !connected));
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (body !== undefined) request.write(body);
      request.end();
    });
  }

  private parse(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new OutboundError('BLOCKED_URL', 'not a valid URL', true);
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.policy.allowHttp))
      throw new OutboundError(
        'BLOCKED_URL',
        u.protocol === 'http:'
          ? 'plain http is refused (response.outbound.allow_http)'
          : 'only https URLs are allowed',
        true,
      );
    if (u.username || u.password)
      throw new OutboundError('BLOCKED_URL', 'credentials in the URL are refused', true);
    return u;
  }

  private async resolve(hostname: string, _u?: URL): Promise<{ address: string; family: 4 | 6 }> {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!host) throw new OutboundError('BLOCKED_URL', 'no host', true);
    let address: string;
    let family: 4 | 6;
    if (isIP(host)) {
      address = host;
      family = isIP(host) as 4 | 6;
    } else {
      try {
        const r = await dnsLookup(host, { verbatim: true });
        address = r.address;
        family = r.family as 4 | 6;
      } catch {
        throw new OutboundError('NETWORK', 'the host name does not resolve', true);
      }
    }
    if (isNonPublicAddress(address) && !this.allowed(host, address, family))
      throw new OutboundError(
        'BLOCKED_URL',
        'the address is private, loopback or link-local (response.outbound.allow_private_networks / allow_hosts)',
        true,
      );
    return { address, family };
  }

  private allowed(host: string, address: string, family: 4 | 6): boolean {
    if (this.policy.allowPrivateNetworks) return true;
    if (this.allowNames.has(host)) return true;
    return this.allowNets.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
