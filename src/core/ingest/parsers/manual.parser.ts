import type { IndicatorType } from '../../../contracts/index.ts';
import { INCIDENT_TYPES, INDICATOR_TYPES } from '../../../contracts/index.ts';
import { severityFromName } from '../classify.ts';
import { MAX_INDICATORS, normalizeIndicatorValue } from '../indicators.ts';
import { ALERT_TIME_RANGE, own, str, toDate } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import { scanObject } from './scan.ts';

/**
 * The body of `POST /api/v1/incidents`:
 * `{ incident_type, source, severity, title, description?, raw_data?, indicators?: [{type, value}],
 * occurred_at?, tags? }`. This is our own API, so it is validated strictly: every bad field is a
 * VALIDATION_ERROR naming it. Indicators are the explicit ones plus any found in `raw_data`.
 */
export const manualParser: AlertParser = {
  name: 'manual',
  aliases: ['api', 'analyst'],
  parse(payload, ctx) {
    const ctxSource = sourceName(ctx.source, 'manual');
    const body = requireObject(payload, ctxSource, 'Incident');
    const fail = (field: string, message: string): never => {
      throw invalid(ctxSource, field, message);
    };

    const rawSource = own(body, 'source');
    if (typeof rawSource !== 'string' || !rawSource.trim() || rawSource.length > 64) {
      fail('source', '"source" must be a non-empty string of at most 64 characters');
    }
    const source = sourceName(rawSource, ctxSource);
    const title = typeof own(body, 'title') === 'string' ? str(own(body, 'title')) : undefined;
    if (!title) fail('title', '"title" must be a non-empty string');
    const type = own(body, 'incident_type');
    if (
      typeof type !== 'string' ||
      !(INCIDENT_TYPES as readonly string[]).includes(type.trim().toLowerCase())
    ) {
      fail('incident_type', `"incident_type" must be one of: ${INCIDENT_TYPES.join(', ')}`);
    }
    const severity = severityFromName(own(body, 'severity'));
    if (!severity) fail('severity', '"severity" must be one of: info, low, medium, high, critical');
    const description = own(body, 'description');
    if (description !== undefined && description !== null && typeof description !== 'string') {
      fail('description', '"description" must be a string');
    }
    const occurredRaw = own(body, 'occurred_at');
    const occurredAt = occurredRaw === undefined || occurredRaw === null ? undefined : toDate(occurredRaw);
    if (occurredRaw !== undefined && occurredRaw !== null && !occurredAt) {
      fail(
        'occurred_at',
        `"occurred_at" must be an ISO 8601 date-time from ${ALERT_TIME_RANGE.from} to ${ALERT_TIME_RANGE.to}`,
      );
    }

    const d = new AlertDraft();
    const indicators = own(body, 'indicators');
    if (indicators !== undefined && indicators !== null) {
      if (!Array.isArray(indicators) || indicators.length > MAX_INDICATORS) {
        fail(
          'indicators',
          `"indicators" must be an array of at most ${MAX_INDICATORS} {type, value} objects`,
        );
      }
      (indicators as unknown[]).forEach((item, i) => {
        const t = own(item, 'type');
        const v = own(item, 'value');
        if (typeof t !== 'string' || !(INDICATOR_TYPES as readonly string[]).includes(t)) {
          fail(
            `indicators[${i}].type`,
            `indicators[${i}].type must be one of: ${INDICATOR_TYPES.join(', ')}`,
          );
        }
        const value = typeof v === 'string' ? normalizeIndicatorValue(t as IndicatorType, v) : null;
        if (value === null)
          fail(`indicators[${i}].value`, `indicators[${i}].value is not a valid ${String(t)}`);
        d.push({ type: t as IndicatorType, value: value as string, context: 'indicators' });
      });
    }
    const tags = own(body, 'tags');
    if (tags !== undefined && tags !== null) {
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))
        fail('tags', '"tags" must be an array of strings');
      for (const t of (tags as string[]).slice(0, 40)) d.tag(t);
    }
    d.tag('manual');
    scanObject(d, own(body, 'raw_data'), 'raw_data');
    d.techniquesIn(title);
    d.techniquesIn(description);

    return d.build({
      source,
      title,
      titleFallback: 'Manual incident',
      description: typeof description === 'string' ? description : undefined,
      severity: severity!,
      incidentType: (type as string).trim().toLowerCase() as (typeof INCIDENT_TYPES)[number],
      occurredAt,
      receivedAt: ctx.receivedAt,
      raw: payload,
    });
  },
};
