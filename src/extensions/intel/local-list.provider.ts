import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Indicator, IndicatorType } from '../../contracts/index.ts';
import type { IntelProvider, IntelVerdict } from '../../ports/index.ts';
import {
  domainSuffixes,
  emailDomain,
  inferIndicatorType,
  ipv4ToInt,
  maskIpv4,
  normalizeIndicator,
  parseIpv4Cidr,
  urlHost,
} from './indicator-match.ts';
import { DEFAULT_LIST_SCORES, parseCsvList, parseTxtList } from './list-parser.ts';
import type { ListEntry, ListVerdict } from './list-parser.ts';

/** How a list entry matched the indicator looked up. */
export type ListMatch = 'exact' | 'cidr' | 'subdomain' | 'url-host' | 'email-domain';

/** One list entry that matched; `details.hits` of a lookup holds every one. */
export interface ListHit {
  list: string;
  verdict: ListVerdict;
  score: number;
  /** The entry as indexed (`185.220.101.0/24`, `evil.com`…). */
  entry: string;
  match: ListMatch;
  description?: string;
}

/** Options of the constructors; every field is optional. */
export interface LocalListOptions {
  /** Provider name, stored with each enrichment and used in cache keys. Default `local-lists`. */
  name?: string;
}

/** Options of {@link LocalListIntelProvider.fromFolder}. */
export interface FromFolderOptions extends LocalListOptions {
  /** Entries indexed before the folder's (e.g. the demo list). Default none. */
  include?: readonly ListEntry[];
}

interface Indexed {
  list: string;
  verdict: ListVerdict;
  score: number;
  entry: string;
  description?: string;
}

const RANK: Readonly<Record<ListVerdict, number>> = { malicious: 3, suspicious: 2, clean: 1 };

/**
 * Offline threat intel from indicator lists (`*.txt`, `*.csv` in a folder, or entries in code).
 * Everything is indexed in Maps at load, so a lookup costs a few map probes: exact match for IPs,
 * hashes, e-mails, usernames, hostnames and URLs; IPv4 CIDR ranges; a listed domain matches itself
 * and its subdomains (also as the host of a URL, a hostname, or — for lists that are not allowlists — the
 * domain of an e-mail address, since sender domains are trivially spoofed into an allowlist).
 * When several lists hit, the strongest verdict (malicious > suspicious > clean) wins and
 * `details.hits` lists every hit.
 */
export class LocalListIntelProvider implements IntelProvider {
  readonly name: string;
  /** One line per skipped entry, line or file (`file.txt:12: skipped, …`). */
  readonly warnings: readonly string[];
  /** Entries indexed and the names of the lists they came from (sorted). */
  readonly stats: { readonly entries: number; readonly lists: readonly string[] };
  readonly #exact = new Map<string, Indexed[]>();
  readonly #domains = new Map<string, Indexed[]>();
  readonly #cidrs = new Map<number, Map<number, Indexed[]>>();
  readonly #types = new Set<IndicatorType>();

  private constructor(entries: readonly ListEntry[], warnings: string[], options: LocalListOptions) {
    this.name = options.name ?? 'local-lists';
    const all = [...warnings];
    let indexed = 0;
    const lists = new Set<string>();
    for (const e of entries) {
      const problem = this.#add(e);
      if (problem) all.push(`${e.origin ?? e.list}: skipped, ${problem}`);
      else {
        indexed += 1;
        lists.add(e.list);
      }
    }
    this.warnings = Object.freeze(all.sort(byOrigin));
    this.stats = Object.freeze({ entries: indexed, lists: Object.freeze([...lists].sort()) });
  }

  /** Indexes entries given in code; bad entries are skipped and reported in `warnings`. */
  static fromEntries(entries: Iterable<ListEntry>, options: LocalListOptions = {}): LocalListIntelProvider {
    return new LocalListIntelProvider([...entries], [], options);
  }

