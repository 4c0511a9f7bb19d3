import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { BusEvent, Incident, IncidentPage } from './types.ts';

/**
 * How each streamed event lands in the query cache: rows are patched or inserted in place and only
 * the queries an event concerns are refetched, so a live table of 100,000 incidents never reloads.
 */
type Pages = InfiniteData<IncidentPage, string | null>;

function patchRows(client: QueryClient, id: string, patch: (row: Incident) => Incident): void {
  client.setQueriesData<Pages>({ queryKey: ['incidents'] }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((p) => ({ ...p, data: p.data.map((r) => (r.id === id ? patch(r) : r)) })),
        }
      : data,
  );
}

/**
 * `incident_updated` names the fields (tags, severity, type) but not their values: a row on screen
 * is read again and patched. Nothing is fetched when no loaded list holds the incident.
 */
async function refreshRow(client: QueryClient, id: string): Promise<void> {
  const shown = client
    .getQueriesData<Pages>({ queryKey: ['incidents'] })
    .some(([, data]) => data?.pages.some((p) => p.data.some((r) => r.id === id)));
  if (!shown) return;
  const i = await api.get<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`).catch(() => null);
  if (!i) return;
  patchRows(client, id, (r) => ({
    ...r,
    severity: i.severity,
    incident_type: i.incident_type,
    tags: i.tags,
    original_severity: i.original_severity ?? null,
    original_incident_type: i.original_incident_type ?? null,
    version: i.version,
    updated_at: i.updated_at,
  }));
}

/** The filters of a list query key: ['incidents', params]. */
function matches(params: Record<string, string>, row: Incident): boolean {
  if ((params.sort ?? 'created_at') !== 'created_at' || (params.order ?? 'desc') !== 'desc') return false;
  if (params.q || params.cursor || params.since || params.until) return false;
  for (const key of ['status', 'severity', 'source', 'incident_type'] as const) {
    const want = params[key];
    if (want && !want.split(',').includes(String(row[key]))) return false;
  }
  return Object.keys(params).every((k) =>
    ['status', 'severity', 'source', 'incident_type', 'sort', 'order'].includes(k),
  );
}

/** The new row as the event describes it: no request per incident, however fast they arrive. */
function rowOf(e: BusEvent<'incident_created'>): Incident {
  const d = e.data;
  return {
    id: d.incident_id,
    title: d.title,
    severity: d.severity,
    source: d.source,
    incident_type: d.incident_type,
    status: 'new',
    description: null,
    occurrence_count: 1,
    first_seen: e.occurred_at,
    last_seen: e.occurred_at,
    created_at: e.occurred_at,
    updated_at: e.occurred_at,
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
  };
}

function insertRow(client: QueryClient, row: Incident): void {
  for (const [key, data] of client.getQueriesData<Pages>({ queryKey: ['incidents'] })) {
    if (!data?.pages[0]) continue;
    const params = (key[1] ?? {}) as Record<string, string>;
    const present = data.pages.some((p) => p.data.some((r) => r.id === row.id));
    if (present) continue;
    if (!matches(params, row)) {
      client.setQueryData(['incidents-new', params], (n: number | undefined) => (n ?? 0) + 1);
      continue;
    }
    const [first, ...rest] = data.pages;
    const pagination = { ...first.pagination, total_items: first.pagination.total_items + 1 };
    client.setQueryData<Pages>(key, {
      ...data,
      pages: [{ ...first, pagination, data: [row, ...first.data] }, ...rest],
    });
  }
}

/** Counts are many small queries: refetched at most once a second, however many events arrive. */
const countsTimers = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();
function refreshCounts(client: QueryClient): void {
  if (countsTimers.has(client)) return;
  countsTimers.set(
    client,
    setTimeout(() => {
      countsTimers.delete(client);
      void client.invalidateQueries({ queryKey: ['counts'] });
    }, 1000),
  );
}

/** The overview's statistics are aggregates over many rows: refetched at most once every 5 s. */
const statsTimers = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();
function refreshStats(client: QueryClient): void {
  if (statsTimers.has(client)) return;
  statsTimers.set(
    client,
    setTimeout(() => {
      statsTimers.delete(client);
      void client.invalidateQueries({ queryKey: ['stats'] });
    }, 5000),
  );
}

const incidentOf = (e: BusEvent): string | undefined =>
  (e.data as { incident_id?: string }).incident_id ?? undefined;

export function applyEvent(client: QueryClient, e: BusEvent): void {
  const id = incidentOf(e);
  if (id) {
    void client.invalidateQueries({ queryKey: ['incident', id] });
    void client.invalidateQueries({ queryKey: ['related', id] });
  }
  switch (e.type) {
    case 'incident_created':
      insertRow(client, rowOf(e as BusEvent<'incident_created'>));
      refreshCounts(client);
      refreshStats(client);
      break;
    case 'status_changed': {
      const d = e.data as BusEvent<'status_changed'>['data'];
      patchRows(client, d.incident_id, (r) => ({ ...r, status: d.to }));
      refreshCounts(client);
      refreshStats(client);
      break;
    }
    case 'analysis_complete': {
      const d = e.data as BusEvent<'analysis_complete'>['data'];
      patchRows(client, d.incident_id, (r) => ({
        ...r,
        classification: d.classification,
        confidence: d.confidence,
      }));
      refreshCounts(client);
      refreshStats(client);
      break;
    }
    case 'incident_assigned': {
      const d = e.data as BusEvent<'incident_assigned'>['data'];
      patchRows(client, d.incident_id, (r) => ({ ...r, assignee: d.assignee }));
      break;
    }
    case 'incident_updated':
      if (id) void refreshRow(client, id);
      break;
    case 'comment_added':
      if (id) void client.invalidateQueries({ queryKey: ['comments', id] });
      break;
    case 'actions_proposed':
    case 'action_approved':
    case 'action_denied':
    case 'action_executed':
    case 'action_status_changed':
      if (id) void client.invalidateQueries({ queryKey: ['actions', id] });
      void client.invalidateQueries({ queryKey: ['approvals'] });
      break;
    case 'kill_switch_activated':
    case 'kill_switch_deactivated':
      void client.invalidateQueries({ queryKey: ['kill-switch'] });
      break;
    case 'playbook_changed':
      void client.invalidateQueries({ queryKey: ['playbooks'] });
      break;
    case 'policy_changed':
      void client.invalidateQueries({ queryKey: ['policies'] });
      break;
    case 'leader_changed':
      void client.invalidateQueries({ queryKey: ['metrics'] });
      break;
    default:
      break;
  }
}
