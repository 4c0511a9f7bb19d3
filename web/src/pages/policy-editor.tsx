import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { PolicyVersionView } from '../api/types.ts';
import { ErrorState } from '../components/states.tsx';

/** The active guardrails policy as YAML; saving stores a new version (PUT /api/v1/policies). */
export function PolicyEditor({ active }: { active: PolicyVersionView }) {
  const client = useQueryClient();
  const [yaml, setYaml] = useState(active.source);
  const [comment, setComment] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.put<PolicyVersionView>('/api/v1/policies', { source: yaml, comment: comment || undefined }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['policies'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} className="stack">
      <p>
        Active version {active.version} by {active.created_by}
      </p>
      <label>
        Policy (YAML)
        <textarea
          className="code"
          value={yaml}
          onChange={(e) => setYaml(e.target.value)}
          rows={18}
          spellCheck={false}
        />
      </label>
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={save.isPending || yaml === active.source}>
        Save as a new version
      </button>
      {save.isError && <ErrorState error={save.error} />}
    </form>
  );
}
