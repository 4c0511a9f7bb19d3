/* global __ENV, __VU, __ITER */
// Load test of a running Triage Warden with k6 (the scaling guide's "Test Scale Limits"):
//
//   k6 run --vus 100 --duration 5m \
//     -e TW_URL=https://triage-warden.example -e TW_API_KEY=tw_… \
//     -e TW_WEBHOOK_SOURCE=generic -e TW_WEBHOOK_SECRET=… deploy/k6/load-test.js
//
// Each iteration does what the bench scenarios measure, against the real routes and auth: a signed
// webhook in the generic format (ingest), GET /api/v1/incidents/:id (simple endpoint), a filtered
// list (complex query) and /live. TW_API_KEY needs incidents:read (`triage-warden api-key create
// --role viewer`); TW_WEBHOOK_SECRET is the source's secret (webhook-source add / TW_WEBHOOK_SECRET_*).
// The thresholds are the guide's P99 warning (500 ms) and an error budget of 1 %.
// test/deploy/k6.test.ts runs this file under a small stand-in for the k6 modules (no k6 binary):
// a check of its shape and of the requests it makes against a real server, not a load test.
import crypto from 'k6/crypto';
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = (__ENV.TW_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const API_KEY = __ENV.TW_API_KEY || '';
const SOURCE = __ENV.TW_WEBHOOK_SOURCE || 'generic';
const SECRET = __ENV.TW_WEBHOOK_SECRET || '';

export const options = {
  // The guide's command line (`--vus 100 --duration 5m`) says the same; flags override these.
  stages: [
    { duration: '1m', target: 100 },
    { duration: '3m', target: 100 },
    { duration: '1m', target: 0 },
  ],
  thresholds: {
    'http_req_duration{kind:read}': ['p(99)<500'],
    'http_req_duration{kind:ingest}': ['p(99)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

const TYPES = ['malware', 'phishing', 'suspicious login', 'data exfiltration', 'port scan'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** One unique alert in the generic format (the shape bench/lib/alerts.ts sends). */
export function alertBody(vu, iter) {
  const i = vu * 100000 + iter;
  const type = TYPES[i % TYPES.length];
  return JSON.stringify({
    id: `k6-${Date.now()}-${vu}-${iter}`,
    alert_type: type,
    severity: SEVERITIES[i % SEVERITIES.length],
    title: `${type} on k6-host-${i % 997}`,
    description: `k6 load test alert ${i}`,
    timestamp: new Date().toISOString(),
    tags: ['k6'],
    data: { hostname: `k6-host-${i % 997}`, src_ip: `10.20.${(i >> 8) % 250}.${i % 250}` },
  });
}

/** DESIGN.md's signature: HMAC-SHA256 over `<timestamp>.<body>`, hex, `sha256=` prefix. */
export function signedHeaders(body) {
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = { 'content-type': 'application/json' };
  if (SECRET) {
    headers['x-webhook-timestamp'] = ts;
    headers['x-webhook-signature'] = `sha256=${crypto.hmac('sha256', SECRET, `${ts}.${body}`, 'hex')}`;
  }
  return headers;
}

const readHeaders = () => ({ authorization: `Bearer ${API_KEY}` });

/** One incident to read, created once before the load starts. */
export function setup() {
  const body = alertBody(0, 0);
  const res = http.post(`${BASE}/api/v1/webhooks/${SOURCE}`, body, {
    headers: signedHeaders(body),
    tags: { kind: 'ingest' },
  });
  if (res.status !== 202) throw new Error(`setup: webhook answered ${res.status}: ${res.body}`);
  return { id: res.json('incident_id') };
}

export default function (data) {
  const body = alertBody(__VU, __ITER);
  const ingest = http.post(`${BASE}/api/v1/webhooks/${SOURCE}`, body, {
    headers: signedHeaders(body),
    tags: { kind: 'ingest' },
  });
  check(ingest, { 'webhook 202': (r) => r.status === 202 });

  const detail = http.get(`${BASE}/api/v1/incidents/${data.id}`, {
    headers: readHeaders(),
    tags: { kind: 'read', name: 'GET /api/v1/incidents/:id' },
  });
  check(detail, { 'incident 200': (r) => r.status === 200 });

  const list = http.get(`${BASE}/api/v1/incidents?severity=high,critical&per_page=20`, {
    headers: readHeaders(),
    tags: { kind: 'read', name: 'GET /api/v1/incidents' },
  });
  check(list, { 'list 200': (r) => r.status === 200 });

  const live = http.get(`${BASE}/live`, { tags: { kind: 'read', name: 'GET /live' } });
  check(live, { 'live 200': (r) => r.status === 200 });
  sleep(1);
}
