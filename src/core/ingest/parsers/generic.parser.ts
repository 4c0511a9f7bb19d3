import { inferIncidentType, severityFromName } from '../classify.ts';
import { firstDate, firstStr, list, num, own, str, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import { scanObject } from './scan.ts';

/** A `confidence` given either as 0..1 or as a percentage. */
function confidence(value: unknown): number | undefined {
  const n = num(value);
  if (n === undefined || n < 0 || n > 100) return undefined;
  return n <= 1 ? n : n / 100;
}

/**
 * Any tool without a dedicated parser, in our documented shape:
 * `{ source?, alert_type, severity, title, description?, data?, timestamp?, tags? }`.
 * Severity takes our five names in any case plus aliases (`informational` → info,
 * `moderate` → medium); unknown or missing severity is medium. Indicators come from `data`
 * (typed keys such as `src_ip`, `sha256`, `username`, then pattern scanning of every string)
 * and from the title and description.
 */
export const genericParser: AlertParser = {
  name: 'generic',
  aliases: ['custom', 'webhook'],
  parse(payload, ctx) {
    const fallbackSource = sourceName(ctx.source, 'generic');
    const body = requireObject(payload, fallbackSource, 'Generic alert');
    // A payload posted to the catch-all `generic` source may say where it came from.
    const source = fallbackSource === 'generic' ? sourceName(own(body, 'source'), 'generic') : fallbackSource;
    const title = firstStr(own(body, 'title'));
    const alertType = firstStr(own(body, 'alert_type'), own(body, 'type'));
    if (!title && !alertType) {
      throw invalid(source, 'title', 'Generic alert needs a "title" (or at least an "alert_type")');
    }
    const description = str(own(body, 'description'));

    const d = new AlertDraft();
    scanObject(d, own(body, 'data'), 'data');
    d.text(title, 'title');
    d.text(description, 'description');
    for (const tag of strings(own(body, 'tags'), 40)) d.tag(tag);
    if (alertType) d.tag(alertType, 'alert_type');
    for (const t of list(own(body, 'mitre_techniques'), 40)) d.technique(t);
    d.techniquesIn(title);
    d.techniquesIn(description);

    return d.build({
      source,
      vendorId: firstStr(own(body, 'id'), own(body, 'alert_id')),
      title: title ?? alertType,
      titleFallback: 'Alert',
      description,
      severity: severityFromName(own(body, 'severity')) ?? 'medium',
      incidentType: inferIncidentType({
        names: [alertType],
        texts: [alertType, title, description],
        techniques: d.techniques,
      }),
      occurredAt: firstDate(own(body, 'timestamp'), own(body, 'occurred_at'), own(body, 'time')),
      receivedAt: ctx.receivedAt,
      vendorConfidence: confidence(own(body, 'confidence')),
      raw: payload,
    });
  },
};
