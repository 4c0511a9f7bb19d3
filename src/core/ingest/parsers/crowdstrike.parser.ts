import type { Severity } from '../../../contracts/index.ts';
import type { NormalizedAlert } from '../../../contracts/index.ts';
import { ruleIncidentType } from '../../triage/rules/index.ts';
import { inferIncidentType, severityFromName } from '../classify.ts';
import { firstDate, firstStr, isObject, num, own, ratio, str } from '../read.ts';
import type { AlertParser, ParseContext } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import { typeOf, words } from './event-fields.ts';

/** Falcon `Severity` is 1..5 (Informational, Low, Medium, High, Critical). */
const BY_NUMBER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

function severity(event: Record<string, unknown>): Severity {
  const n = num(own(event, 'Severity'));
  if (n !== undefined && n >= 1) return BY_NUMBER[Math.min(5, Math.round(n)) - 1] ?? 'medium';
  return severityFromName(own(event, 'SeverityName')) ?? 'medium';
}

/** Falcon `IOCType` values (hash_sha256, domain, ipv4…) → our indicator types. */
const IOC_TYPES: Readonly<Record<string, 'md5' | 'sha1' | 'sha256' | 'domain' | 'ipv4' | 'ipv6' | 'url'>> = {
  hash_md5: 'md5',
  hash_sha1: 'sha1',
  hash_sha256: 'sha256',
  domain: 'domain',
  ipv4: 'ipv4',
  ipv6: 'ipv6',
  url: 'url',
};

/** A stream event that is not a detection: the console audit events and session events. */
function isAuditEvent(eventType: string | undefined, event: Record<string, unknown>): boolean {
  if (eventType === undefined || /DetectionSummaryEvent$/i.test(eventType)) return false;
  return own(event, 'DetectId') === undefined && own(event, 'CompositeId') === undefined;
}

/**
 * `AuthActivityAuditEvent`, `UserActivityAuditEvent`, `RemoteResponseSession*Event`…: who did what in
 * the Falcon console (`OperationName`, `ServiceName`, `UserId`, `UserIp`, `Success`). Severity low:
 * they are records, not detections; the vendor rule pack says which ones matter.
 */
function auditAlert(
  body: Record<string, unknown>,
  event: Record<string, unknown>,
  eventType: string,
  source: string,
  ctx: ParseContext,
): NormalizedAlert {
  const get = (key: string): unknown => own(event, key);
  const d = new AlertDraft();
  const user = firstStr(get('UserId'), get('UserName'));
  d.user(user, 'event.UserId');
  d.add('ipv4', get('UserIp'), 'event.UserIp');
  d.add('ipv6', get('UserIp'), 'event.UserIp');
  const host = firstStr(get('HostnameField'), get('ComputerName'), get('Hostname'));
  d.host(host, 'event.HostnameField');
  const operation = firstStr(get('OperationName'));
  const service = firstStr(get('ServiceName'));
  d.tag(eventType, 'event_type');
  d.tag(operation, 'operation');
  d.tag(service, 'service');
  for (const kv of Array.isArray(get('AuditKeyValues'))
    ? (get('AuditKeyValues') as unknown[]).slice(0, 20)
    : []) {
    if (own(kv, 'Key') === 'target_name') d.user(own(kv, 'ValueString'), 'event.AuditKeyValues.target_name');
  }
  const failed = get('Success') === false || str(get('Success'), 10)?.toLowerCase() === 'false';
  const action = operation ? words(operation) : eventType;
  const title = [
    service ? `${action} (${service})` : action,
    user ? ` by ${user}` : '',
    host ? ` on ${host}` : '',
    failed ? ' (failed)' : '',
  ].join('');
  return d.build({
    source,
    // The stream offset identifies a delivery: a re-sent event folds into its incident.
    vendorId: str(own(own(body, 'metadata'), 'offset'), 40)
      ? `${eventType}:${str(own(own(body, 'metadata'), 'offset'), 40)}`
      : undefined,
    title,
    titleFallback: `CrowdStrike ${eventType}`,
    description: `${eventType}${operation ? ` ${operation}` : ''}${failed ? ' (failed)' : ''}`,
    severity: 'low',
    incidentType: ruleIncidentType(source, body) ?? typeOf(event, operation ?? eventType) ?? 'other',
    occurredAt: firstDate(own(own(body, 'metadata'), 'eventCreationTime'), get('UTCTimestamp')),
    receivedAt: ctx.receivedAt,
    raw: body,
  });
}

