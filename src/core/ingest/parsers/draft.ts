import type {
  Asset,
  IncidentType,
  Indicator,
  IndicatorType,
  NormalizedAlert,
  Severity,
} from '../../../contracts/index.ts';
import { AppError } from '../../../contracts/index.ts';
import { techniqueId } from '../classify.ts';
import { fingerprint } from '../fingerprint.ts';
import { MAX_INDICATORS, extractFromText, hostIndicator, indicator, urlHost } from '../indicators.ts';
import { isObject, str } from '../read.ts';

const MAX_ASSETS = 20;
const MAX_TAGS = 40;
const MAX_TECHNIQUES = 40;
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 8_000;
/** Total characters of free text scanned per alert, across all fields. */
const MAX_TOTAL_SCAN = 262_144;

/** The VALIDATION_ERROR every parser throws for a payload that is not its vendor's format. */
export function invalid(source: string, field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', message, { source, field });
}

/** The payload as an object, or a VALIDATION_ERROR naming the vendor. */
export function requireObject(payload: unknown, source: string, vendor: string): Record<string, unknown> {
  if (!isObject(payload)) {
    const got = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload;
    throw invalid(source, '(body)', `${vendor} payload must be a JSON object, got ${got}`);
  }
  return payload;
}

/** The source name as stored: lower-case, trimmed, bounded; `fallback` when empty. */
export function sourceName(source: unknown, fallback: string): string {
  const s = typeof source === 'string' ? source.trim().toLowerCase().slice(0, 64) : '';
  return s || fallback;
}

/** A copy of the caller's receive time, or now when it passed something that is not a valid Date. */
function receivedAt(value: unknown): Date {
  return value instanceof Date && Number.isFinite(value.getTime()) ? new Date(value.getTime()) : new Date();
}

/** The fields a parser decides itself; the draft collects the rest. */
export interface DraftFields {
  source: string;
  vendorId?: string | undefined;
  title: string | undefined;
  titleFallback: string;
  description?: string | undefined;
  severity: Severity;
  incidentType: IncidentType;
  occurredAt: Date | undefined;
  receivedAt: Date;
  vendorConfidence?: number | undefined;
  raw: unknown;
}

/**
 * Collects indicators, assets, tags and techniques while a parser walks a payload, with caps on
 * each so that a hostile payload costs bounded work, then assembles the {@link NormalizedAlert}.
 */
export class AlertDraft {
  private readonly indicators: Indicator[] = [];
  private readonly assets: Asset[] = [];
  private readonly keys = new Set<string>();
  private readonly tagSet = new Set<string>();
  private readonly techniqueSet = new Set<string>();
  private scanLeft = MAX_TOTAL_SCAN;

  /** Add a ready indicator (null is ignored). URLs also contribute their host. */
  push(ind: Indicator | null): void {
    if (ind === null || this.indicators.length >= MAX_INDICATORS) return;
    const key = `${ind.type}\u0000${ind.value}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.indicators.push(ind);
    if (ind.type === 'url') this.push(urlHost(ind.value, ind.context));
  }

  /** Add `value` (string or list of strings) as `type` when it normalises. */
  add(type: IndicatorType, value: unknown, context: string): void {
    for (const v of Array.isArray(value) ? value.slice(0, 50) : [value])
      this.push(indicator(type, v, context));
  }

  /** A hash whose algorithm is known only from its length. */
  hash(value: unknown, context: string): void {
    const s = str(value, 128);
    if (!s) return;
    const type = s.length === 32 ? 'md5' : s.length === 40 ? 'sha1' : s.length === 64 ? 'sha256' : undefined;
    if (type) this.add(type, s, context);
  }

  /** A host field: ip/domain/hostname indicator, and a host asset unless it is a bare IP. */
  host(value: unknown, context: string, assetId?: unknown): void {
    const s = str(value, 255);
    if (!s) return;
    const ind = hostIndicator(s, context);
    this.push(ind);
    if (ind && ind.type !== 'ipv4' && ind.type !== 'ipv6') this.asset('host', s, assetId);
  }

  /** A user field: username indicator (and email when it is one) plus a user asset. */
  user(value: unknown, context: string, assetId?: unknown, kind: Asset['kind'] = 'user'): void {
    const s = str(value, 256);
    if (!s) return;
    const ind = indicator('username', s, context);
    if (!ind) return;
    this.push(ind);
    if (s.includes('@')) this.push(indicator('email', s, context));
    this.asset(kind, s, assetId);
  }

  /** Scan free text for indicators, within the per-alert scan budget. */
  text(value: unknown, context: string): void {
    if (typeof value !== 'string' || this.scanLeft <= 0 || this.indicators.length >= MAX_INDICATORS) return;
    const chunk = value.length > this.scanLeft ? value.slice(0, this.scanLeft) : value;
    this.scanLeft -= chunk.length;
    for (const ind of extractFromText(chunk, context, MAX_INDICATORS - this.indicators.length))
      this.push(ind);
  }

  asset(kind: Asset['kind'], name: unknown, id?: unknown): void {
    const n = str(name, 256);
    if (!n || this.assets.length >= MAX_ASSETS) return;
    if (this.assets.some((a) => a.kind === kind && a.name.toLowerCase() === n.toLowerCase())) return;
    const i = str(id, 256);
    this.assets.push(i ? { kind, name: n, id: i } : { kind, name: n });
  }

  tag(value: unknown, prefix?: string): void {
    const s = str(value, 100);
    if (!s || this.tagSet.size >= MAX_TAGS) return;
    this.tagSet.add(prefix ? `${prefix}:${s}` : s);
  }

  /** An ATT&CK technique id; non-ids are ignored. */
  technique(value: unknown): void {
    const id = techniqueId(value);
    if (id && this.techniqueSet.size < MAX_TECHNIQUES) this.techniqueSet.add(id);
  }

  /** Technique ids mentioned anywhere in `text` ("… (T1059.001)"). */
  techniquesIn(text: unknown): void {
    if (typeof text !== 'string') return;
    for (const m of text.slice(0, 4_096).matchAll(/\bT\d{4}(?:\.\d{3})?\b/g)) this.technique(m[0]);
  }

  get techniques(): string[] {
    return [...this.techniqueSet];
  }

  build(f: DraftFields): NormalizedAlert {
    const title = str(f.title, MAX_TITLE) ?? str(f.titleFallback, MAX_TITLE) ?? 'Alert';
    const description = str(f.description, MAX_DESCRIPTION);
    const vendorId = str(f.vendorId, 512);
    const confidence =
      f.vendorConfidence !== undefined && Number.isFinite(f.vendorConfidence)
        ? Math.min(1, Math.max(0, f.vendorConfidence))
        : undefined;
    const alert: NormalizedAlert = {
      source: f.source,
      title,
      severity: f.severity,
      incidentType: f.incidentType,
      occurredAt: f.occurredAt ?? receivedAt(f.receivedAt),
      indicators: this.indicators,
      assets: this.assets,
      tags: [...this.tagSet],
      mitreTechniques: this.techniques,
      fingerprint: '',
      raw: f.raw,
    };
    if (vendorId !== undefined) alert.vendorId = vendorId;
    if (description !== undefined) alert.description = description;
    if (confidence !== undefined) alert.vendorConfidence = confidence;
    alert.fingerprint = fingerprint(f.source, alert);
    return alert;
  }
}
