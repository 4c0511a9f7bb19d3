import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { inferIncidentType, typeFromText } from '../classify.ts';
import { firstDate, firstStr, isObject, list, own, str, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';
import { genericParser } from './generic.parser.ts';

/** Graph `alertSeverity`: unknown, informational, low, medium, high (no critical). */
function severity(value: unknown): Severity {
  switch (str(value, 32)?.toLowerCase()) {
    case 'informational':
      return 'info';
    case 'low':
      return 'low';
    case 'high':
      return 'high';
    default:
      return 'medium'; // `medium`, and `unknown`: not known to be minor, so not downplayed
  }
}

/** Reads one `userAccount` object (userEvidence, mailboxEvidence, processEvidence…). */
function account(d: AlertDraft, acct: unknown, ctx: string): void {
  if (!isObject(acct)) return;
  const upn = str(own(acct, 'userPrincipalName'), 256);
  const name = str(own(acct, 'accountName'), 256);
  const dom = str(own(acct, 'domainName'), 256);
  d.user(upn ?? (name && dom ? `${dom}\\${name}` : name), ctx, own(acct, 'azureAdUserId'));
}

function fileDetails(d: AlertDraft, details: unknown, ctx: string): void {
  if (!isObject(details)) return;
  d.add('sha256', own(details, 'sha256'), `${ctx}.sha256`);
  d.add('sha1', own(details, 'sha1'), `${ctx}.sha1`);
  d.add('md5', own(details, 'md5'), `${ctx}.md5`);
  d.tag(own(details, 'fileName'), 'file');
}

/** One evidence item, by its `@odata.type` (`#microsoft.graph.security.ipEvidence`…). */
function evidence(d: AlertDraft, ev: Record<string, unknown>): string {
  const kind = (str(own(ev, '@odata.type'), 120) ?? '').replace(/^#?microsoft\.graph\.security\./i, '');
  const ctx = `evidence.${kind || 'unknown'}`;
  switch (kind) {
    case 'ipEvidence':
      d.host(own(ev, 'ipAddress'), `${ctx}.ipAddress`);
      break;
    case 'deviceEvidence':
      d.host(
        firstStr(own(ev, 'deviceDnsName'), own(ev, 'hostName')),
        `${ctx}.deviceDnsName`,
        own(ev, 'mdeDeviceId'),
      );
      for (const u of list(own(ev, 'loggedOnUsers'), 10)) account(d, u, `${ctx}.loggedOnUsers`);
      break;
    case 'userEvidence':
      account(d, own(ev, 'userAccount'), `${ctx}.userAccount`);
      break;
    case 'urlEvidence':
      d.add('url', own(ev, 'url'), `${ctx}.url`);
      break;
    case 'fileEvidence':
      fileDetails(d, own(ev, 'fileDetails'), `${ctx}.fileDetails`);
      break;
    case 'processEvidence':
      fileDetails(d, own(ev, 'imageFile'), `${ctx}.imageFile`);
      fileDetails(d, own(ev, 'parentProcessImageFile'), `${ctx}.parentProcessImageFile`);
      d.text(str(own(ev, 'processCommandLine')), `${ctx}.processCommandLine`);
      account(d, own(ev, 'userAccount'), `${ctx}.userAccount`);
      break;
    case 'mailboxEvidence':
      d.add('email', own(ev, 'primaryAddress'), `${ctx}.primaryAddress`);
      d.asset('mailbox', own(ev, 'primaryAddress'));
      account(d, own(ev, 'userAccount'), `${ctx}.userAccount`);
      break;
    case 'analyzedMessageEvidence':
      d.add('ipv4', own(ev, 'senderIp'), `${ctx}.senderIp`);
      d.add('ipv6', own(ev, 'senderIp'), `${ctx}.senderIp`);
      d.add('email', own(own(ev, 'p1Sender'), 'emailAddress'), `${ctx}.p1Sender`);
      d.add('email', own(own(ev, 'p2Sender'), 'emailAddress'), `${ctx}.p2Sender`);
      d.add('email', own(ev, 'recipientEmailAddress'), `${ctx}.recipientEmailAddress`);
      d.asset('mailbox', own(ev, 'recipientEmailAddress'));
      for (const u of strings(own(ev, 'urls'))) d.add('url', u, `${ctx}.urls`);
      break;
    case 'cloudApplicationEvidence':
    case 'oauthApplicationEvidence':
      d.asset('application', own(ev, 'displayName'), own(ev, 'appId'));
      break;
    case 'azureResourceEvidence':
      d.add('cloud_resource', own(ev, 'resourceId'), `${ctx}.resourceId`);
      d.asset(
        'cloud_resource',
        firstStr(own(ev, 'resourceName'), own(ev, 'resourceId')),
        own(ev, 'resourceId'),
      );
      break;
    case 'amazonResourceEvidence':
      d.add('cloud_resource', own(ev, 'amazonResourceId'), `${ctx}.amazonResourceId`);
      d.asset('cloud_resource', firstStr(own(ev, 'resourceName'), own(ev, 'amazonResourceId')));
      break;
    case 'dnsEvidence':
      d.add(
        'domain',
        firstStr(own(ev, 'domainName'), own(own(ev, 'dnsServerIp'), 'ipAddress')),
        `${ctx}.domainName`,
      );
      break;
  }
  return kind;
}

/** Graph `serviceSource` → type when neither title nor category decides. */
const SERVICE_FALLBACK: Readonly<Record<string, IncidentType>> = {
  microsoftdefenderforendpoint: 'malware',
  microsoftdefenderforoffice365: 'phishing',
  azureadidentityprotection: 'suspicious_login',
  microsoftentraidprotection: 'suspicious_login',
  microsoftdatalossprevention: 'data_exfiltration',
  datalossprevention: 'data_exfiltration',
  microsoftinsiderriskmanagement: 'insider_threat',
};

/**
 * Graph `category` is the ATT&CK tactic in PascalCase plus Defender's own buckets. Phishing is
 * decided from the title or from mail evidence: Defender for Office files it as InitialAccess.
 */
function incidentType(
  alert: Record<string, unknown>,
  kinds: Set<string>,
  techniques: string[],
): IncidentType {
  const title = str(own(alert, 'title'), 500);
  const category = str(own(alert, 'category'), 64) ?? '';
  const mail = kinds.has('analyzedMessageEvidence') || kinds.has('mailboxEvidence');
  const fromTitle = typeFromText(title) ?? typeFromText(str(own(alert, 'threatFamilyName'), 100));
  if (fromTitle) return fromTitle;
  if (/initialaccess/i.test(category) && mail) return 'phishing';
  if (/^(malware|unwantedsoftware|exploit|ransomware)$/i.test(category)) {
    return category.toLowerCase() === 'ransomware' ? 'ransomware' : 'malware';
  }
  // Entra ID Protection files risky sign-ins as InitialAccess with user evidence and no mail.
  if (/initialaccess/i.test(category) && kinds.has('userEvidence')) return 'suspicious_login';
  return inferIncidentType({
    texts: [str(own(alert, 'description'), 2_000)],
    techniques,
    tactics: [category],
    fallback: SERVICE_FALLBACK[(str(own(alert, 'serviceSource'), 64) ?? '').toLowerCase()] ?? 'other',
  });
}

/**
 * A Microsoft 365 Management Activity API audit record (`Operation` with `Workload` or `RecordType`,
 * no `title`): SOCs point the `m365` source at the audit feed as well as at Defender alerts.
 */
function isManagementActivityRecord(body: Record<string, unknown>): boolean {
  return (
    str(own(body, 'title')) === undefined &&
    str(own(body, 'Operation'), 200) !== undefined &&
    (own(body, 'Workload') !== undefined || own(body, 'RecordType') !== undefined)
  );
}

/**
 * Microsoft Graph security alert v2 (`microsoft.graph.security.alert`, Defender XDR / M365),
 * bare or as the first item of a `{ value: [alert] }` collection (`parseAlerts` splits a collection
 * into one alert per item before this). A Microsoft 365 Management Activity audit record posted to the
 * same source is read as a vendor event (`generic.parser.ts`), its title built from `Operation`.
 */
export const microsoftGraphParser: AlertParser = {
  name: 'microsoft-graph',
  aliases: ['defender', 'm365', 'microsoft-defender', 'graph'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'microsoft-graph');
    const body = requireObject(payload, source, 'Microsoft Graph');
    if (isManagementActivityRecord(body)) return genericParser.parse(payload, { ...ctx, source });
    const value = own(body, 'value');
    const alert = Array.isArray(value) && isObject(value[0]) ? value[0] : body;
    if (str(own(alert, 'id')) === undefined && str(own(alert, 'title')) === undefined) {
      throw invalid(source, 'title', 'Microsoft Graph alert is missing both "id" and "title"');
    }

    const d = new AlertDraft();
    const kinds = new Set<string>();
    for (const ev of list(own(alert, 'evidence'), 100)) if (isObject(ev)) kinds.add(evidence(d, ev));
    for (const t of list(own(alert, 'mitreTechniques'), 40)) d.technique(t);
    for (const key of [
      'serviceSource',
      'detectionSource',
      'category',
      'threatFamilyName',
      'actorDisplayName',
    ]) {
      d.tag(own(alert, key), key);
    }

    const title = str(own(alert, 'title'));
    return d.build({
      source,
      vendorId: firstStr(own(alert, 'id'), own(alert, 'providerAlertId')),
      title,
      titleFallback: 'Microsoft Defender alert',
      description: str(own(alert, 'description')),
      severity: severity(own(alert, 'severity')),
      incidentType: incidentType(alert, kinds, d.techniques),
      occurredAt: firstDate(own(alert, 'firstActivityDateTime'), own(alert, 'createdDateTime')),
      receivedAt: ctx.receivedAt,
      raw: payload,
    });
  },
};
