/**
 * Builds a PostgreSQL database of N incidents quickly (COPY of generated text, indexes built after
 * the load) with a realistic spread: incident types, sources and severities weighted like a SOC's
 * week, statuses that depend on age (old incidents are mostly closed), created_at growing towards
 * the present, titles and descriptions with malware families, LOLBins, hosts and users for full-text.
 *
 * The database is built under a temporary name and renamed when complete, so an interrupted build
 * never leaves a half-filled database under the final name. A comment on the database records how
 * it was built; `ensureIncidentDatabase` reuses a matching one.
 */
import pg from 'pg';
import {
  SEVERITY_RANK,
  type IncidentStatus,
  type IncidentType,
  type Severity,
} from '../../src/contracts/index.ts';
import { copyFrom } from './pg-copy.ts';
import { HOST } from './proc.ts';
import { openPostgresDatabase } from '../../src/adapters/postgres/postgres.database.ts';
import { migrate } from '../../src/adapters/sql/index.ts';
import type { IncidentsTable } from '../../src/adapters/sql/schema.ts';
import { adminQuery, createMigratedDatabase, dbUrl, dropDatabase, PG_PORT, suffix } from './services.ts';

/** Bump when the generated data changes shape: older databases are then rebuilt. */
export const GENERATOR_VERSION = 1;

export interface GeneratedMeta {
  generator_version: number;
  rows: number;
  /** The newest created_at; relative windows (since/until) of the queries are anchored here. */
  anchor: string;
  span_days: number;
  seed: number;
  generated_at: string;
  generation_s: number;
  copy_s: number;
  index_s: number;
}

type Weighted<T> = readonly (readonly [T, number])[];

