import { useState, type FormEvent } from 'react';
import { INCIDENT_STATUSES, SEVERITIES } from '../../../../src/contracts/vocabulary.ts';

/** The list filters the dashboard offers; each is a query parameter of GET /api/v1/incidents. */
export const FILTER_KEYS = ['status', 'severity', 'q', 'source', 'assignee', 'sort', 'order'] as const;
const SORTS = ['created_at', 'updated_at', 'last_seen', 'severity'] as const;

export function Filters({
  params,
  onChange,
}: {
  params: Record<string, string>;
  onChange: (next: Record<string, string>) => void;
}) {
  const [q, setQ] = useState(params.q ?? '');
  const set = (key: string, value: string) => {
    const next = { ...params };
    if (value) next[key] = value;
    else delete next[key];
    onChange(next);
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    set('q', q.trim());
  };
  return (
    <form className="filters" onSubmit={search} role="search" aria-label="Filter incidents">
      <label>
        Search
        <input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="title, indicator…"
        />
      </label>
      <label>
        Status
        <select
          aria-label="Status"
          value={params.status ?? ''}
          onChange={(e) => set('status', e.target.value)}
        >
          <option value="">any</option>
          {INCIDENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Severity
        <select
          aria-label="Severity"
          value={params.severity ?? ''}
          onChange={(e) => set('severity', e.target.value)}
        >
          <option value="">any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort
        <select
          aria-label="Sort"
          value={params.sort ?? 'created_at'}
          onChange={(e) => set('sort', e.target.value === 'created_at' ? '' : e.target.value)}
        >
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {s.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select
          aria-label="Order"
          value={params.order ?? 'desc'}
          onChange={(e) => set('order', e.target.value === 'desc' ? '' : e.target.value)}
        >
          <option value="desc">newest first</option>
          <option value="asc">oldest first</option>
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
