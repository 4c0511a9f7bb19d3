import { createHmac } from 'node:crypto';
import { readLocalAdminKey } from '../runtime/local-admin.ts';
import { readLocalSecrets } from '../runtime/local-secrets.ts';
import type { Config } from '../config/index.ts';
import { demoAlerts } from './demo/samples.ts';
import { readServerUrl } from './server-url.ts';

interface IngestReply {
  incident_id: string;
  created: boolean;
}

const FINAL = new Set([
  'pending_review',
  'pending_approval',
  'resolved',
  'false_positive',
  'dismissed',
  'escalated',
  'closed',
]);

/**
 * Where to send: --url, else the URL an embedded `start` on this data dir wrote (it knows its port
 * even with TW_PORT=0), else http://127.0.0.1:<server.port>.
 */
function targetUrl(config: Config, url: string | undefined): { base: string; from: string } {
  if (url) return { base: url, from: '--url' };
  const running = readServerUrl(config.data_dir);
  if (running) return { base: running, from: `${config.data_dir}/server.json` };
  return { base: `http://127.0.0.1:${config.server.port}`, from: 'TW_PORT (server.port)' };
}

/**
 * Sends the demo alerts as signed webhooks to a running instance, then (unless --no-wait) polls
 * until each incident has a verdict and prints a table.
 */
export async function runDemo(config: Config, options: { url?: string; wait: boolean }): Promise<number> {
  const target = targetUrl(config, options.url);
  const base = target.base.replace(/\/$/, '');
  const local = readLocalSecrets(config.data_dir) ?? {};
  const secretOf = (source: string) => config.webhooks.sources[source]?.secret ?? local[source];
  // Reads need a key: TW_ADMIN_API_KEY, else the local admin key `start` wrote to the data dir.
  const apiKey = config.auth.admin_api_key ?? readLocalAdminKey(config.data_dir);
  const readHeaders: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const sent: { source: string; note: string; id: string }[] = [];
  for (const alert of demoAlerts()) {
    const body = JSON.stringify(alert.payload);
    const secret = secretOf(alert.source);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret) {
      const ts = Math.floor(Date.now() / 1000);
      headers['x-webhook-timestamp'] = String(ts);
      headers['x-webhook-signature'] =
        `sha256=${createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex')}`;
    }
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1/webhooks/${alert.source}`, { method: 'POST', headers, body });
    } catch (err) {
      console.error(
        `cannot reach ${base} (from ${target.from}): ${(err as Error).message}. Is \`npm start\` running? ` +
          'If it listens elsewhere, pass --url http://<host>:<port> or set TW_PORT.',
      );
      return 1;
    }
    const text = await res.text();
    if (res.status !== 202) {
      console.error(`${alert.source}: HTTP ${res.status} ${text}`);
      if (res.status === 401) {
        console.error(
          `  configure a secret for ${alert.source} (TW_WEBHOOK_SECRET_${alert.source.toUpperCase().replace(/-/g, '_')}) on both sides`,
        );
      }
      continue;
    }
    const reply = JSON.parse(text) as IngestReply;
    sent.push({ source: alert.source, note: alert.note, id: reply.incident_id });
    console.log(
      `sent ${alert.source.padEnd(16)} → incident ${reply.incident_id}${reply.created ? '' : ' (deduplicated)'}`,
    );
  }
  if (!options.wait || sent.length === 0) return sent.length ? 0 : 1;

  const deadline = Date.now() + 30_000;
  const rows = new Map<string, { status: string; severity: string; verdict: string; title: string }>();
  while (Date.now() < deadline && rows.size < sent.length) {
    for (const s of sent) {
      if (rows.has(s.id)) continue;
      const res = await fetch(`${base}/api/v1/incidents/${s.id}`, { headers: readHeaders });
      if (res.status === 401 || res.status === 403) {
        console.error(
          `reading incidents: HTTP ${res.status}. Set TW_ADMIN_API_KEY to a key with incidents:read ` +
            `(embedded mode: ${config.data_dir}/admin-api-key is written by \`npm start\`)`,
        );
        return 1;
      }
      if (!res.ok) continue;
      const inc = (await res.json()) as {
        status: string;
        severity: string;
        title: string;
        verdict: { classification: string; confidence: number } | null;
      };
      if (FINAL.has(inc.status) && inc.verdict) {
        rows.set(s.id, {
          status: inc.status,
          severity: inc.severity,
          title: inc.title,
          verdict: `${inc.verdict.classification} (${inc.verdict.confidence.toFixed(2)})`,
        });
      }
    }
    if (rows.size < sent.length) await new Promise((r) => setTimeout(r, 300));
  }
  console.log('\nsource           severity  verdict                 status          title');
  for (const s of sent) {
    const r = rows.get(s.id);
    console.log(
      `${s.source.padEnd(16)} ${(r?.severity ?? '?').padEnd(9)} ${(r?.verdict ?? 'not triaged yet').padEnd(23)} ${(r?.status ?? '?').padEnd(15)} ${(r?.title ?? s.note).slice(0, 60)}`,
    );
  }
  await printActions(base, readHeaders, sent);
  console.log(
    `\nDetails: ${base}/api/v1/incidents/<id> — live events: ${base.replace(/^http/, 'ws')}/api/v1/stream`,
  );
  return rows.size === sent.length ? 0 : 1;
}

/**
 * The response actions the playbooks proposed, with the policy's decision: what ran, what waits for
 * an analyst, what was refused (docs/RESPONSE.md). Without a connector for its type an allowed action
 * fails NO_CONNECTOR: nothing is faked.
 */
async function printActions(
  base: string,
  headers: Record<string, string>,
  sent: readonly { source: string; id: string }[],
): Promise<void> {
  const settled = new Set(['pending', 'denied', 'executed', 'failed']);
  let lines: string[] = [];
  // Allowed actions run right after triage: give the executor a few seconds to finish them.
  for (let attempt = 0, busy = true; busy && attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
    busy = false;
    lines = [];
    for (const s of sent) {
      const res = await fetch(`${base}/api/v1/incidents/${s.id}/actions`, { headers }).catch(() => null);
      if (!res?.ok) continue;
      const { data } = (await res.json()) as {
        data: {
          action_type: string;
          target: { value: string };
          status: string;
          approval_level: string | null;
          decision: { rule: string };
          error: { code: string } | null;
        }[];
      };
      if (data.some((a) => !settled.has(a.status))) busy = true;
      for (const a of data) {
        const status = a.error
          ? `${a.status} ${a.error.code}`
          : a.approval_level
            ? `${a.status} (${a.approval_level})`
            : a.status;
        lines.push(
          `${s.source.padEnd(16)} ${a.action_type.padEnd(17)} ${status.padEnd(24)} ${a.decision.rule.padEnd(34)} ${a.target.value.slice(0, 40)}`,
        );
      }
    }
  }
  if (lines.length === 0) return;
  console.log(
    '\nResponse actions (policy decision; approve or deny pending ones in the dashboard → Approvals):',
  );
  console.log(
    `${'source'.padEnd(16)} ${'action'.padEnd(17)} ${'status'.padEnd(24)} ${'rule'.padEnd(34)} target`,
  );
  for (const l of lines) console.log(l);
}
