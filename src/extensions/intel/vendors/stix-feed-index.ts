import type { IndicatorType } from '../../../contracts/index.ts';
import { ipv4ToInt, maskIpv4, normalizeIndicator, parseIpv4Cidr, urlHost } from '../indicator-match.ts';
import type { FeedIndicator } from './stix-indicator.ts';

/**
 * The STIX indicators a feed holds, indexed by normalised value (exact) and IPv4 network (CIDR).
 * Bounded by `maxValues`: when adding would exceed it, the least recently added indicators are
 * evicted first (feeds publish newest first in importance; an update re-adds at the end).
 */
export class StixFeedIndex {
  readonly #byId = new Map<string, FeedIndicator>();
  readonly #exact = new Map<string, Set<string>>();
  readonly #cidrs = new Map<number, Map<number, Set<string>>>();
  #values = 0;
  #evicted = 0;

  constructor(private readonly maxValues: number) {}

  get size(): number {
    return this.#byId.size;
  }

  get valueCount(): number {
    return this.#values;
  }

  /** Indicators dropped to stay under the bound since creation. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Adds or replaces (by id, when at least as recent) an indicator; a revoked one removes the id. */
  upsert(indicator: FeedIndicator): 'added' | 'updated' | 'removed' | 'stale' {
    const held = this.#byId.get(indicator.id);
    if (held && held.modified > indicator.modified) return 'stale';
    if (held) this.remove(indicator.id);
    if (indicator.revoked) return 'removed';
    if (indicator.values.length > this.maxValues) return 'stale';
    while (this.#values + indicator.values.length > this.maxValues) {
      const oldest = this.#byId.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
      this.#evicted += 1;
    }
    this.#byId.set(indicator.id, indicator);
    for (const v of indicator.values) {
      this.#values += 1;
      if (v.cidr) {
        const cidr = parseIpv4Cidr(v.value);
        if (!cidr) continue;
        const bases = this.#cidrs.get(cidr.prefix) ?? new Map<number, Set<string>>();
        this.#cidrs.set(cidr.prefix, bases);
        addTo(bases, cidr.base, indicator.id);
      } else {
        addTo(this.#exact, key(v.type, v.value), indicator.id);
      }
    }
    return held ? 'updated' : 'added';
  }

  remove(id: string): void {
    const held = this.#byId.get(id);
    if (!held) return;
    this.#byId.delete(id);
    for (const v of held.values) {
      this.#values -= 1;
      if (v.cidr) {
        const cidr = parseIpv4Cidr(v.value);
        const bases = cidr ? this.#cidrs.get(cidr.prefix) : undefined;
        if (cidr && bases) removeFrom(bases, cidr.base, id);
      } else {
        removeFrom(this.#exact, key(v.type, v.value), id);
      }
    }
  }

  clear(): void {
    this.#byId.clear();
    this.#exact.clear();
    this.#cidrs.clear();
    this.#values = 0;
  }

  /** Indicators valid at `now` (ms) whose values match the indicator looked up. */
  match(type: IndicatorType, raw: string, now: number): FeedIndicator[] {
    const ids = new Set<string>();
    for (const k of lookupKeys(type, raw)) for (const id of this.#exact.get(k) ?? []) ids.add(id);
    const ip = type === 'ipv4' ? ipv4ToInt(raw.trim()) : null;
    if (ip !== null) {
      for (const [prefix, bases] of this.#cidrs)
        for (const id of bases.get(maskIpv4(ip, prefix)) ?? []) ids.add(id);
    }
    const out: FeedIndicator[] = [];
    for (const id of ids) {
      const ind = this.#byId.get(id);
      if (!ind) continue;
      if (ind.valid_until !== null && Date.parse(ind.valid_until) <= now) continue;
      if (ind.valid_from !== null && Date.parse(ind.valid_from) > now) continue;
      out.push(ind);
    }
    return out;
  }
}

/** A hostname is looked up as a domain-name too; a URL also as itself only (STIX url:value is exact). */
function lookupKeys(type: IndicatorType, raw: string): string[] {
  const value = normalizeIndicator(type, raw);
  if (value === null) return [];
  if (type === 'hostname') {
    const asDomain = normalizeIndicator('domain', value);
    return asDomain ? [key('domain', asDomain)] : [];
  }
  if (type === 'url' && urlHost(value) === null) return [];
  return [key(type, value)];
}

function key(type: IndicatorType, value: string): string {
  return `${type}\u0000${value}`;
}

function addTo<K>(map: Map<K, Set<string>>, k: K, id: string): void {
  const set = map.get(k) ?? new Set<string>();
  map.set(k, set);
  set.add(id);
}

function removeFrom<K>(map: Map<K, Set<string>>, k: K, id: string): void {
  const set = map.get(k);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(k);
}
