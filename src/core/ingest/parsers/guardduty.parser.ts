import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { typeFromText } from '../classify.ts';
import { firstDate, isObject, list, num, ownCI, pathCI, str, strings } from '../read.ts';
import type { AlertParser } from '../types.ts';
import { AlertDraft, invalid, requireObject, sourceName } from './draft.ts';

/**
 * GuardDuty's documented severity bands: low 1.0–3.9, medium 4.0–6.9, high 7.0–8.9,
 * critical 9.0–10.0. Below 1.0 is not a band AWS uses; we call it info.
 */
export function guardDutySeverity(value: number | undefined): Severity {
  if (value === undefined) return 'medium';
  if (value >= 9) return 'critical';
  if (value >= 7) return 'high';
  if (value >= 4) return 'medium';
  if (value >= 1) return 'low';
  return 'info';
}

/**
 * Finding types read `ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact`
 * (`UnauthorizedAccess:EC2/SSHBruteForce`). The threat purpose decides the type, with a few
 * families that override it (a DoS backdoor is a DoS, an RDP brute force is a login attack).
 */
const BY_PURPOSE: Readonly<Record<string, IncidentType>> = {
  backdoor: 'malware',
  trojan: 'malware',
  cryptocurrency: 'malware',
  execution: 'malware', // Execution:EC2/MaliciousFile, Execution:Runtime/…
  object: 'malware', // Malware Protection for S3: Object:S3/MaliciousFile
  unauthorizedaccess: 'suspicious_login',
  credentialaccess: 'suspicious_login',
  initialaccess: 'suspicious_login',
  recon: 'reconnaissance',
  discovery: 'reconnaissance',
  pentest: 'reconnaissance', // API calls from Kali/Parrot/Pentoo hosts
  exfiltration: 'data_exfiltration',
  privilegeescalation: 'privilege_escalation',
  policy: 'cloud_misconfiguration', // Policy:S3/BucketBlockPublicAccessDisabled, Policy:IAMUser/RootCredentialUsage
  stealth: 'policy_violation', // Stealth:IAMUser/CloudTrailLoggingDisabled: someone turned off audit
  defenseevasion: 'policy_violation',
  impact: 'malware', // Impact:EC2/AbusedDomainRequest, …/BitcoinDomainRequest: a compromised host
  persistence: 'suspicious_login', // Persistence:IAMUser/AnomalousBehavior: credential misuse
};

export function guardDutyType(findingType: string): IncidentType {
  if (/DenialOfService/i.test(findingType)) return 'denial_of_service';
  if (/BruteForce/i.test(findingType)) return 'suspicious_login';
  if (/PortSweep|PortProbe/i.test(findingType)) return 'reconnaissance';
  if (/Exfiltration/i.test(findingType)) return 'data_exfiltration';
  const purpose = findingType.split(':')[0]?.toLowerCase() ?? '';
  return BY_PURPOSE[purpose] ?? typeFromText(findingType) ?? 'other';
}

function remote(d: AlertDraft, action: unknown, path: string): void {
  const details = ownCI(action, 'remoteIpDetails');
  d.add('ipv4', ownCI(details, 'ipAddressV4'), `${path}.remoteIpDetails.ipAddressV4`);
  d.add('ipv6', ownCI(details, 'ipAddressV6'), `${path}.remoteIpDetails.ipAddressV6`);
  d.tag(pathCI(details, 'country', 'countryName'), 'remote_country');
  d.tag(pathCI(details, 'organization', 'asnOrg'), 'remote_org');
}

function resource(d: AlertDraft, res: unknown): void {
  const inst = ownCI(res, 'instanceDetails');
  const instanceId = str(ownCI(inst, 'instanceId'), 64);
  d.add('cloud_resource', instanceId, 'resource.instanceDetails.instanceId');
  // The instance's Name tag reads better than its id; the id stays as the asset id.
  const nameTag = list(ownCI(inst, 'tags'), 50).find((t) => str(ownCI(t, 'key'), 64) === 'Name');
  d.asset('cloud_resource', str(ownCI(nameTag, 'value'), 128) ?? instanceId, instanceId);
  d.add(
    'cloud_resource',
    pathCI(inst, 'iamInstanceProfile', 'arn'),
    'resource.instanceDetails.iamInstanceProfile.arn',
  );
  const key = ownCI(res, 'accessKeyDetails');
  d.add('cloud_resource', ownCI(key, 'accessKeyId'), 'resource.accessKeyDetails.accessKeyId');
  d.user(ownCI(key, 'userName'), 'resource.accessKeyDetails.userName', ownCI(key, 'principalId'));
  for (const bucket of list(ownCI(res, 's3BucketDetails'), 20)) {
    d.add('cloud_resource', ownCI(bucket, 'arn'), 'resource.s3BucketDetails.arn');
    d.asset('cloud_resource', ownCI(bucket, 'name'), ownCI(bucket, 'arn'));
  }
  for (const cluster of ['eksClusterDetails', 'ecsClusterDetails']) {
    d.add('cloud_resource', pathCI(res, cluster, 'arn'), `resource.${cluster}.arn`);
  }
  d.tag(ownCI(res, 'resourceType'), 'resource');
}

