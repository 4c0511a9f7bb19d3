import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { CommentView, ListOf } from '../../api/types.ts';
import { When } from '../../components/badge.tsx';
import { ErrorState, QueryView } from '../../components/states.tsx';
import { Section } from './section.tsx';

export function CommentsSection({ incidentId }: { incidentId: string }) {
  const client = useQueryClient();
  const comments = useQuery({
    queryKey: ['comments', incidentId],
    queryFn: () => api.get<ListOf<CommentView>>(`/api/v1/incidents/${incidentId}/comments`),
  });
  const [body, setBody] = useState('');
  const add = useMutation({
    mutationFn: (text: string) =>
      api.post<CommentView>(`/api/v1/incidents/${incidentId}/comments`, { body: text }),
    onSuccess: () => {
      setBody('');
      void client.invalidateQueries({ queryKey: ['comments', incidentId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim()) add.mutate(body.trim());
  };
  return (
    <Section id="comments" title="Comments">
      <QueryView
        query={comments}
        feature="Comments"
        empty="No comments yet."
        isEmpty={(d) => d.data.length === 0}
      >
        {(d) => (
          <ul className="comments">
            {d.data.map((c) => (
              <li key={c.id}>
                <strong>{c.author}</strong> · <When at={c.created_at} />
                <p>{c.body}</p>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {!comments.isError && (
        <form onSubmit={submit} className="stack">
          <label>
            Add a comment (@name mentions a user)
            <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={2} />
          </label>
          <button type="submit" disabled={add.isPending || !body.trim()}>
            Comment
          </button>
          {add.isError && <ErrorState error={add.error} />}
        </form>
      )}
    </Section>
  );
}
