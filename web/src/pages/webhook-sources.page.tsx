import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ListOf, WebhookSource } from '../api/types.ts';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';

export function WebhookSourcesPage() {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['webhook-sources'],
    queryFn: () => api.get<ListOf<WebhookSource>>('/api/v1/webhook-sources'),
  });
  const rotate = useMutation({
    mutationFn: (name: string) =>
      api.post<{ secret?: string }>(`/api/v1/webhook-sources/${encodeURIComponent(name)}/rotate`, {}),
    onSuccess: () => client.invalidateQueries({ queryKey: ['webhook-sources'] }),
  });
  return (
    <>
      <h1>Webhook sources</h1>
      {rotate.isError && <ErrorState error={rotate.error} />}
      {rotate.data?.secret && (
        <p className="state" role="status">
          New secret (shown once; the previous one stays valid for the grace period):{' '}
          <code>{rotate.data.secret}</code>
        </p>
      )}
      <QueryView
        query={q}
        feature="Webhook sources"
        empty="No webhook source."
        isEmpty={(d) => d.data.length === 0}
      >
        {(d) => (
          <SimpleTable
            label="Webhook sources"
            rows={d.data}
            rowKey={(s) => s.name}
            columns={[
              { header: 'Name', cell: (s) => <code>{s.name}</code> },
              { header: 'Origin', cell: (s) => s.origin },
              { header: 'Enabled', cell: (s) => (s.enabled ? 'yes' : 'no') },
              {
                header: 'Signature',
                cell: (s) => (s.unsigned ? 'unsigned' : s.has_secret ? 'HMAC' : 'missing secret'),
              },
              {
                header: 'Secret',
                cell: (s) =>
                  s.read_only || s.unsigned ? (
                    <span className="muted">{s.read_only ? 'from configuration' : '—'}</span>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Rotate the secret of ${s.name}`}
                      onClick={() =>
                        window.confirm(`Rotate the secret of ${s.name}?`) && rotate.mutate(s.name)
                      }
                    >
                      Rotate
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
