/**
 * Demo alerts: realistic vendor payloads for `triage-warden demo` and the dashboard tour. The
 * indicators are chosen against the offline demo threat-intel lists so triage gives a spread of
 * verdicts: 185.220.101.47, 45.155.205.233, login-micros0ft-secure.com and the sha256 9f86d0…0a08
 * are listed malicious; 8.8.8.8 and microsoft.com are allowlisted (clean); the rest are unknown.
 *
 * Imports nothing (the CLI loads it without the rest of the app).
 */

/** One demo alert: POST `payload` to `/api/v1/webhooks/<source>`. */
export interface DemoAlert {
  source: string;
  payload: unknown;
  /** What the demo shows with it. */
  note: string;
}

export const MALICIOUS_SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/**
 * The demo alerts, timestamped minutes before `now`. Vendor ids embed `now` (in seconds), so the
 * same `now` always yields the same payloads (and dedups), while a later run makes new incidents.
 * @param now reference time (default: the current time)
 */
export function demoAlerts(now: Date = new Date()): DemoAlert[] {
  const t = now.getTime();
  const ago = (minutes: number): Date => new Date(t - minutes * 60_000);
  const iso = (minutes: number): string => ago(minutes).toISOString();
  const run = Math.floor(t / 1000).toString(16);

  return [
    {
      source: 'crowdstrike',
      note: 'Falcon ransomware detection: critical, malicious hash, should escalate and propose host isolation.',
      payload: {
        metadata: {
          customerIDString: '8f1c2b7a9d3e4f5a6b7c8d9e0f1a2b3c',
          offset: 1482217,
          eventType: 'DetectionSummaryEvent',
          eventCreationTime: ago(12).getTime(),
          version: '1.0',
        },
        event: {
          ProcessStartTime: Math.floor(ago(13).getTime() / 1000),
          ComputerName: 'FIN-WS-042',
          UserName: 'CORP\\jdoe',
          DetectName: 'Ransomware',
          DetectDescription:
            'A process associated with ransomware attempted to encrypt files and delete volume shadow copies.',
          Severity: 5,
          SeverityName: 'Critical',
          FileName: 'invoice_viewer.exe',
          CommandLine: '"C:\\Users\\jdoe\\AppData\\Local\\Temp\\invoice_viewer.exe" --silent',
          SHA256String: MALICIOUS_SHA256,
          MD5String: '5d41402abc4b2a76b9719d911017c592',
          SensorId: '4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b',
          DetectId: `ldt:4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b:${run}01`,
          LocalIP: '10.20.4.42',
          Tactic: 'Impact',
          Technique: 'Data Encrypted for Impact',
          TechniqueId: 'T1486',
          Objective: 'Follow Through',
          PatternDispositionDescription: 'Detection, standard detection.',
          FalconHostLink:
            'https://falcon.crowdstrike.com/activity/detections/detail/4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b',
        },
      },
    },
    {
      source: 'guardduty',
      note: 'GuardDuty SSH brute force from a known Tor exit (185.220.101.47) against a web instance.',
      payload: {
        version: '0',
        id: `c8c4daa7-a20c-2f03-0070-${run.padStart(12, '0').slice(-12)}`,
        'detail-type': 'GuardDuty Finding',
        source: 'aws.guardduty',
        account: '123456789012',
        time: iso(20),
        region: 'eu-west-1',
        resources: [],
        detail: {
          schemaVersion: '2.0',
          accountId: '123456789012',
          region: 'eu-west-1',
          id: `7ec7f5a1b8e34c5e${run}`,
          type: 'UnauthorizedAccess:EC2/SSHBruteForce',
          resource: {
            resourceType: 'Instance',
            instanceDetails: {
              instanceId: 'i-0a1b2c3d4e5f67890',
              instanceType: 't3.medium',
              tags: [{ key: 'Name', value: 'web-frontend-1' }],
            },
          },
          service: {
            serviceName: 'guardduty',
            action: {
              actionType: 'NETWORK_CONNECTION',
              networkConnectionAction: {
                connectionDirection: 'INBOUND',
                remoteIpDetails: { ipAddressV4: '185.220.101.47', country: { countryName: 'Germany' } },
                localPortDetails: { port: 22, portName: 'SSH' },
                protocol: 'TCP',
                blocked: false,
              },
            },
            eventFirstSeen: iso(45),
            eventLastSeen: iso(21),
            count: 214,
          },
          severity: 5,
          createdAt: iso(20),
          title: '185.220.101.47 is performing SSH brute force attacks against i-0a1b2c3d4e5f67890.',
          description: '185.220.101.47 is performing SSH brute force attacks against i-0a1b2c3d4e5f67890.',
        },
      },
    },
    {
      source: 'okta',
      note: 'Okta sign-in failure from 45.155.205.233 through an anonymising proxy, Okta flags a threat.',
      payload: {
        uuid: `f3a9b1c2-5d6e-11ef-9a7b-${run.padStart(12, '0').slice(-12)}`,
        published: iso(9),
        eventType: 'user.session.start',
        version: '0',
        severity: 'WARN',
        displayMessage: 'User login to Okta',
        actor: {
          id: '00u8xk2f1bQ9XyZ1a5d7',
          type: 'User',
          alternateId: 'jdoe@contoso.com',
          displayName: 'John Doe',
        },
        client: {
          userAgent: { rawUserAgent: 'python-requests/2.31.0', os: 'Unknown', browser: 'UNKNOWN' },
          ipAddress: '45.155.205.233',
          geographicalContext: { city: 'Amsterdam', country: 'Netherlands' },
        },
        outcome: { result: 'FAILURE', reason: 'VERIFICATION_ERROR' },
        securityContext: { asNumber: 49870, asOrg: 'alsycon b.v.', isProxy: true },
        debugContext: {
          debugData: { threatSuspected: 'true', risk: '{reasons=New Device, New IP, level=HIGH}' },
        },
        target: [
          {
            id: '00u8xk2f1bQ9XyZ1a5d7',
            type: 'User',
            alternateId: 'jdoe@contoso.com',
            displayName: 'John Doe',
          },
        ],
      },
    },
    {
      source: 'microsoft-graph',
      note: 'Defender for Office phishing alert: a delivered email links to login-micros0ft-secure.com.',
      payload: {
        id: `fa6f41c9f2-7b3d-4e4c-9a7a-${run}_1`,
        severity: 'high',
        serviceSource: 'microsoftDefenderForOffice365',
        detectionSource: 'microsoftDefenderForOffice365',
        title: 'Email messages containing malicious URL removed after delivery',
        description: 'Emails with a malicious URL that were delivered and later removed.',
        category: 'InitialAccess',
        mitreTechniques: ['T1566.002'],
        createdDateTime: iso(30),
        firstActivityDateTime: iso(34),
        evidence: [
          {
            '@odata.type': '#microsoft.graph.security.analyzedMessageEvidence',
            verdict: 'malicious',
            subject: 'Action required: your mailbox password expires today',
            internetMessageId: `<PH${run}.4f1c2a@login-micros0ft-secure.com>`,
            senderIp: '45.155.205.233',
            recipientEmailAddress: 'alice.martin@contoso.com',
            urls: ['https://login-micros0ft-secure.com/owa/auth'],
            p1Sender: {
              emailAddress: 'it-support@login-micros0ft-secure.com',
              domainName: 'login-micros0ft-secure.com',
            },
          },
          {
            '@odata.type': '#microsoft.graph.security.urlEvidence',
            verdict: 'malicious',
            url: 'https://login-micros0ft-secure.com/owa/auth',
          },
          {
            '@odata.type': '#microsoft.graph.security.mailboxEvidence',
            primaryAddress: 'alice.martin@contoso.com',
            userAccount: {
              accountName: 'amartin',
              domainName: 'CONTOSO',
              userPrincipalName: 'alice.martin@contoso.com',
            },
          },
        ],
      },
    },
    {
      source: 'splunk',
      note: 'Splunk low-urgency noise: a workstation resolving microsoft.com through 8.8.8.8 (benign).',
      payload: {
        result: {
          _time: (ago(50).getTime() / 1000).toFixed(3),
          src: '10.20.4.57',
          dest: '8.8.8.8',
          dest_port: '53',
          query: 'microsoft.com',
          user: 'CORP\\asmith',
          urgency: 'low',
          sourcetype: 'stream:dns',
          rule_description:
            'Workstation resolved names through a public resolver instead of the corporate DNS servers.',
        },
        sid: `scheduler__admin__search__RMD5d3a1c2b4e5f6a7b8_at_${Math.floor(t / 1000)}_1234`,
        results_link: 'https://splunk.contoso.local:8000/app/search/search',
        search_name: 'Policy - DNS queries to external resolver',
        owner: 'admin',
        app: 'search',
      },
    },
    {
      source: 'elastic',
      note: 'Elastic rule: unusual outbound connection from a server to an unknown address (inconclusive).',
      payload: {
        '@timestamp': iso(25),
        'kibana.alert.uuid': `5f6c1e2d3b4a5968${run}`,
        'kibana.alert.original_time': iso(26),
        'kibana.alert.rule.name': 'Unusual Network Connection via RunDLL32',
        'kibana.alert.rule.threat': [
          {
            framework: 'MITRE ATT&CK',
            tactic: { id: 'TA0005', name: 'Defense Evasion' },
            technique: [
              {
                id: 'T1218',
                name: 'System Binary Proxy Execution',
                subtechnique: [{ id: 'T1218.011', name: 'Rundll32' }],
              },
            ],
          },
        ],
        'kibana.alert.severity': 'medium',
        'kibana.alert.risk_score': 47,
        'kibana.alert.reason': 'network event with process rundll32.exe on app-srv-03 created medium alert.',
        'event.category': ['network'],
        'host.name': 'app-srv-03',
        'user.name': 'svc_app',
        'process.name': 'rundll32.exe',
        'destination.ip': '198.51.100.23',
      },
    },
    {
      // Posted to the catch-all `generic` source; the payload names its real origin.
      source: 'generic',
      note: 'Generic-format DLP alert: 4 GB uploaded to a file-sharing site from a finance laptop.',
      payload: {
        id: `dlp-${run}`,
        source: 'acme-dlp',
        alert_type: 'data_exfiltration',
        severity: 'high',
        title: 'Large upload to personal cloud storage',
        description: '4.2 GB uploaded from fin-lt-007 to an unsanctioned file-sharing site.',
        timestamp: iso(15),
        tags: ['dlp', 'finance'],
        data: {
          hostname: 'fin-lt-007',
          username: 'mwong@contoso.com',
          src_ip: '10.20.6.18',
          url: 'https://files.example-share.io/upload/ab12',
          bytes_out: 4509715660,
        },
      },
    },
  ];
}

/** The demo alerts as of module load; call {@link demoAlerts} for fresh timestamps. */
export const DEMO_ALERTS: DemoAlert[] = demoAlerts();