function action(d: AlertDraft, act: unknown): void {
  const base = 'service.action';
  d.tag(ownCI(act, 'actionType'), 'action');
  const net = ownCI(act, 'networkConnectionAction');
  remote(d, net, `${base}.networkConnectionAction`);
  d.tag(pathCI(net, 'localPortDetails', 'portName'), 'port');
  const api = ownCI(act, 'awsApiCallAction');
  remote(d, api, `${base}.awsApiCallAction`);
  d.add('domain', pathCI(api, 'domainDetails', 'domain'), `${base}.awsApiCallAction.domainDetails.domain`);
  d.tag(ownCI(api, 'api'), 'api');
  d.add('domain', pathCI(act, 'dnsRequestAction', 'domain'), `${base}.dnsRequestAction.domain`);
  for (const probe of list(pathCI(act, 'portProbeAction', 'portProbeDetails'), 50)) {
    remote(d, probe, `${base}.portProbeAction.portProbeDetails`);
  }
  remote(d, ownCI(act, 'kubernetesApiCallAction'), `${base}.kubernetesApiCallAction`);
  remote(d, ownCI(act, 'rdsLoginAttemptAction'), `${base}.rdsLoginAttemptAction`);
}

/**
 * Amazon GuardDuty finding delivered by EventBridge (`{ "detail-type": "GuardDuty Finding",
 * detail: finding }`); a bare finding is accepted too. Keys are read case-insensitively because
 * the console/API (camelCase) and some exporters (PascalCase) disagree.
 */
export const guardDutyParser: AlertParser = {
  name: 'guardduty',
  aliases: ['aws-guardduty', 'aws'],
  parse(payload, ctx) {
    const source = sourceName(ctx.source, 'guardduty');
    const body = requireObject(payload, source, 'GuardDuty');
    const detail = ownCI(body, 'detail') ?? (ownCI(body, 'schemaVersion') !== undefined ? body : undefined);
    if (!isObject(detail))
      throw invalid(source, 'detail', 'GuardDuty event is missing the "detail" finding object');
    const findingType = str(ownCI(detail, 'type'), 256);
    if (!findingType) throw invalid(source, 'detail.type', 'GuardDuty finding is missing "detail.type"');

    const d = new AlertDraft();
    resource(d, ownCI(detail, 'resource'));
    const service = ownCI(detail, 'service');
    action(d, ownCI(service, 'action'));
    for (const ti of list(pathCI(service, 'evidence', 'threatIntelligenceDetails'), 20)) {
      for (const name of strings(ownCI(ti, 'threatNames'), 10)) d.tag(name, 'threat');
    }
    const account = str(ownCI(detail, 'accountId'), 32) ?? str(ownCI(body, 'account'), 32);
    d.tag(account, 'aws_account');
    d.tag(str(ownCI(detail, 'region'), 32) ?? str(ownCI(body, 'region'), 32), 'aws_region');
    d.tag(findingType.split(':')[0], 'guardduty');
    if (account) d.asset('cloud_resource', `aws-account:${account}`, account);

    const confidence = num(ownCI(detail, 'confidence'));
    return d.build({
      source,
      vendorId: str(ownCI(detail, 'id')),
      title: str(ownCI(detail, 'title')) ?? findingType,
      titleFallback: 'GuardDuty finding',
      description: str(ownCI(detail, 'description')),
      severity: guardDutySeverity(num(ownCI(detail, 'severity'))),
      incidentType: guardDutyType(findingType),
      occurredAt: firstDate(
        ownCI(service, 'eventFirstSeen'),
        ownCI(detail, 'createdAt'),
        ownCI(body, 'time'),
      ),
      receivedAt: ctx.receivedAt,
      // The finding's legacy `confidence` is on GuardDuty's 0-10 scale.
      vendorConfidence:
        confidence !== undefined && confidence >= 0 && confidence <= 10 ? confidence / 10 : undefined,
      raw: payload,
    });
  },
};
