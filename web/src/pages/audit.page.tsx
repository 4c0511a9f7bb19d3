import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { listItems } from '../api/actions.ts';
import { api } from '../api/client.ts';
import type { AuditEntryView } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, Loading, QueryView } from '../components/states.tsx';

interface ChainReport {
  ok?: boolean;
  rows?: number;
  head?: { seq: string };
  problem?: { detail?: string; seq?: string } | string;
}

/** GET /audit/verify: the hash chain recomputed from the stored rows (docs/AUDIT.md). */
function ChainStatus() {
  const v = useQuery({
    queryKey: ['audit-verify'],
    queryFn: () => api.get<ChainReport>('/api/v1/audit/verify'),
  });
  if (v.isPending) return <Loading what="Verifying the chain" />;
  if (v.isError) return <ErrorState error={v.error} feature="Chain verification" />;
  const r = v.data;
  const problem = typeof r.problem === 'string' ? r.problem : r.problem?.detail;
  return (
    <p className={`banner-state ${r.ok === false ? 'alarm' : ''}`} role="status">
      {r.ok === false
        ? `Hash chain BROKEN${problem ? `: ${problem}` : ''}`
        : r.ok === true
          ? `Hash chain verified: ${r.rows ?? '?'} row(s)${r.head ? `, head seq ${r.head.seq}` : ''}`
          : 'Hash chain: no verdict in the answer'}
    </p>
  );
}

export function AuditPage() {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [draft, setDraft] = useState({ actor: '', action: '', incident_id: '' });
  const q = useQuery({
    queryKey: ['audit', filters],
    queryFn: async () =>
      listItems(await api.get<{ data: AuditEntryView[] }>('/api/v1/audit', { ...filters, per_page: 100 })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim())));
  };
  return (
    <>
      <h1>Audit</h1>
      <ChainStatus />
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        {(['actor', 'action', 'incident_id'] as const).map((k) => (
          <label key={k}>
            {k.replace('_', ' ')}
            <input value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
          </label>
        ))}
        <button type="submit">Apply</button>
      </form>
      <QueryView
        query={q}
        feature="The audit log"
        empty="No audit entry matches."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <SimpleTable
            label="Audit log"
            rows={d}
            rowKey={(r) => r.id}
            columns={[
              { header: '#', cell: (r) => r.seq },
              { header: 'When', cell: (r) => <When at={r.created_at} /> },
              { header: 'Actor', cell: (r) => r.actor },
              { header: 'Action', cell: (r) => r.action },
              { header: 'Incident', cell: (r) => r.incident_id ?? '—' },
              { header: 'Hash', cell: (r) => <code>{r.hash.slice(0, 12)}</code> },
            ]}
          />
        )}
      </QueryView>
    </>
  );
}
