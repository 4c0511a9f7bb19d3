import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ApiKey, ListOf } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';
import { CreateKeyForm } from './create-key.form.tsx';

export function ApiKeysPage() {
  const client = useQueryClient();
  const q = useQuery({ queryKey: ['api-keys'], queryFn: () => api.get<ListOf<ApiKey>>('/api/v1/api-keys') });
  const revoke = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/api-keys/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  return (
    <>
      <h1>API keys</h1>
      <CreateKeyForm />
      {revoke.isError && <ErrorState error={revoke.error} />}
      <QueryView query={q} feature="API keys" empty="No API keys." isEmpty={(d) => d.data.length === 0}>
        {(d) => (
          <SimpleTable
            label="API keys"
            rows={d.data}
            rowKey={(k) => k.id}
            columns={[
              { header: 'Name', cell: (k) => k.name },
              { header: 'Prefix', cell: (k) => <code>{k.prefix}</code> },
              { header: 'Role', cell: (k) => k.role },
              { header: 'Last used', cell: (k) => <When at={k.last_used_at} /> },
              { header: 'Expires', cell: (k) => <When at={k.expires_at} /> },
              {
                header: 'State',
                cell: (k) =>
                  k.revoked_at ? (
                    'revoked'
                  ) : (
                    <button
                      type="button"
                      onClick={() => window.confirm(`Revoke ${k.name}?`) && revoke.mutate(k.id)}
                      aria-label={`Revoke ${k.name}`}
                    >
                      Revoke
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