  /**
   * Loads every `*.txt` and `*.csv` file of `dir` (not recursive, in name order). Malformed lines
   * and unreadable files are skipped and reported in `warnings`; only a missing or unreadable
   * folder rejects, since that is a configuration mistake.
   */
  static async fromFolder(dir: string, options: FromFolderOptions = {}): Promise<LocalListIntelProvider> {
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && ['.txt', '.csv'].includes(extname(d.name).toLowerCase()))
      .map((d) => d.name)
      .sort();
    const entries: ListEntry[] = [...(options.include ?? [])];
    const warnings: string[] = [];
    for (const file of names) {
      const ext = extname(file).toLowerCase();
      const list = basename(file, extname(file));
      let text: string;
      try {
        text = await readFile(join(dir, file), 'utf8');
      } catch (err) {
        warnings.push(`${file}: unreadable, skipped (${err instanceof Error ? err.message : String(err)})`);
        continue;
      }
      const parsed = ext === '.csv' ? parseCsvList(list, text, file) : parseTxtList(list, text, file);
      entries.push(...parsed.entries);
      warnings.push(...parsed.warnings);
    }
    return new LocalListIntelProvider(entries, warnings, options);
  }

  /** True when some list could match an indicator of this type. */
  supports(type: IndicatorType): boolean {
    const viaDomain = this.#domains.size > 0;
    const viaIp = this.#types.has('ipv4') || this.#types.has('ipv6');
    switch (type) {
      case 'domain':
        return viaDomain;
      case 'hostname':
      case 'email':
        return viaDomain || this.#types.has(type);
      case 'url':
        return viaDomain || viaIp || this.#types.has('url');
      default:
        return this.#types.has(type);
    }
  }

  /** Never throws: an unparseable value is simply not on any list. */
  async lookup(indicator: Indicator): Promise<IntelVerdict> {
    const hits: ListHit[] = [];
    const add = (found: Indexed[] | undefined, match: ListMatch): void => {
      for (const f of found ?? []) hits.push({ ...f, match });
    };
    const value = normalizeIndicator(indicator.type, indicator.value);
    if (value !== null) add(this.#exact.get(key(indicator.type, value)), 'exact');
    if (value !== null && indicator.type === 'ipv4') add(this.#cidrHits(value), 'cidr');
    if (value !== null && (indicator.type === 'domain' || indicator.type === 'hostname')) {
      this.#domainHits(value, undefined, add);
    }
    if (indicator.type === 'url') {
      const host = urlHost(indicator.value);
      if (host && inferIndicatorType(host) === 'ipv4') {
        add(this.#exact.get(key('ipv4', host)), 'url-host');
        add(this.#cidrHits(host), 'url-host');
      } else if (host && inferIndicatorType(host) === 'ipv6') {
        add(this.#exact.get(key('ipv6', normalizeIndicator('ipv6', host) ?? host)), 'url-host');
      } else if (host) {
        this.#domainHits(host, 'url-host', add);
      }
    }
    if (value !== null && indicator.type === 'email') {
      const domain = emailDomain(value);
      const before = hits.length;
      if (domain) this.#domainHits(domain, 'email-domain', add);
      const kept = hits.splice(before).filter((h) => h.verdict !== 'clean');
      hits.push(...kept);
    }
    return summarize(hits);
  }

  #cidrHits(ip: string): Indexed[] {
    const addr = ipv4ToInt(ip);
    if (addr === null) return [];
    const found: Indexed[] = [];
    for (const [prefix, networks] of this.#cidrs) found.push(...(networks.get(maskIpv4(addr, prefix)) ?? []));
    return found;
  }

  /** `via` names how the domain was reached (a URL's host, an address's domain); else exact/subdomain. */
  #domainHits(
    name: string,
    via: ListMatch | undefined,
    add: (f: Indexed[] | undefined, m: ListMatch) => void,
  ): void {
    for (const suffix of domainSuffixes(name)) {
      add(this.#domains.get(suffix), via ?? (suffix === name ? 'exact' : 'subdomain'));
    }
  }

  #add(e: ListEntry): string | null {
    const verdict = e.verdict ?? 'malicious';
    if (!(verdict in RANK)) return `unknown verdict "${String(verdict)}"`;
    const score = e.score ?? DEFAULT_LIST_SCORES[verdict];
    if (!(score >= 0 && score <= 1)) return `score ${score} is not in 0..1`;
    const type = e.type ?? inferIndicatorType(e.value);
    if (!type) return `cannot tell the type of "${e.value}" (give a type)`;
    const item = (entry: string): Indexed => {
      const it: Indexed = { list: e.list, verdict, score, entry };
      if (e.description) it.description = e.description;
      return it;
    };
    if (type === 'ipv4' && e.value.includes('/')) {
      const cidr = parseIpv4Cidr(e.value);
      if (!cidr) return `"${e.value}" is not an IPv4 CIDR range`;
      let networks = this.#cidrs.get(cidr.prefix);
      if (!networks) this.#cidrs.set(cidr.prefix, (networks = new Map()));
      push(networks, cidr.base, item(e.value.trim()));
      this.#types.add('ipv4');
      return null;
    }
    const value = normalizeIndicator(type, e.value);
    if (value === null) return `"${e.value}" is not a valid ${type}`;
    if (type === 'domain') push(this.#domains, value, item(value));
    else push(this.#exact, key(type, value), item(value));
    this.#types.add(type);
    return null;
  }
}

/** Orders `file:line: …` warnings by file, then line number (a stable sort keeps the rest). */
function byOrigin(a: string, b: string): number {
  const pa = /^(.*?)(?::(\d+))?: /.exec(a);
  const pb = /^(.*?)(?::(\d+))?: /.exec(b);
  return cmp(pa?.[1] ?? a, pb?.[1] ?? b) || Number(pa?.[2] ?? 0) - Number(pb?.[2] ?? 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function key(type: IndicatorType, value: string): string {
  return `${type}:${value}`;
}

function push<K>(map: Map<K, Indexed[]>, k: K, v: Indexed): void {
  const found = map.get(k);
  if (found) found.push(v);
  else map.set(k, [v]);
}

/** Strongest verdict wins; its score is the most decisive one among its hits. */
function summarize(hits: ListHit[]): IntelVerdict {
  if (hits.length === 0)
    return { verdict: 'unknown', score: null, first_seen: null, last_seen: null, details: {} };
  hits.sort((a, b) => RANK[b.verdict] - RANK[a.verdict] || cmp(a.list, b.list) || cmp(a.entry, b.entry));
  const top = hits[0]?.verdict ?? 'unknown';
  const winning = hits.filter((h) => h.verdict === top).map((h) => h.score);
  const score = top === 'clean' ? Math.min(...winning) : Math.max(...winning);
  const lists = [...new Set(hits.map((h) => h.list))];
  return { verdict: top, score, first_seen: null, last_seen: null, details: { lists, hits } };
}
