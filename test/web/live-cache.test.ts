import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyEvent } from '../../web/src/api/live-cache.ts';
import { parseMetrics, metricValue } from '../../web/src/api/metrics.ts';
import type { BusEvent, Incident, IncidentPage } from '../../web/src/api/types.ts';

/** How streamed events land in the dashboard's query cache (web/src/api/live-cache.ts). */

type Pages = InfiniteData<IncidentPage, string | null>;

const row = (id: string, over: Partial<Incident> = {}): Incident => ({
  id,
  incident_type: 'malware',
  source: 'crowdstrike',
  severity: 'high',
  status: 'pending_review',
  title: `incident ${id}`,
  description: null,
  occurrence_count: 1,
  first_seen: '2026-01-01T00:00:00.000Z',
  last_seen: '2026-01-01T00:00:00.000Z',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  version: 1,
  tags: [],
  assets: [],
  mitre_techniques: [],
  classification: null,
  confidence: null,
  triaged_at: null,
  closed_at: null,
  resolution_reason: null,
  related_incident_id: null,
  triage_error: null,
  ...over,
});

function pages(rows: Incident[]): Pages {
  return {
    pageParams: [null],
    pages: [
      {
        data: rows,
        pagination: {
          page: 1,
          per_page: 100,
          total_items: rows.length,
          total_pages: 1,
          total_exact: true,
          next_cursor: null,
        },
      },
    ],
  };
}

const event = <K extends BusEvent['type']>(type: K, data: BusEvent<K>['data'], id = '1'): BusEvent =>
  ({ id, type, occurred_at: '2026-01-02T00:00:00.000Z', data }) as BusEvent;

const created = (id: string, severity: Incident['severity'] = 'critical') =>
  event('incident_created', {
    incident_id: id,
    source: 'splunk',
    severity,
    incident_type: 'phishing',
    title: 'New one',
  });

afterEach(() => vi.useRealTimers());

describe('live cache', () => {
  it('inserts a created incident at the top of each list it matches; others count it as new', () => {
    const client = new QueryClient();
    client.setQueryData(['incidents', {}], pages([row('a')]));
    client.setQueryData(['incidents', { severity: 'critical' }], pages([]));
    client.setQueryData(['incidents', { severity: 'low' }], pages([]));
    client.setQueryData(['incidents', { sort: 'severity' }], pages([row('a')]));
    applyEvent(client, created('n1'));

    const all = client.getQueryData<Pages>(['incidents', {}])!.pages[0]!;
    expect(all.data.map((r) => r.id)).toEqual(['n1', 'a']);
    expect(all.data[0]).toMatchObject({
      status: 'new',
      severity: 'critical',
      title: 'New one',
      source: 'splunk',
    });
    expect(all.pagination.total_items).toBe(2);
    expect(client.getQueryData<Pages>(['incidents', { severity: 'critical' }])!.pages[0]!.data).toHaveLength(
      1,
    );
    expect(client.getQueryData<Pages>(['incidents', { severity: 'low' }])!.pages[0]!.data).toHaveLength(0);
    // Another order: not placed (it would be guessed), announced instead.
    expect(client.getQueryData<Pages>(['incidents', { sort: 'severity' }])!.pages[0]!.data).toHaveLength(1);
    expect(client.getQueryData(['incidents-new', { sort: 'severity' }])).toBe(1);

    // The same event again (a resume replays it): no duplicate row.
    applyEvent(client, created('n1'));
    expect(client.getQueryData<Pages>(['incidents', {}])!.pages[0]!.data).toHaveLength(2);
  });

  it('patches status, verdict and assignee in place, in every list', () => {
    const client = new QueryClient();
    client.setQueryData(['incidents', {}], pages([row('a'), row('b')]));
    applyEvent(
      client,
      event('status_changed', { incident_id: 'b', from: 'new', to: 'resolved', by: 'user:x' }),
    );
    applyEvent(
      client,
      event('analysis_complete', {
        incident_id: 'b',
        analyzer: 'deterministic',
        classification: 'benign',
        confidence: 0.8,
      }),
    );
    applyEvent(client, event('incident_assigned', { incident_id: 'a', assignee: 'dana', by: 'user:x' }));
    const [a, b] = client.getQueryData<Pages>(['incidents', {}])!.pages[0]!.data;
    expect(b).toMatchObject({ status: 'resolved', classification: 'benign', confidence: 0.8 });
    expect(a).toMatchObject({ assignee: 'dana', status: 'pending_review' });
  });

  it('reads a shown row again on incident_updated (tags, severity) and patches it; fetches nothing for a row not shown', async () => {
    const client = new QueryClient();
    client.setQueryData(['incidents', {}], pages([row('a'), row('b')]));
    const fetched: string[] = [];
    const stored = row('b', { severity: 'low', original_severity: 'high', tags: ['vip'], version: 3 });
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      return new Response(JSON.stringify(stored), { headers: { 'content-type': 'application/json' } });
    });
    try {
      applyEvent(
        client,
        event('incident_updated', { incident_id: 'b', fields: ['severity', 'tags'], by: 'user:x' }),
      );
      applyEvent(client, event('incident_updated', { incident_id: 'zz', fields: ['tags'], by: 'user:x' }));
      await vi.waitFor(() => expect(fetched).toEqual(['/api/v1/incidents/b']));
      await vi.waitFor(() =>
        expect(client.getQueryData<Pages>(['incidents', {}])!.pages[0]!.data[1]).toMatchObject({
          severity: 'low',
          original_severity: 'high',
          tags: ['vip'],
          version: 3,
        }),
      );
      expect(client.getQueryData<Pages>(['incidents', {}])!.pages[0]!.data[0]).toMatchObject({
        severity: 'high',
      });
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('refetches overview counts at most once a second under a burst of events', async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const spy = vi.spyOn(client, 'invalidateQueries');
    for (let i = 0; i < 50; i++) applyEvent(client, created(`x${i}`));
    const countCalls = () =>
      spy.mock.calls.filter(([f]) => JSON.stringify(f?.queryKey) === '["counts"]').length;
    expect(countCalls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(countCalls()).toBe(1);
  });

  it('refetches the overview statistics at most once every 5 s under a burst of incident events', async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const spy = vi.spyOn(client, 'invalidateQueries');
    for (let i = 0; i < 50; i++) applyEvent(client, created(`s${i}`));
    const statsCalls = () =>
      spy.mock.calls.filter(([f]) => JSON.stringify(f?.queryKey) === '["stats"]').length;
    await vi.advanceTimersByTimeAsync(4999);
    expect(statsCalls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(statsCalls()).toBe(1);
    for (let i = 0; i < 50; i++) applyEvent(client, created(`t${i}`));
    await vi.advanceTimersByTimeAsync(5000);
    expect(statsCalls()).toBe(2);
  });

  it('parses the Prometheus text the overview and cluster pages read', () => {
    const samples = parseMetrics(
      '# HELP incident_queue_depth x\n# TYPE incident_queue_depth gauge\nincident_queue_depth 7\ntw_incidents{status="new",x="a\\"b"} 3\n',
    );
    expect(metricValue(samples, 'incident_queue_depth')).toBe(7);
    expect(samples[1]).toEqual({ name: 'tw_incidents', labels: { status: 'new', x: 'a\\"b' }, value: 3 });
  });
});
