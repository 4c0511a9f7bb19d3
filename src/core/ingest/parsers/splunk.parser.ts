import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { inferIncidentType, severityFromName } from '../classify.ts';
import { firstDate, firstStr, isObject, num, own, ratio, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import { scanObject } from './scan.ts';

/**
 * Severity from the result row: Splunk ES `urgency` (informational…critical) first, then a
 * `severity` field by name, then Splunk's numeric alert severity (1 debug … 6 fatal).
 */
function severity(result: Record<string, unknown>): Severity {
  for (const key of ['urgency', 'severity', 'priority']) {
    const named = severityFromName(own(result, key));
    if (named) return named;
  }
  const n = num(own(result, 'severity'));
  if (n !== undefined)
    return n <= 2 ? 'info' : n <= 3 ? 'low' : n <= 4 ? 'medium' : n <= 5 ? 'high' : 'critical';
  return 'medium';
}

/** Splunk ES `security_domain` as a last resort when the rule name says nothing. */
const DOMAIN_FALLBACK: Readonly<Record<string, IncidentType>> = {
  access: 'suspicious_login',
  identity: 'suspicious_login',
  endpoint: 'malware',
  threat: 'malware',
  network: 'other',
  audit: 'policy_violation',
};

/** Bookkeeping fields of a Splunk event: never indicators. */
const SKIP = new Set([
  '_time',
  '_cd',
  '_bkt',
  '_serial',
  '_si',
  '_indextime',
  '_sourcetype',
  '_eventtype_color',
  'sourcetype',
  'source',
  'index',
  'splunk_server',
  'linecount',
  'punct',
  'timestartpos',
  'timeendpos',
  'eventtype',
  'tag',
  'tag::eventtype',
  'search_name',
  'rule_name',
  'rule_title',
  'rule_description',
  'description',
  'savedsearch_description',
]);

/**
 * Splunk webhook alert action body: `{ result: {first result row}, sid, search_name, app, owner,
 * results_link }`. Splunk ES notable fields (`urgency`, `rule_name`, `event_id`…) are used when the
 * search returns them; indicators come from CIM field names (src, dest, user, url, file_hash…).
 */
export const splunkParser: AlertParser = {
  name: 'splunk',
  aliases: ['splunk-es', 'splunk-webhook'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'splunk');
    const body = requireObject(payload, source, 'Splunk');
    const result = own(body, 'result');
    if (!isObject(result))
      throw invalid(source, 'result', 'Splunk webhook body is missing the "result" object');
    const get = (key: string): unknown => own(result, key);

    const d = new AlertDraft();
    // Primary asset first: the destination host, then the user (CIM `dest`, `user`).
    for (const dest of strings(get('dest'), 5)) d.host(dest, 'result.dest');
    for (const user of strings(get('user'), 5)) d.user(user, 'result.user');
    scanObject(d, result, 'result', SKIP);

    const searchName = firstStr(own(body, 'search_name'), get('search_name'));
    const title = firstStr(get('rule_title'), get('rule_name'), searchName);
    const description = firstStr(get('rule_description'), get('description'), get('savedsearch_description'));
    for (const field of [
      'annotations.mitre_attack',
      'mitre_technique_id',
      'mitre_technique',
      'annotations',
    ]) {
      for (const s of strings(get(field))) d.techniquesIn(s);
    }
    d.tag(own(body, 'app'), 'app');
    d.tag(own(body, 'owner'), 'owner');
    d.tag(get('sourcetype'), 'sourcetype');
    d.tag(get('security_domain'), 'security_domain');

    const secDomain = firstStr(get('security_domain'))?.toLowerCase();
    return d.build({
      source,
      // ES notables carry their own event_id; a plain alert is identified by its search job id.
      vendorId: firstStr(get('event_id'), own(body, 'sid')),
      title,
      titleFallback: 'Splunk alert',
      description,
      severity: severity(result),
      incidentType: inferIncidentType({
        names: [get('incident_type'), get('category')],
        texts: [firstStr(get('category')), title, description],
        techniques: d.techniques,
        fallback: (secDomain && DOMAIN_FALLBACK[secDomain]) || 'other',
      }),
      occurredAt: firstDate(get('_time'), get('time'), get('orig_time')),
      receivedAt: ctx.receivedAt,
      vendorConfidence: ratio(get('risk_score'), 100),
      raw: payload,
    });
  },
};