const TYPES: Weighted<IncidentType> = [
  ['phishing', 20],
  ['suspicious_login', 18],
  ['malware', 15],
  ['policy_violation', 10],
  ['reconnaissance', 10],
  ['privilege_escalation', 6],
  ['data_exfiltration', 5],
  ['cloud_misconfiguration', 5],
  ['lateral_movement', 4],
  ['other', 3],
  ['denial_of_service', 2],
  ['ransomware', 1],
  ['insider_threat', 1],
];
const SOURCES: Weighted<string> = [
  ['crowdstrike', 22],
  ['splunk', 20],
  ['microsoft-graph', 15],
  ['okta', 12],
  ['guardduty', 10],
  ['elastic', 10],
  ['acme-dlp', 6],
  ['generic', 5],
];
const SEVERITIES: Weighted<Severity> = [
  ['info', 12],
  ['low', 28],
  ['medium', 32],
  ['high', 20],
  ['critical', 8],
];
const RECENT_STATUS: Weighted<IncidentStatus> = [
  ['new', 10],
  ['enriching', 3],
  ['analyzing', 3],
  ['pending_review', 30],
  ['pending_approval', 10],
  ['executing', 2],
  ['escalated', 7],
  ['resolved', 15],
  ['false_positive', 20],
];
const OLD_STATUS: Weighted<IncidentStatus> = [
  ['pending_review', 3],
  ['pending_approval', 1],
  ['escalated', 3],
  ['resolved', 38],
  ['false_positive', 35],
  ['dismissed', 10],
  ['closed', 10],
];
const FAMILIES: Weighted<string> = [
  ['Cobalt Strike beacon', 14],
  ['QakBot', 12],
  ['Emotet', 12],
  ['AsyncRAT', 10],
  ['Lumma Stealer', 10],
  ['RedLine Stealer', 9],
  ['Mimikatz', 8],
  ['IcedID', 8],
  ['njRAT', 6],
  ['PlugX', 5],
  ['BlackCat', 3],
  ['LockBit', 3],
];
const LOLBINS: Weighted<string> = [
  ['powershell.exe', 40],
  ['cmd.exe', 15],
  ['rundll32.exe', 12],
  ['certutil.exe', 8],
  ['mshta.exe', 7],
  ['regsvr32.exe', 7],
  ['wmic.exe', 6],
  ['wscript.exe', 5],
];
const COUNTRIES = [
  'Russia',
  'Nigeria',
  'Brazil',
  'Vietnam',
  'Netherlands',
  'United States',
  'China',
  'Romania',
];
const DOMAINS = [
  'login-micros0ft-secure.com',
  'docu-sign-review.net',
  'paypa1-billing.info',
  'office365-verify.org',
  'dhl-parcel-track.co',
];
const BUCKETS = ['finance-reports', 'hr-exports', 'backup-prod', 'ml-datasets', 'public-assets'];
const TECHNIQUES: Partial<Record<IncidentType, string[]>> = {
  malware: ['T1204.002', 'T1059.001'],
  phishing: ['T1566.001', 'T1566.002'],
  suspicious_login: ['T1078', 'T1110.003'],
  privilege_escalation: ['T1068', 'T1003.001'],
  lateral_movement: ['T1021.002', 'T1570'],
  data_exfiltration: ['T1567.002', 'T1048'],
  ransomware: ['T1486', 'T1490'],
  reconnaissance: ['T1046'],
};

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: fast, good enough for synthetic data, reproducible. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(w: Weighted<T>): T {
    const total = w.reduce((s, [, x]) => s + x, 0);
    let r = this.next() * total;
    for (const [v, x] of w) {
      r -= x;
      if (r < 0) return v;
    }
    return w[w.length - 1]![0];
  }
  uuid(): string {
    const h = () => this.int(0x10000).toString(16).padStart(4, '0');
    return `${h()}${h()}-${h()}-4${h().slice(1)}-${(8 + this.int(4)).toString(16)}${h().slice(1)}-${h()}${h()}${h()}`;
  }
}

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function text(
  rng: Rng,
  type: IncidentType,
  host: string,
  user: string,
): { title: string; description: string } {
  const bin = rng.pick(LOLBINS);
  const ip = `${45 + rng.int(150)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`;
  switch (type) {
    case 'malware': {
      const fam = rng.pick(FAMILIES);
      return {
        title: `${fam} detected on ${host}`,
        description: `${bin} launched ${fam} payload from ${user}'s profile on ${host}; beacon to ${ip} blocked by EDR.`,
      };
    }
    case 'ransomware':
      return {
        title: `Ransomware encryption activity on ${host}`,
        description: `${rng.pick(FAMILIES.slice(10))} note dropped; vssadmin delete shadows via ${bin} on ${host}.`,
      };
    case 'phishing': {
      const d = DOMAINS[rng.int(DOMAINS.length)]!;
      return {
        title: `Phishing email from ${d} reported by ${user}`,
        description: `Credential harvesting link to https://${d}/login in a message to ${user}; ${rng.int(40) + 1} recipients.`,
      };
    }
    case 'suspicious_login':
      return {
        title: `Impossible travel sign-in for ${user} from ${COUNTRIES[rng.int(COUNTRIES.length)]}`,
        description: `Successful sign-in from ${ip} ${rng.int(9) + 1} minutes after a session in the office; MFA ${rng.next() < 0.3 ? 'fatigue' : 'passed'}.`,
      };
    case 'privilege_escalation':
      return rng.next() < 0.25
        ? {
            title: `Credential dumping with Mimikatz on ${host}`,
            description: `LSASS memory read by ${bin} under ${user} on ${host}.`,
          }
        : {
            title: `New local administrator added on ${host}`,
            description: `${user} added to Administrators via ${bin} on ${host}.`,
          };
    case 'lateral_movement':
      return {
        title: `SMB lateral movement from ${host}`,
        description: `PsExec service created remotely by ${user}; ${bin} spawned on ${rng.int(5) + 2} hosts.`,
      };
    case 'data_exfiltration':
      return {
        title: `Large upload to personal cloud storage from ${host}`,
        description: `${(rng.next() * 9 + 0.5).toFixed(1)} GB uploaded by ${user} to ${ip} over HTTPS.`,
      };
    case 'cloud_misconfiguration': {
      const b = BUCKETS[rng.int(BUCKETS.length)]!;
      return {
        title: `S3 bucket ${b} made public`,
        description: `PutBucketPolicy granting s3:GetObject to * on ${b} by ${user}.`,
      };
    }
    case 'reconnaissance':
      return {
        title: `Inbound port scan from ${ip}`,
        description: `${rng.int(900) + 100} ports probed on ${host} within a minute.`,
      };
    case 'denial_of_service':
      return {
        title: `Traffic spike against public API`,
        description: `${rng.int(90) + 10}k requests per second from ${ip} and others.`,
      };
    case 'policy_violation':
      return {
        title: `USB mass storage used on ${host}`,
        description: `${user} copied ${rng.int(400) + 1} files to removable media.`,
      };
    case 'insider_threat':
      return {
        title: `Bulk download of HR records by ${user}`,
        description: `${rng.int(5000) + 500} records exported from the HR system via ${bin}.`,
      };
    default:
      return { title: `Unclassified alert on ${host}`, description: `Rule fired for ${user} from ${ip}.` };
  }
}

