import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { RowSelectionState } from '@tanstack/react-table';
import { useCallback, useMemo, useState } from 'react';
import { useIncidentPages } from '../../api/incidents.ts';
import { ErrorState, Loading } from '../../components/states.tsx';
import { navigate, useLocation } from '../../router.tsx';
import { BulkBar } from './bulk-bar.tsx';
import { ExportLinks } from './export-links.tsx';
import { FILTER_KEYS, Filters } from './filters.tsx';
import { IncidentTable } from './incident-table.tsx';
import { SavedViews } from './saved-views.tsx';

export function IncidentsPage() {
  const { query } = useLocation();
  const params = useMemo(() => {
    const p: Record<string, string> = {};
    for (const k of FILTER_KEYS) {
      const v = query.get(k);
      if (v) p[k] = v;
    }
    return p;
  }, [query]);
  const setParams = (next: Record<string, string>) =>
    navigate(`/incidents${Object.keys(next).length ? `?${new URLSearchParams(next)}` : ''}`, {
      replace: true,
    });
  const pages = useIncidentPages(params);
  const client = useQueryClient();
  const fresh = useQuery({ queryKey: ['incidents-new', params], queryFn: () => 0, staleTime: Infinity });
  const [selection, setSelection] = useState<RowSelectionState>({});
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.data) ?? [], [pages.data]);
  const first = pages.data?.pages[0]?.pagination;
  const { fetchNextPage } = pages;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const refresh = () => {
    client.setQueryData(['incidents-new', params], 0);
    void client.resetQueries({ queryKey: ['incidents', params] });
  };
  return (
    <>
      <h1>Incidents</h1>
      <Filters key={params.q ?? ''} params={params} onChange={setParams} />
      <SavedViews params={params} onApply={setParams} />
      <ExportLinks params={params} />
      <p className="muted" role="status" aria-live="polite">
        {first ? `${first.total_items}${first.total_exact ? '' : '+'} matching` : ''}
      </p>
      {(fresh.data ?? 0) > 0 && (
        <button type="button" className="banner" onClick={refresh}>
          {fresh.data} new incident(s) outside this view order — show
        </button>
      )}
      <BulkBar ids={Object.keys(selection).filter((id) => selection[id])} onDone={() => setSelection({})} />
      {pages.isPending ? (
        <Loading what="Loading incidents" />
      ) : pages.isError ? (
        <ErrorState error={pages.error} />
      ) : rows.length === 0 ? (
        <p className="state empty">No incident matches these filters.</p>
      ) : (
        <IncidentTable
          rows={rows}
          selection={selection}
          onSelection={setSelection}
          hasMore={pages.hasNextPage}
          loadMore={loadMore}
          loadingMore={pages.isFetchingNextPage}
        />
      )}
    </>
  );
}
