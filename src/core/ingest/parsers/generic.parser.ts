import { inferIncidentType, severityFromName, typeFromName } from '../classify.ts';
import { firstDate, firstStr, list, num, own, str, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import {
  ID_FIELDS,
  TIME_FIELDS,
  actionOf,
  actorOf,
  at,
  deriveTitle,
  first,
  hostOf,
  severityOf,
  typeOf,
} from './event-fields.ts';
import { scanObject } from './scan.ts';
import { detectVendor, ruleIncidentType } from '../../triage/rules/index.ts';

/** A `confidence` given either as 0..1 or as a percentage. */
function confidence(value: unknown): number | undefined {
  const n = num(value);
  if (n === undefined || n < 0 || n > 100) return undefined;
  return n <= 1 ? n : n / 100;
}

/** Keys of our documented shape, read by name; the rest of the document is scanned. */
const DOCUMENTED = new Set([
  'source',
  'alert_type',
  'type',
  'severity',
  'title',
  'description',
  'data',
  'timestamp',
  'occurred_at',
  'time',
  'tags',
  'mitre_techniques',
  'id',
  'alert_id',
  'confidence',
]);

/**
 * Any tool without a dedicated parser. Our documented shape
 * `{ source?, alert_type, severity, title, description?, data?, timestamp?, tags? }` is read as
 * documented; any other JSON object is a vendor event (Entra ID sign-ins, Google Workspace
 * activities, Microsoft 365 audit records, Falcon Data Replicator events…) whose title, severity,
 * type, time and id come from the fields such events commonly carry (see `event-fields.ts`).
 * Severity takes our five names in any case plus aliases (`informational` → info, `moderate` →
 * medium) and risk levels; unknown or missing severity is medium. Indicators come from the whole
 * document: typed keys such as `src_ip`, `sha256`, `username`, then pattern scanning of every string.
 * Only an empty object is refused: it carries nothing to triage.
 */
export const genericParser: AlertParser = {
  name: 'generic',
  aliases: ['custom', 'webhook'],
  parse(payload, ctx) {
    const fallbackSource = sourceName(ctx.source, 'generic');
    const body = requireObject(payload, fallbackSource, 'Generic alert');
    // A payload posted to the catch-all `generic` source may say where it came from.
    const source = fallbackSource === 'generic' ? sourceName(own(body, 'source'), 'generic') : fallbackSource;
    if (Object.keys(body).length === 0) {
      throw invalid(source, '(body)', 'the alert is an empty JSON object: there is nothing to ingest');
    }
    const title = firstStr(own(body, 'title'));
    const alertType = firstStr(own(body, 'alert_type'), own(body, 'type'));
    const documented = title !== undefined || alertType !== undefined;
    const description = str(own(body, 'description'));

    const d = new AlertDraft();
    let action: string | undefined;
    if (documented) {
      scanObject(d, own(body, 'data'), 'data');
      d.text(title, 'title');
      d.text(description, 'description');
      // The rest of the document, after what the documented fields said.
      scanObject(d, body, '', DOCUMENTED);
    } else {
      action = actionOf(body);
      d.user(actorOf(body), 'actor');
      d.host(hostOf(body), 'host');
      scanObject(d, body, '');
      d.tag(action, 'event');
    }
    for (const tag of strings(own(body, 'tags'), 40)) d.tag(tag);
    if (alertType) d.tag(alertType, 'alert_type');
    for (const t of list(own(body, 'mitre_techniques'), 40)) d.technique(t);
    d.techniquesIn(title);
    d.techniquesIn(description);
    const derivedTitle = documented ? (title ?? alertType) : deriveTitle(body, source);

    return d.build({
      source,
      vendorId: documented ? firstStr(own(body, 'id'), own(body, 'alert_id')) : first(body, ID_FIELDS, 512),
      title: derivedTitle,
      titleFallback: 'Alert',
      description,
      severity:
        severityFromName(own(body, 'severity')) ??
        (documented ? undefined : severityOf(body)) ??
        // An audit record of a vendor with a rule pack is a record, not an alert: low unless it says
        // otherwise; the rule pack weighs what it records (docs/ANALYZER.md).
        (!documented && detectVendor(body) ? 'low' : 'medium'),
      incidentType: documented
        ? inferIncidentType({
            names: [alertType],
            texts: [alertType, title, description],
            techniques: d.techniques,
          })
        : // A vendor rule pack that knows the event type first (docs/ANALYZER.md); not the derived
          // title: the actor, host and object names in it are no evidence of a type.
          (ruleIncidentType(source, body) ??
          typeFromName(own(body, 'category')) ??
          typeOf(body, action) ??
          inferIncidentType({ techniques: d.techniques })),
      occurredAt: documented
        ? firstDate(own(body, 'timestamp'), own(body, 'occurred_at'), own(body, 'time'))
        : firstDate(...TIME_FIELDS.map((p) => at(body, p))),
      receivedAt: ctx.receivedAt,
      vendorConfidence: confidence(own(body, 'confidence')),
      raw: payload,
    });
  },
};
