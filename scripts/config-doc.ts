/**
 * Prints docs/CONFIGURATION.md from the config schema, so the doc cannot drift from the code:
 *   node --import tsx scripts/config-doc.ts > docs/CONFIGURATION.md
 * test/unit/config/config-doc.test.ts fails when the committed file differs.
 */
import { ConfigSchema } from '../src/config/index.ts';

interface Node {
  type?: string;
  default?: unknown;
  description?: string;
  properties?: Record<string, Node>;
  anyOf?: Node[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

function typeOf(n: Node): string {
  if (n.anyOf) {
    const consts = n.anyOf.filter((a) => a.const !== undefined).map((a) => `\`${String(a.const)}\``);
    if (consts.length === n.anyOf.length) return consts.join(' \\| ');
    if (n.anyOf.some((a) => a.pattern?.includes('ms|s|m|h'))) return 'duration';
    return n.anyOf.map(typeOf).join(' \\| ');
  }
  if (n.type === 'object' && !n.properties) return 'map';
  return n.type ?? 'any';
}

function envName(path: string[]): string {
  return `TW_${path.map((p) => p.toUpperCase()).join('__')}`;
}

const rows: string[] = [];
function walk(node: Node, path: string[]): void {
  if (node.properties) {
    for (const [k, child] of Object.entries(node.properties)) walk(child, [...path, k]);
    return;
  }
  const def = node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``;
  const range = [
    node.minimum !== undefined ? `≥ ${node.minimum}` : '',
    node.maximum !== undefined ? `≤ ${node.maximum}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  rows.push(
    `| \`${path.join('.')}\` | ${typeOf(node)}${range ? ` (${range})` : ''} | ${def} | \`${envName(path)}\` | ${node.description ?? ''} |`,
  );
}
walk(ConfigSchema as unknown as Node, []);

console.log(`# Configuration

Generated from \`src/config/schema.ts\` by \`node --import tsx scripts/config-doc.ts\`; do not edit by hand.

Configuration is read once at start: a YAML file (\`--config FILE\` or \`TW_CONFIG\`), overlaid by
environment variables, validated, then frozen. A bad value stops the process with a message naming
the key. Every key can be set as \`TW_SECTION__KEY\` (levels joined by \`__\`, case-insensitive);
these shortcuts exist too: \`TW_PORT\`, \`TW_HOST\`, \`TW_INSTANCE_ID\`, \`TW_DATA_DIR\`,
\`TW_DATABASE_URL\` (= \`database.primary_url\`), \`TW_DATABASE_DIRECT_URL\`, \`TW_DATABASE_REPLICA_URL\`
(also turns \`database.read_replica_enabled\` on unless set), \`TW_REDIS_URL\`, \`TW_LOG_LEVEL\`,
\`TW_INTEL_LISTS_DIR\`, and per webhook source \`TW_WEBHOOK_SECRET_<SOURCE>\` /
\`TW_WEBHOOK_UNSIGNED_<SOURCE>=true\` / \`TW_WEBHOOK_REQUIRE_TIMESTAMP_<SOURCE>=true\` (source
upper-cased, \`-\` as \`_\`).

Durations take a number of seconds (\`30\`, as the seed writes \`connect_timeout: 30\`) or a string
with a unit: \`500ms\`, \`15s\`, \`2m\`, \`1h\`, \`365d\`.

**Modes** follow from two keys only: \`database.primary_url\` set → PostgreSQL, else PGlite in
\`data_dir\`; \`redis.url\` (or sentinels / cluster nodes) set → Redis transports, else in-process.
\`triage-warden api\` and \`orchestrator\` refuse to start without both.

| key | type | default | environment | notes |
|---|---|---|---|---|
${rows.join('\n')}

\`webhooks.sources\` is a map: \`webhooks.sources.<source>.secret\` (≥ 16 characters) and
\`webhooks.sources.<source>.unsigned\` (\`true\` accepts unsigned requests; logged at start),
\`webhooks.sources.<source>.require_timestamp\` (\`true\` refuses requests without
\`X-Webhook-Timestamp\`, or whose signature does not cover it as \`<timestamp>.<body>\`; without a timestamp there is no window and no replay guard. Default \`false\`
for configured sources so that existing senders keep working; set it for every sender that can send
one, as sources created through the API or CLI do by default) and
\`webhooks.sources.<source>.rate_limit\` (requests per minute, \`429\` with \`Retry-After\` beyond).
Configured sources win over managed (database) and local-file sources of the same name and are
read-only at run time. Managed sources (\`/api/v1/webhook-sources\`, \`triage-warden webhook-source\`)
keep their secrets encrypted with \`webhooks.encryption_key\`.

Example (the seed's values):

\`\`\`yaml
database:
  primary_url: postgres://tw:secret@pgbouncer:6432/triage_warden
  direct_url: postgres://tw:secret@postgres:5432/triage_warden   # migrations bypass PgBouncer
  replica_url: postgres://tw:secret@replica:5432/triage_warden
  read_replica_enabled: true
  max_connections: 15
  min_connections: 2
  connect_timeout: 30
redis:
  url: redis://redis:6379
  architecture: standalone
orchestrator:
  concurrency: { incidents: 10, llm: 5, enrichment: 20 }
  leaderElection: { enabled: true, leaseDuration: 15s, renewDeadline: 10s, retryPeriod: 2s }
webhooks:
  sources:
    crowdstrike: { secret: "change-me-to-a-long-random-string" }
\`\`\``);
