import { useQuery } from '@tanstack/react-query';
import { listItems } from '../api/actions.ts';
import { api } from '../api/client.ts';
import type { PolicyVersionView } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { QueryView } from '../components/states.tsx';
import { PolicyEditor } from './policy-editor.tsx';

export function PoliciesPage() {
  const active = useQuery({
    queryKey: ['policies'],
    // GET /policies answers the active version and a summary of its rules.
    queryFn: async () =>
      (await api.get<{ active: PolicyVersionView; summary: unknown }>('/api/v1/policies')).active,
  });
  const versions = useQuery({
    queryKey: ['policies', 'versions'],
    queryFn: async () => listItems(await api.get<{ data: PolicyVersionView[] }>('/api/v1/policies/versions')),
  });
  return (
    <>
      <h1>Policies</h1>
      <QueryView query={active} feature="Guardrail policies">
        {(p) => <PolicyEditor key={p.version} active={p} />}
      </QueryView>
      <h2>Versions</h2>
      <QueryView
        query={versions}
        feature="Policy versions"
        empty="No stored version."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <ul>
            {d.map((v) => (
              <li key={v.version}>
                v{v.version} {v.active && <strong>(active)</strong>} by {v.created_by}{' '}
                <When at={v.created_at} />
                {v.comment ? ` — ${v.comment}` : ''}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </>
  );
}
