import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import type { ListOf, Playbook } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { QueryView } from '../components/states.tsx';
import { PlaybookEditor } from './playbook-editor.tsx';

export function PlaybooksPage() {
  const list = useQuery({
    queryKey: ['playbooks'],
    queryFn: () => api.get<ListOf<Playbook>>('/api/v1/playbooks'),
  });
  const [name, setName] = useState<string | null>(null);
  return (
    <>
      <h1>Playbooks</h1>
      <QueryView query={list} feature="Playbooks" empty="No playbook." isEmpty={(d) => d.data.length === 0}>
        {(d) => (
          <ul className="pick">
            {d.data.map((p) => (
              <li key={p.name}>
                <button type="button" aria-pressed={p.name === name} onClick={() => setName(p.name)}>
                  {p.name} v{p.version}
                </button>{' '}
                {!p.enabled && <span className="chip">disabled</span>}
                {!p.valid && <span className="chip intel-malicious">invalid</span>}
                <span className="muted small">
                  {p.description} · {p.origin} · <When at={p.updated_at} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {name && <PlaybookEditor key={name} name={name} />}
    </>
  );
}