/**
 * CrowdStrike Falcon streaming API `DetectionSummaryEvent` (also the Epp variant's field names):
 * `{ metadata: { eventType, eventCreationTime (ms), offset, … }, event: { DetectId, Severity, … } }`.
 * Console audit events of the same stream (`AuthActivityAuditEvent`, `UserActivityAuditEvent`…) are
 * read by what they record (operation, user, IP) rather than as detections.
 */
export const crowdstrikeParser: AlertParser = {
  name: 'crowdstrike',
  aliases: ['falcon', 'crowdstrike-falcon'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'crowdstrike');
    const body = requireObject(payload, source, 'CrowdStrike');
    const event = own(body, 'event');
    if (!isObject(event)) throw invalid(source, 'event', 'CrowdStrike payload is missing the "event" object');
    const metadata = own(body, 'metadata');
    const eventType = str(own(metadata, 'eventType'), 100);
    if (isAuditEvent(eventType, event)) return auditAlert(body, event, eventType!, source, ctx);
    const get = (key: string): unknown => own(event, key);

    const d = new AlertDraft();
    const computer = firstStr(get('ComputerName'), get('Hostname'));
    d.host(computer, 'event.ComputerName', firstStr(get('SensorId'), get('AgentIdString'), get('AgentId')));
    d.user(get('UserName'), 'event.UserName');
    d.add('ipv4', get('LocalIP'), 'event.LocalIP');
    d.add('ipv4', get('ExternalIP'), 'event.ExternalIP');
    d.add('sha256', get('SHA256String'), 'event.SHA256String');
    d.add('sha1', get('SHA1String'), 'event.SHA1String');
    d.add('md5', get('MD5String'), 'event.MD5String');
    d.add('sha256', get('ParentSHA256String'), 'event.ParentSHA256String');
    const iocType = str(get('IOCType'), 40)?.toLowerCase();
    const iocKind = iocType ? IOC_TYPES[iocType] : undefined;
    if (iocKind) d.add(iocKind, get('IOCValue'), 'event.IOCValue');
    d.text(str(get('CommandLine')), 'event.CommandLine');
    d.text(str(get('ParentCommandLine')), 'event.ParentCommandLine');

    const tactic = firstStr(get('Tactic'));
    const technique = firstStr(get('Technique'));
    d.tag(tactic, 'tactic');
    d.tag(technique, 'technique');
    d.tag(get('Objective'), 'objective');
    d.tag(get('PatternDispositionDescription'), 'disposition');
    d.tag(get('FileName'), 'file');
    d.technique(get('TechniqueId'));
    d.techniquesIn(technique);
    d.techniquesIn(get('DetectDescription'));

    const title = firstStr(
      get('DetectName'),
      get('Name'),
      tactic && technique ? `${tactic}: ${technique}` : undefined,
    );
    const description = firstStr(get('DetectDescription'), get('Description'));
    return d.build({
      source,
      vendorId: firstStr(get('DetectId'), get('CompositeId')),
      title,
      titleFallback: `CrowdStrike detection on ${computer ?? 'unknown host'}`,
      description,
      severity: severity(event),
      // Technique/DetectName carry the specific threat ("Ransomware", "Credential Dumping"); the
      // Tactic is the ATT&CK tactic. Falcon detections are endpoint threats, so default malware.
      incidentType: inferIncidentType({
        texts: [technique, title, description],
        techniques: d.techniques,
        tactics: [tactic, firstStr(get('TacticId'))],
        fallback: 'malware',
      }),
      occurredAt: firstDate(own(metadata, 'eventCreationTime'), get('ProcessStartTime'), get('Timestamp')),
      receivedAt: ctx.receivedAt,
      // Newer Falcon detections carry Confidence 0-100.
      vendorConfidence: ratio(get('Confidence'), 100),
      raw: payload,
    });
  },
};
