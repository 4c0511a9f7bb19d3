/** Realistic, unique, signed webhook alerts in the generic format (one vendor id each, so no dedup). */
import { createHmac } from 'node:crypto';
import { signedHeaders as harnessSignedHeaders } from '../../test/helpers/harness.ts';

const TYPES = [
  'malware',
  'phishing',
  'suspicious login',
  'data exfiltration',
  'privilege escalation',
  'port scan',
];
const SEVERITIES = ['low', 'medium', 'medium', 'high', 'high', 'critical'];
const PROCS = ['powershell.exe', 'rundll32.exe', 'certutil.exe', 'mshta.exe', 'wscript.exe'];

/** The JSON body of alert `i` of run `runId`. */
export function alertBody(runId: string, i: number): string {
  const host = `fin-ws-${String(i % 997).padStart(4, '0')}`;
  return JSON.stringify({
    id: `${runId}-${i}`,
    alert_type: TYPES[i % TYPES.length],
    severity: SEVERITIES[i % SEVERITIES.length],
    title: `${TYPES[i % TYPES.length]} on ${host} via ${PROCS[i % PROCS.length]}`,
    description: `Bench alert ${i}: ${PROCS[(i + 1) % PROCS.length]} spawned by ${PROCS[i % PROCS.length]} contacted 45.155.${i % 250}.${(i >> 8) % 250}.`,
    timestamp: new Date(Date.now() - (i % 3600) * 1000).toISOString(),
    tags: ['bench', `batch-${i % 10}`],
    data: {
      hostname: host,
      username: `user${i % 500}@contoso.com`,
      src_ip: `10.20.${(i >> 8) % 250}.${i % 250}`,
      dest_ip: `45.155.${i % 250}.${(i >> 8) % 250}`,
      sha256: createHmac('sha256', 'x').update(String(i)).digest('hex'),
    },
  });
}

/** DESIGN.md's signature headers (timestamp bound into the HMAC), by the harness's signing. */
export function signedHeaders(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return harnessSignedHeaders(secret, body, { timestamp });
}

/** Posts one signed alert and returns the created incident id (throws on a non-202). */
export async function postAlert(
  baseUrl: string,
  source: string,
  secret: string,
  body: string,
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/webhooks/${source}`, {
    method: 'POST',
    headers: signedHeaders(secret, body),
    body,
  });
  const json = (await res.json()) as { incident_id?: string; message?: string };
  if (res.status !== 202 || !json.incident_id)
    throw new Error(`webhook answered ${res.status}: ${JSON.stringify(json)}`);
  return json.incident_id;
}
