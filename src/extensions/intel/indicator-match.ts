import { isIPv4, isIPv6 } from 'node:net';
import type { IndicatorType } from '../../contracts/index.ts';
import { normalizeIndicatorValue } from '../../core/indicators/index.ts';

/** An IPv4 network: `base` is the masked address as an unsigned 32-bit integer. */
export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

const HEX = /^[0-9a-f]+$/;
const EMAIL = /^[^@\s]+@([^@\s]+)$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** Guesses an indicator's type from its text; null when it could be several things (a username). */
export function inferIndicatorType(raw: string): IndicatorType | null {
  const value = raw.trim().toLowerCase();
  if (value.includes('://')) return 'url';
  const addr = value.split('/')[0] ?? '';
  if (isIPv4(addr)) return 'ipv4';
  if (isIPv6(addr)) return 'ipv6';
  if (HEX.test(value)) {
    if (value.length === 32) return 'md5';
    if (value.length === 40) return 'sha1';
    if (value.length === 64) return 'sha256';
    return null;
  }
  if (EMAIL.test(value)) return 'email';
  if (DOMAIN.test(value.replace(/^\*\./, '').replace(/\.$/, ''))) return 'domain';
  return null;
}

/**
 * The form both list entries and looked-up indicators are compared in, or null when `raw` is not
 * a valid value of `type`: the shared notation ingest stores indicators in (so `CORP\\jdoe` on a
 * list is `jdoe@corp`, as ingest extracts it), plus `*.` wildcards on list domains. CIDR ranges are
 * not values: see {@link parseIpv4Cidr}. URLs are compared without their fragment.
 */
export function normalizeIndicator(type: IndicatorType, raw: string): string | null {
  const value = type === 'domain' ? raw.trim().replace(/^\*\./, '') : raw;
  const normal = normalizeIndicatorValue(type, value);
  // Fragments never reach the server, so they cannot distinguish two URLs on a blocklist.
  const hash = type === 'url' && normal !== null ? normal.indexOf('#') : -1;
  return hash >= 0 ? normal!.slice(0, hash) : normal;
}

/** Parses `a.b.c.d/n` (the host bits are masked off); null when it is not one. */
export function parseIpv4Cidr(raw: string): Ipv4Cidr | null {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(raw.trim());
  if (!match?.[1] || !match[2]) return null;
  const prefix = Number(match[2]);
  const addr = ipv4ToInt(match[1]);
  if (addr === null || prefix > 32) return null;
  return { base: maskIpv4(addr, prefix), prefix };
}

/** An IPv4 address as an unsigned 32-bit integer, or null. */
export function ipv4ToInt(ip: string): number | null {
  if (!isIPv4(ip)) return null;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** The network part of `addr` for a `/prefix`, unsigned. */
export function maskIpv4(addr: number, prefix: number): number {
  if (prefix === 0) return 0;
  return (addr & (~0 << (32 - prefix))) >>> 0;
}

/** `a.b.evil.com` → `['a.b.evil.com', 'b.evil.com', 'evil.com', 'com']`: the names a domain list may hold. */
export function domainSuffixes(domain: string): string[] {
  const labels = domain.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** The host of a URL, lower-cased, IPv6 without brackets; null when `raw` is not a URL. */
export function urlHost(raw: string): string | null {
  try {
    const host = new URL(raw.trim()).hostname.toLowerCase();
    return host.startsWith('[') ? host.slice(1, -1) : host || null;
  } catch {
    return null;
  }
}

/** The domain of an e-mail address, or null. */
export function emailDomain(email: string): string | null {
  return EMAIL.exec(email)?.[1] ?? null;
}
