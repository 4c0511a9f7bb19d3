import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { inferIncidentType, severityFromName, typeFromText } from '../classify.ts';
import { firstDate, firstStr, isObject, list, num, getPath, own, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';

/**
 * Elastic's default pairing of rule severity and risk score is low 21, medium 47, high 73,
 * critical 99; we cut between those: 0–21 low, 22–47 medium, 48–73 high, 74–100 critical.
 */
export function elasticSeverityFromRisk(score: number | undefined): Severity {
  if (score === undefined) return 'medium';
  if (score >= 74) return 'critical';
  if (score >= 48) return 'high';
  if (score >= 22) return 'medium';
  return 'low';
}

/** ECS `event.category` as a fallback type. */
const BY_CATEGORY: Readonly<Record<string, IncidentType>> = {
  malware: 'malware',
  authentication: 'suspicious_login',
  iam: 'privilege_escalation',
  intrusion_detection: 'malware',
  email: 'phishing',
  configuration: 'cloud_misconfiguration',
};

/** Both `kibana.alert.*` (8.x) and legacy `signal.*` (7.x) field names. */
function read(doc: Record<string, unknown>, ...paths: string[]): unknown {
  for (const p of paths) {
    const v = getPath(doc, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/**
 * Elastic Security detection alert document (`.alerts-security.alerts-*`): rule fields under
 * `kibana.alert.*` plus the ECS fields of the source event, as dotted keys, nested objects or a
 * mix. An Elasticsearch hit (`{ _id, _source }`) is unwrapped.
 */
export const elasticParser: AlertParser = {
  name: 'elastic',
  aliases: ['elastic-security', 'kibana', 'elasticsearch'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'elastic');
    const body = requireObject(payload, source, 'Elastic');
    const doc = isObject(own(body, '_source')) ? (own(body, '_source') as Record<string, unknown>) : body;
    const ruleName = firstStr(read(doc, 'kibana.alert.rule.name', 'signal.rule.name'));
    const uuid = firstStr(read(doc, 'kibana.alert.uuid'), own(body, '_id'));
    if (!ruleName && !uuid) {
      throw invalid(source, 'kibana.alert.rule.name', 'Elastic alert is missing "kibana.alert.rule.name"');
    }

    const d = new AlertDraft();
    const at = (p: string): unknown => getPath(doc, p);
    d.host(firstStr(at('host.name'), at('host.hostname')), 'host.name', at('host.id'));
    const user = firstStr(at('user.name'));
    const userDomain = firstStr(at('user.domain'));
    d.user(
      user && userDomain && !user.includes('@') ? `${userDomain}\\${user}` : user,
      'user.name',
      at('user.id'),
    );
    for (const p of ['source.ip', 'destination.ip', 'client.ip', 'server.ip']) {
      for (const ip of strings(at(p), 10)) d.host(ip, p);
    }
    for (const p of ['url.full', 'url.original']) d.add('url', at(p), p);
    for (const p of ['dns.question.name', 'destination.domain', 'source.domain', 'url.domain'])
      d.add('domain', at(p), p);
    for (const p of ['email.from.address', 'email.sender.address', 'email.to.address'])
      d.add('email', at(p), p);
    for (const prefix of ['file.hash', 'process.hash', 'process.parent.hash', 'dll.hash']) {
      for (const algo of ['sha256', 'sha1', 'md5'] as const)
        d.add(algo, at(`${prefix}.${algo}`), `${prefix}.${algo}`);
    }
    d.text(firstStr(at('process.command_line')), 'process.command_line');
    d.add('cloud_resource', at('cloud.instance.id'), 'cloud.instance.id');

    const tactics: string[] = [];
    for (const threat of list(read(doc, 'kibana.alert.rule.threat', 'signal.rule.threat'), 20)) {
      const tactic = firstStr(getPath(threat, 'tactic.name'));
      if (tactic) tactics.push(tactic);
      for (const tech of list(own(threat, 'technique'), 20)) {
        d.technique(own(tech, 'id'));
        for (const sub of list(own(tech, 'subtechnique'), 20)) d.technique(own(sub, 'id'));
      }
    }
    for (const tag of strings(read(doc, 'kibana.alert.rule.tags', 'signal.rule.tags'), 20)) d.tag(tag);
    const categories = strings(at('event.category'), 5).map((c) => c.toLowerCase());
    for (const c of categories) d.tag(c, 'event.category');

    const risk = num(
      read(doc, 'kibana.alert.risk_score', 'kibana.alert.rule.risk_score', 'signal.rule.risk_score'),
    );
    const riskScore = risk !== undefined && risk >= 0 && risk <= 100 ? risk : undefined;
    const description = firstStr(
      read(doc, 'kibana.alert.reason', 'signal.reason'),
      read(doc, 'kibana.alert.rule.description', 'signal.rule.description'),
    );
    const fallback = categories.map((c) => BY_CATEGORY[c]).find((t) => t !== undefined) ?? 'other';
    return d.build({
      source,
      vendorId: uuid,
      title: ruleName,
      titleFallback: 'Elastic Security alert',
      description,
      severity:
        severityFromName(
          read(doc, 'kibana.alert.severity', 'kibana.alert.rule.severity', 'signal.rule.severity'),
        ) ?? elasticSeverityFromRisk(riskScore),
      // The rule name and its ATT&CK mapping are curated; the generated `reason` text only breaks ties.
      incidentType: inferIncidentType({
        texts: [ruleName],
        techniques: d.techniques,
        tactics,
        fallback: typeFromText(description) ?? fallback,
      }),
      occurredAt: firstDate(
        read(doc, 'kibana.alert.original_time', 'signal.original_time'),
        at('@timestamp'),
      ),
      receivedAt: ctx.receivedAt,
      vendorConfidence: riskScore === undefined ? undefined : riskScore / 100,
      raw: payload,
    });
  },
};