const COLUMNS = [
  'id',
  'incident_type',
  'source',
  'severity',
  'severity_rank',
  'status',
  'title',
  'description',
  'fingerprint',
  'occurrence_count',
  'first_seen',
  'last_seen',
  'last_received_at',
  'created_at',
  'updated_at',
  'version',
  'tags',
  'assets',
  'mitre_techniques',
  'vendor_confidence',
  'classification',
  'confidence',
  'triaged_at',
] as const satisfies readonly (keyof IncidentsTable)[];
type CopyRow = Record<(typeof COLUMNS)[number], string>;

const TERMINAL = new Set<IncidentStatus>(['resolved', 'false_positive', 'dismissed', 'closed']);

/** COPY text lines for rows [from, to) of a run. Row order follows created_at, as inserts would. */
async function* rowsText(
  total: number,
  seed: number,
  anchorMs: number,
  spanDays: number,
  chunk = 2000,
): AsyncGenerator<string> {
  const rng = new Rng(seed);
  const spanMs = spanDays * 86_400_000;
  const start = anchorMs - spanMs;
  for (let from = 0; from < total; from += chunk) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(total, from + chunk); i++) {
      // Denser towards the present: f(x) = 1 - (1 - x)^1.5 is monotone, so rows stay in time order.
      const x = (i + rng.next()) / total;
      const created = start + spanMs * (1 - (1 - x) ** 1.5);
      const ageDays = (anchorMs - created) / 86_400_000;
      const type = rng.pick(TYPES);
      const source = rng.pick(SOURCES);
      const severity = rng.pick(SEVERITIES);
      const status = rng.pick(ageDays < 2 ? RECENT_STATUS : OLD_STATUS);
      const host = `${['fin', 'hr', 'eng', 'ops', 'sales'][rng.int(5)]}-ws-${String(rng.int(5000)).padStart(4, '0')}`;
      const user = `user${rng.int(20_000)}@contoso.com`;
      const { title, description } = text(rng, type, host, user);
      const triaged = !['new', 'enriching', 'analyzing'].includes(status);
      const classification = !triaged
        ? null
        : status === 'false_positive'
          ? 'benign'
          : rng.pick<string>([
              ['malicious', 30],
              ['suspicious', 45],
              ['benign', 15],
              ['inconclusive', 10],
            ]);
      const occurredMs = created - rng.int(600_000);
      const updatedMs = TERMINAL.has(status)
        ? created + rng.int(3 * 86_400_000)
        : created + rng.int(3_600_000);
      const iso = (ms: number) => new Date(Math.min(ms, anchorMs)).toISOString();
      const techniques = TECHNIQUES[type] ?? [];
      // Named by column (a column listed and not filled, or filled and not listed, fails to compile).
      const row: CopyRow = {
        id: rng.uuid(),
        incident_type: type,
        source,
        severity,
        severity_rank: String(SEVERITY_RANK[severity]),
        status,
        title: esc(title),
        description: esc(description),
        fingerprint: `${source}:id:gen-${i}`,
        occurrence_count: String(1 + (rng.next() < 0.1 ? rng.int(20) : 0)),
        first_seen: iso(occurredMs),
        last_seen: iso(occurredMs + rng.int(60_000)),
        last_received_at: iso(created),
        created_at: iso(created),
        updated_at: iso(updatedMs),
        version: String(triaged ? 4 + rng.int(3) : 1 + rng.int(2)),
        tags: `{${source},${type}}`,
        assets: esc(
          JSON.stringify([
            { kind: 'host', name: host },
            { kind: 'user', name: user },
          ]),
        ),
        mitre_techniques: `{${techniques.join(',')}}`,
        vendor_confidence: rng.next() < 0.6 ? (rng.next() * 0.6 + 0.4).toFixed(2) : '\\N',
        classification: classification ?? '\\N',
        confidence: classification ? (rng.next() * 0.5 + 0.5).toFixed(2) : '\\N',
        triaged_at: triaged ? iso(created + rng.int(300_000)) : '\\N',
      };
      const fields = COLUMNS.map((c) => row[c]);
      lines.push(fields.join('\t'));
    }
    yield `${lines.join('\n')}\n`;
  }
}

