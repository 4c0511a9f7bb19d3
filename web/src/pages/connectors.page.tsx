import { useMutation, useQuery } from '@tanstack/react-query';
import { listItems } from '../api/actions.ts';
import { api } from '../api/client.ts';
import type { ConnectorView } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';

export function ConnectorsPage() {
  const q = useQuery({
    queryKey: ['connectors'],
    queryFn: async () => listItems(await api.get<{ data: ConnectorView[] }>('/api/v1/connectors')),
  });
  const test = useMutation({
    mutationFn: (name: string) =>
      api.post<Record<string, unknown>>(`/api/v1/connectors/${encodeURIComponent(name)}/test`, {}),
  });
  return (
    <>
      <h1>Connectors</h1>
      {test.isError && <ErrorState error={test.error} feature="Connector tests" />}
      {test.data && (
        <pre className="raw" role="status">
          {JSON.stringify(test.data, null, 2)}
        </pre>
      )}
      <QueryView
        query={q}
        feature="Connectors"
        empty="No connector is configured."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <SimpleTable
            label="Connectors"
            rows={d}
            rowKey={(c) => c.name}
            columns={[
              { header: 'Name', cell: (c) => <code>{c.name}</code> },
              { header: 'Kind', cell: (c) => c.kind },
              {
                header: 'Enabled',
                cell: (c) => (c.enabled ? 'yes' : 'no') + (c.dry_run ? ' (dry run)' : ''),
              },
              { header: 'Actions', cell: (c) => c.action_types.join(', ') },
              { header: 'Secrets set', cell: (c) => c.secrets_set.join(', ') || '—' },
              { header: 'Updated', cell: (c) => <When at={c.updated_at} /> },
              {
                header: 'Test',
                cell: (c) => (
                  <button type="button" onClick={() => test.mutate(c.name)} aria-label={`Test ${c.name}`}>
                    Test
                  </button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
    </>
  );
}
