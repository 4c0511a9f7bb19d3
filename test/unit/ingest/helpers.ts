import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { NormalizedAlert } from '../../../src/contracts/index.ts';
import { INCIDENT_TYPES, INDICATOR_TYPES, SEVERITIES, isAppError } from '../../../src/contracts/index.ts';
import { MAX_INDICATORS, normalizeIndicatorValue, parseAlert } from '../../../src/core/ingest/index.ts';

/** One vendor fixture file: scenario name → payload. */
export function fixture(vendor: string): Record<string, unknown> {
  const url = new URL(`../../fixtures/vendors/${vendor}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

export function scenario(vendor: string, name: string): unknown {
  const payload = fixture(vendor)[name];
  if (payload === undefined) throw new Error(`no fixture ${vendor}/${name}`);
  return payload;
}

export const RECEIVED_AT = new Date('2024-07-01T00:00:00.000Z');

/** `type:value` strings, for compact assertions. */
export function pairs(alert: NormalizedAlert): string[] {
  return alert.indicators.map((i) => `${i.type}:${i.value}`);
}

/** Returns a list of problems (empty when the alert honours the NormalizedAlert contract). */
export function alertProblems(a: NormalizedAlert): string[] {
  const p: string[] = [];
  const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;
  if (!nonEmpty(a.source)) p.push('source');
  if (!nonEmpty(a.title) || a.title.length > 300) p.push('title');
  if (a.description !== undefined && (typeof a.description !== 'string' || a.description.length > 8000))
    p.push('description');
  if (!(SEVERITIES as readonly string[]).includes(a.severity)) p.push(`severity ${a.severity}`);
  if (!(INCIDENT_TYPES as readonly string[]).includes(a.incidentType))
    p.push(`incidentType ${a.incidentType}`);
  if (!(a.occurredAt instanceof Date) || !Number.isFinite(a.occurredAt.getTime())) p.push('occurredAt');
  if (!Array.isArray(a.indicators) || a.indicators.length > MAX_INDICATORS) p.push('indicators');
  for (const i of a.indicators ?? []) {
    if (!(INDICATOR_TYPES as readonly string[]).includes(i.type)) p.push(`indicator type ${i.type}`);
    // Values are already normalised: normalising again is a no-op.
    else if (normalizeIndicatorValue(i.type, i.value) !== i.value) p.push(`indicator ${i.type}:${i.value}`);
  }
  for (const asset of a.assets ?? []) {
    if (
      !['host', 'user', 'cloud_resource', 'mailbox', 'application'].includes(asset.kind) ||
      !nonEmpty(asset.name)
    ) {
      p.push('asset');
    }
  }
  if (!Array.isArray(a.tags) || a.tags.some((t) => !nonEmpty(t))) p.push('tags');
  if (!Array.isArray(a.mitreTechniques) || a.mitreTechniques.some((t) => !/^T\d{4}(\.\d{3})?$/.test(t)))
    p.push('mitre');
  if (a.vendorConfidence !== undefined && !(a.vendorConfidence >= 0 && a.vendorConfidence <= 1))
    p.push('confidence');
  if (a.vendorId !== undefined && !nonEmpty(a.vendorId)) p.push('vendorId');
  if (!nonEmpty(a.fingerprint)) p.push('fingerprint');
  return p;
}

export function expectValidAlert(a: NormalizedAlert): void {
  expect(alertProblems(a)).toEqual([]);
}

export const MALICIOUS_SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** Parse a fixture scenario as `source` and check the alert contract. */
export function parseFixture(source: string, vendor: string, name: string): NormalizedAlert {
  const alert = parseAlert(source, scenario(vendor, name), RECEIVED_AT);
  expectValidAlert(alert);
  return alert;
}

/** Run `fn`, expect a VALIDATION_ERROR, return it. */
export function validationError(fn: () => unknown): { message: string; details: unknown } {
  try {
    fn();
  } catch (err) {
    expect(isAppError(err) && err.code).toBe('VALIDATION_ERROR');
    return err as { message: string; details: unknown };
  }
  throw new Error('expected a VALIDATION_ERROR');
}