export async function readMeta(name: string): Promise<GeneratedMeta | undefined> {
  const rows = await adminQuery<{ comment: string | null }>(
    `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
    [name],
  );
  const comment = rows[0]?.comment;
  if (!comment) return undefined;
  try {
    return JSON.parse(comment) as GeneratedMeta;
  } catch {
    return undefined;
  }
}

/** Applies the migrations `name` lacks (indexes added since it was built); returns their ids. */
async function migrateDatabase(name: string): Promise<string[]> {
  const db = await openPostgresDatabase({
    primaryUrl: dbUrl(name),
    readReplicaEnabled: false,
    maxConnections: 2,
    minConnections: 0,
    connectTimeoutMs: 10_000,
    queryTimeoutMs: 0,
    replicaMaxLagMs: 0,
  });
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

/** Reuses `name` when it holds `rows` incidents of this generator version; builds it otherwise. */
export async function ensureIncidentDatabase(o: {
  name: string;
  rows: number;
  regenerate: boolean;
  log: (m: string) => void;
}): Promise<{ meta: GeneratedMeta; reused: boolean }> {
  const existing = await readMeta(o.name);
  if (
    !o.regenerate &&
    existing &&
    existing.generator_version === GENERATOR_VERSION &&
    existing.rows === o.rows
  ) {
    // Built by an older checkout: bring its schema (indexes) up to the code under test.
    const applied = await migrateDatabase(o.name);
    if (applied.length) o.log(`applied ${applied.join(', ')} to ${o.name}`);
    return { meta: existing, reused: true };
  }
  const building = `${o.name}_build_${suffix()}`;
  const started = performance.now();
  await createMigratedDatabase(building);
  const client = new pg.Client({ host: HOST, port: PG_PORT, user: 'postgres', database: building });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(`set maintenance_work_mem = '512MB'`);
    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where tablename = 'incidents' and indexname <> 'incidents_pkey'`,
      )
    ).rows;
    for (const ix of indexes) await client.query(`drop index "${ix.indexname}"`);
    const anchorMs = Math.floor(Date.now() / 60_000) * 60_000;
    const spanDays = 365;
    const seed = 20_241_115;
    o.log(`generating ${o.rows.toLocaleString('en-US')} incidents into ${building} (COPY)`);
    const copyStart = performance.now();
    const copied = await copyFrom(
      client,
      `COPY incidents (${COLUMNS.join(', ')}) FROM STDIN`,
      rowsText(o.rows, seed, anchorMs, spanDays),
    );
    const copyS = (performance.now() - copyStart) / 1000;
    if (copied !== o.rows) throw new Error(`COPY stored ${copied} rows, expected ${o.rows}`);
    o.log(`copied in ${copyS.toFixed(1)} s; building ${indexes.length} indexes`);
    const indexStart = performance.now();
    for (const ix of indexes) await client.query(ix.indexdef);
    await client.query('vacuum (analyze) incidents');
    const indexS = (performance.now() - indexStart) / 1000;
    const meta: GeneratedMeta = {
      generator_version: GENERATOR_VERSION,
      rows: o.rows,
      anchor: new Date(anchorMs).toISOString(),
      span_days: spanDays,
      seed,
      generated_at: new Date().toISOString(),
      generation_s: Math.round((performance.now() - started) / 100) / 10,
      copy_s: Math.round(copyS * 10) / 10,
      index_s: Math.round(indexS * 10) / 10,
    };
    await client.query(`comment on database "${building}" is '${JSON.stringify(meta).replace(/'/g, "''")}'`);
    await client.end();
    if (existing || (await adminQuery(`select 1 from pg_database where datname = $1`, [o.name])).length) {
      await dropDatabase(o.name);
    }
    await adminQuery(`alter database "${building}" rename to "${o.name}"`);
    return { meta, reused: false };
  } catch (err) {
    await client.end().catch(() => {});
    await dropDatabase(building).catch(() => {});
    throw err;
  }
}
