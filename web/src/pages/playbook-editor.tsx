import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type { Playbook, PlaybookError } from '../api/types.ts';
import { offsetOf } from '../components/line-errors.tsx';
import { ErrorState, Loading } from '../components/states.tsx';

/**
 * A playbook's YAML, validated by the server as you type (POST /playbooks/validate, nothing stored).
 * Each error names its line and field; choosing it puts the cursor there.
 */
export function PlaybookEditor({ name }: { name: string }) {
  const client = useQueryClient();
  const doc = useQuery({
    queryKey: ['playbooks', name],
    queryFn: () => api.get<Playbook>(`/api/v1/playbooks/${encodeURIComponent(name)}`),
  });
  const [yaml, setYaml] = useState<string | null>(null);
  const [errors, setErrors] = useState<PlaybookError[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);
  const text = yaml ?? doc.data?.yaml ?? '';
  useEffect(() => {
    if (yaml === null) return;
    const t = setTimeout(() => {
      void api
        .post<{ valid: boolean; errors?: PlaybookError[] }>('/api/v1/playbooks/validate', { yaml })
        .then((r) => setErrors(r.errors ?? []))
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(t);
  }, [yaml]);
  const save = useMutation({
    mutationFn: () =>
      api.put<Playbook>(`/api/v1/playbooks/${encodeURIComponent(name)}`, {
        yaml: text,
        ...(doc.data ? { expected_version: doc.data.version } : {}),
      }),
    onSuccess: () => {
      setYaml(null);
      void client.invalidateQueries({ queryKey: ['playbooks'] });
    },
  });
  const jump = (e: PlaybookError) => {
    const el = area.current;
    if (!el) return;
    const at = offsetOf(text, e.line || 1, e.column || 1);
    el.focus();
    el.setSelectionRange(at, at);
  };
  if (doc.isPending) return <Loading what="Loading playbook" />;
  if (doc.isError) return <ErrorState error={doc.error} />;
  return (
    <section aria-labelledby="pb-h" className="section">
      <h2 id="pb-h">
        {name} (v{doc.data.version})
      </h2>
      <label>
        YAML
        <textarea
          ref={area}
          className="code"
          rows={24}
          spellCheck={false}
          value={text}
          aria-invalid={errors.length > 0}
          aria-describedby="pb-errors"
          onChange={(e) => setYaml(e.target.value)}
        />
      </label>
      <div id="pb-errors" aria-live="polite">
        {errors.length === 0 ? (
          yaml !== null && <p className="muted small">Valid.</p>
        ) : (
          <ul className="errors">
            {errors.map((e, n) => (
              <li key={n}>
                <button type="button" className="link" onClick={() => jump(e)}>
                  line {e.line}, column {e.column}
                </button>{' '}
                <code>{e.field}</code>: {e.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      <button
        type="button"
        className="primary"
        disabled={yaml === null || errors.length > 0 || save.isPending}
        onClick={() => save.mutate()}
      >
        Save
      </button>
      {save.isError && <ErrorState error={save.error} />}
    </section>
  );
}
