import { BlockList, isIP } from 'node:net';
import type { ActionTarget } from '../../../contracts/index.ts';

/**
 * How targets are compared with the patterns of a policy (docs/POLICY.md "Matching targets"). A
 * value is normalised before any comparison (Unicode NFKC, lower case, surrounding and inner
 * whitespace removed, trailing dots dropped), so `" DC-01 "`, `dc-01.` and `ＤＣ-01` are the same host;
 * a host name also matches by its first label, so `dc-01.corp.local` is caught by `DC-*`.
 */
export function normalise(value: string): string {
  return (
    value
      .normalize('NFKC')
      .toLowerCase()
      // eslint-disable-next-line no-control-regex -- control characters and whitespace are noise here
      .replace(/[\s\u0000-\u001f\u007f\u200b-\u200d\ufeff]+/g, '')
      .replace(/\.+$/, '')
  );
}

/** Something a normalised value is tested against. */
export interface Matcher {
  test(value: string): boolean;
}

/**
 * A case-insensitive glob (`*` any run of characters, `?` one character), anchored at both ends.
 * Matched by the two-pointer wildcard algorithm, not a RegExp: O(pattern × value) at worst, so an
 * author's `*a*a*a*b` cannot make a long hostile target value hang the decision.
 */
export function compileGlob(glob: string): Matcher {
  const p = normalise(glob).replace(/\*+/g, '*');
  return {
    test(v: string): boolean {
      let i = 0;
      let j = 0;
      let star = -1;
      let mark = 0;
      while (i < v.length) {
        if (j < p.length && (p[j] === '?' || (p[j] !== '*' && p[j] === v[i]))) {
          i += 1;
          j += 1;
        } else if (j < p.length && p[j] === '*') {
          star = j;
          mark = i;
          j += 1;
        } else if (star >= 0) {
          j = star + 1;
          mark += 1;
          i = mark;
        } else return false;
      }
      while (j < p.length && p[j] === '*') j += 1;
      return j === p.length;
    },
  };
}

/** The forms of a host name a pattern is tried against: the whole name and, for an FQDN, its first label. */
export function hostForms(value: string): string[] {
  let v = normalise(value);
  // `\\DC-01\share`, `CORP\DC-01$` (a computer account): the host is the part after the domain.
  v = v.replace(/^\\\\/, '').split('\\').filter(Boolean).pop() ?? v;
  v = v.replace(/\$$/, '');
  if (isIP(v) || !v.includes('.')) return [v];
  return [v, v.slice(0, v.indexOf('.'))];
}

/** The forms of an account name: as given, the local part of `user@domain`, the name of `DOMAIN\user`. */
export function userForms(value: string): string[] {
  const v = normalise(value);
  const out = new Set([v]);
  const at = v.lastIndexOf('@');
  if (at > 0) out.add(v.slice(0, at));
  const slash = v.lastIndexOf('\\');
  if (slash >= 0 && slash < v.length - 1) out.add(v.slice(slash + 1));
  return [...out];
}

/**
 * The domain a target names: a domain, a URL's host, an e-mail address's domain; undefined otherwise.
 * Hosts and user accounts are left to the host and user lists: a protected domain of our own must not
 * stop the isolation of every host or the suspension of every account in it.
 */
export function domainOf(target: ActionTarget): string | undefined {
  const v = normalise(target.value);
  switch (target.type) {
    case 'domain':
      return v || undefined;
    case 'email': {
      const at = v.lastIndexOf('@');
      return at >= 0 ? v.slice(at + 1).replace(/>$/, '') || undefined : undefined;
    }
    case 'url': {
      try {
        return normalise(new URL(v.includes('://') ? v : `http://${v}`).hostname) || undefined;
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** True when `domain` is `entry` or one of its subdomains (entry may be a glob such as `*.corp.*`). */
export function domainMatches(entry: Matcher | string, domain: string): boolean {
  if (typeof entry !== 'string') return entry.test(domain);
  return domain === entry || domain.endsWith(`.${entry}`);
}

/** An address or a network; IPv4-mapped IPv6 addresses are read as the IPv4 address they carry. */
export interface Net {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`; undefined when it is not one. */
export function parseNet(text: string): Net | undefined {
  const s = normalise(text).replace(/^\[|\]$/g, '');
  const slash = s.indexOf('/');
  let address = slash >= 0 ? s.slice(0, slash) : s;
  const prefixText = slash >= 0 ? s.slice(slash + 1) : undefined;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  let family = isIP(address);
  if (!family) return undefined;
  let prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
  const mapped = family === 6 ? /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address) : null;
  if (mapped && isIP(mapped[1]!) === 4) {
    address = mapped[1]!;
    family = 4;
    prefix = prefixText === undefined ? 32 : prefix - 96;
    if (prefix < 0) return undefined;
  }
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of networks; `overlaps` is true when a target address or network shares any address with it. */
export class NetSet {
  private readonly list = new BlockList();
  private readonly nets: Net[] = [];

  add(net: Net): void {
    this.list.addSubnet(net.address, net.prefix, net.family);
    this.nets.push(net);
  }

  overlaps(target: Net): boolean {
    if (this.list.check(target.address, target.family)) return true;
    if (target.prefix === (target.family === 'ipv4' ? 32 : 128)) return false;
    // A target network (block 0.0.0.0/0) overlaps a protected one that lies inside it.
    const range = new BlockList();
    range.addSubnet(target.address, target.prefix, target.family);
    return this.nets.some((n) => n.family === target.family && range.check(n.address, n.family));
  }
}
