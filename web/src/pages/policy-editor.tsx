import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { PolicyVersionView } from '../api/types.ts';
import { LineErrors, lineErrorsOf } from '../components/line-errors.tsx';
import { ErrorState } from '../components/states.tsx';
import { PolicyEvaluate } from './policy-evaluate.tsx';

/**
 * The active guardrails policy as YAML; saving stores a new version (PUT /api/v1/policies, refused
 * with 409 if someone saved since). The dry run below judges with the active or the edited text.
 */
export function PolicyEditor({ active }: { active: PolicyVersionView }) {
  const client = useQueryClient();
  const area = useRef<HTMLTextAreaElement>(null);
  const [yaml, setYaml] = useState(active.source);
  const [comment, setComment] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.put<PolicyVersionView>('/api/v1/policies', {
        source: yaml,
        comment: comment || undefined,
        expected_version: active.version,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['policies'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const located = lineErrorsOf(save.error);
  return (
    <>
      <form onSubmit={submit} className="stack" aria-label="Edit the policy">
        <p>
          Active version {active.version} by {active.created_by}
        </p>
        <label>
          Policy (YAML)
          <textarea
            ref={area}
            className="code"
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            rows={18}
            spellCheck={false}
            aria-invalid={located.length > 0}
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
        {located.length > 0 && <LineErrors errors={located} area={area} />}
      </form>
      <PolicyEvaluate edited={yaml === active.source ? null : yaml} area={area} />
    </>
  );
}
