import { createHash } from 'node:crypto';
import type { Asset, IncidentType, Indicator } from '../../contracts/index.ts';

/** The fields that identify an alert for deduplication. */
export interface FingerprintParts {
  /** The vendor's alert id; when present it is the whole identity. */
  vendorId?: string;
  incidentType: IncidentType;
  title: string;
  indicators: readonly Indicator[];
  /** The first asset is the primary one (the host or user the alert is about). */
  assets: readonly Asset[];
}

const MAX_ID_CHARS = 200;

function norm(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Stable dedup key for an alert from `source`.
 *
 * - With a vendor id: `<source>:id:<vendorId>` (ids longer than 200 characters are hashed), so a
 *   re-delivered alert folds into the incident it already created.
 * - Without: `<source>:h:<sha256>` over source, incident type, title, the sorted indicator
 *   `type:value` pairs and the primary asset — all lower-cased and whitespace-collapsed, so the
 *   same alert sent with its keys in another order or another case gets the same key.
 */
export function fingerprint(source: string, parts: FingerprintParts): string {
  const src = norm(source) || 'unknown';
  const id = parts.vendorId?.trim();
  if (id) return `${src}:id:${id.length > MAX_ID_CHARS ? sha256(id) : id}`;
  const indicators = [...new Set(parts.indicators.map((i) => `${i.type}:${norm(i.value)}`))].sort();
  const primary = parts.assets[0];
  const material = JSON.stringify([
    src,
    parts.incidentType,
    norm(parts.title),
    indicators,
    primary ? `${primary.kind}:${norm(primary.name)}` : '',
  ]);
  return `${src}:h:${sha256(material)}`;
}
