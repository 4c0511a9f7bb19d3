import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { SEVERITY_RANK } from '../../../contracts/index.ts';
import { ruleIncidentType } from '../../triage/rules/index.ts';
import { typeFromText } from '../classify.ts';
import { firstDate, firstStr, isObject, list, own, str } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';

/** Okta LogEvent `severity`: DEBUG, INFO, WARN, ERROR. */
const BY_NAME: Readonly<Record<string, Severity>> = {
  debug: 'info',
  info: 'low',
  warn: 'medium',
  error: 'high',
};

/**
 * `debugContext.debugData.risk` is a string such as `{level=HIGH, reasons=…}` (sometimes JSON);
 * returns the level in lower case.
 */
function riskLevel(debugData: unknown): string | undefined {
  const risk = own(debugData, 'risk');
  const text = isObject(risk) ? str(own(risk, 'level'), 20) : str(risk, 500);
  if (!text) return undefined;
  const m = /\blevel"?\s*[=:]\s*"?(low|medium|high)\b/i.exec(text) ?? /^(low|medium|high)$/i.exec(text);
  return m?.[1]?.toLowerCase();
}

/** Okta writes booleans in debugData as strings ("true"). */
function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

const LOGIN_EVENTS =
  /^(user\.session\.start|user\.authentication\.|user\.mfa\.|policy\.evaluate_sign_on|user\.account\.lock|security\.request\.blocked)/;

/**
 * The rule pack's type when one of its rules knows the event (docs/ANALYZER.md), else `eventType`
 * decides: threat and sign-on events are suspicious logins, privilege grants are
 * privilege escalation, policy and app-assignment changes are policy violations.
 */
function incidentType(eventType: string, title: string | undefined, event: unknown): IncidentType {
  const fromRule = ruleIncidentType('okta', event);
  if (fromRule) return fromRule;
  if (/^security\.(threat\.detected|attack\.)|^user\.risk\./.test(eventType)) return 'suspicious_login';
  if (LOGIN_EVENTS.test(eventType)) return 'suspicious_login';
  if (/privilege\.grant|role\.assign|admin/.test(eventType)) return 'privilege_escalation';
  if (
    /^user\.account\.(reset_password|update_password)|^user\.mfa\.factor\.(deactivate|reset_all)/.test(
      eventType,
    )
  ) {
    return 'suspicious_login';
  }
  if (/^policy\.|^application\.policy|^system\.(api_token|org\.rate_limit)/.test(eventType))
    return 'policy_violation';
  return typeFromText(title) ?? 'other';
}

function raise(current: Severity, floor: Severity): Severity {
  return SEVERITY_RANK[floor] > SEVERITY_RANK[current] ? floor : current;
}

/**
 * Okta System Log `LogEvent` (`uuid`, `eventType`, `actor`, `client`, `outcome`, `target[]`,
 * `debugContext.debugData`…), or an Okta event hook body `{ data: { events: [...] } }`, of which
 * the first event is taken (`parseAlerts` splits a hook into one alert per event before this).
 */
export const oktaParser: AlertParser = {
  name: 'okta',
  aliases: ['okta-system-log', 'okta-event-hook'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'okta');
    const body = requireObject(payload, source, 'Okta');
    const hookEvents = own(own(body, 'data'), 'events');
    const event = Array.isArray(hookEvents) ? hookEvents[0] : body;
    if (!isObject(event))
      throw invalid(source, 'data.events', 'Okta event hook body has no event in "data.events"');
    const eventType = str(own(event, 'eventType'), 200);
    if (!eventType) throw invalid(source, 'eventType', 'Okta event is missing "eventType"');

    const d = new AlertDraft();
    const actor = own(event, 'actor');
    const actorType = str(own(actor, 'type'), 40)?.toLowerCase();
    if (actorType === undefined || actorType === 'user') {
      d.user(own(actor, 'alternateId'), 'actor.alternateId', own(actor, 'id'));
    } else {
      d.asset(
        'application',
        firstStr(own(actor, 'displayName'), own(actor, 'alternateId')),
        own(actor, 'id'),
      );
    }
    const client = own(event, 'client');
    d.add('ipv4', own(client, 'ipAddress'), 'client.ipAddress');
    d.add('ipv6', own(client, 'ipAddress'), 'client.ipAddress');
    for (const hop of list(own(own(event, 'request'), 'ipChain'), 10)) {
      d.add('ipv4', own(hop, 'ip'), 'request.ipChain.ip');
    }
    for (const target of list(own(event, 'target'), 20)) {
      if (str(own(target, 'type'), 40)?.toLowerCase() === 'user') {
        d.user(own(target, 'alternateId'), 'target.alternateId', own(target, 'id'));
      }
    }
    const geo = own(client, 'geographicalContext');
    d.tag(own(geo, 'country'), 'country');
    d.tag(own(geo, 'city'), 'city');
    const sec = own(event, 'securityContext');
    d.tag(own(sec, 'asOrg'), 'as_org');
    if (own(sec, 'isProxy') === true) d.tag('proxy');
    const outcome = str(own(own(event, 'outcome'), 'result'), 20)?.toUpperCase();
    d.tag(outcome, 'outcome');
    d.tag(eventType, 'okta_event');

    const debugData = own(own(event, 'debugContext'), 'debugData');
    const threat = truthy(own(debugData, 'threatSuspected'));
    const risk = riskLevel(debugData);
    if (threat) d.tag('threat_suspected');

    let severity = BY_NAME[str(own(event, 'severity'), 10)?.toLowerCase() ?? ''] ?? 'low';
    if (outcome === 'FAILURE' || outcome === 'DENY') severity = raise(severity, 'medium');
    if (risk === 'medium') severity = raise(severity, 'medium');
    if (threat || risk === 'high' || eventType === 'security.threat.detected')
      severity = raise(severity, 'high');

    const title = firstStr(own(event, 'displayMessage'), eventType);
    const reason = str(own(own(event, 'outcome'), 'reason'), 500);
    return d.build({
      source,
      vendorId: str(own(event, 'uuid'), 128),
      title,
      titleFallback: 'Okta event',
      description: [
        reason
          ? `${eventType} (${outcome ?? 'UNKNOWN'}): ${reason}`
          : `${eventType} (${outcome ?? 'UNKNOWN'})`,
      ]
        .concat(risk ? [`Okta risk level: ${risk}`] : [])
        .join('. '),
      severity,
      incidentType: incidentType(eventType, title, event),
      occurredAt: firstDate(own(event, 'published')),
      receivedAt: ctx.receivedAt,
      // Okta scores risk LOW/MEDIUM/HIGH; we place those on the 0..1 scale.
      vendorConfidence: risk === 'high' ? 0.9 : risk === 'medium' ? 0.6 : risk === 'low' ? 0.3 : undefined,
      raw: payload,
    });
  },
};
