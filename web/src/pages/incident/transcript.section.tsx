import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ListOf, Transcript } from '../../api/types.ts';
import { When } from '../../components/badge.tsx';
import { QueryView } from '../../components/states.tsx';
import { Section } from './section.tsx';

export function TranscriptSection({ incidentId }: { incidentId: string }) {
  const q = useQuery({
    queryKey: ['transcripts', incidentId],
    queryFn: () => api.get<ListOf<Transcript>>(`/api/v1/incidents/${incidentId}/transcripts`),
  });
  return (
    <Section id="transcript" title="LLM transcript">
      <QueryView
        query={q}
        feature="LLM transcripts"
        empty="No LLM analysis for this incident (the deterministic analyzer decided, or none ran yet)."
        isEmpty={(d) => d.data.length === 0}
      >
        {(d) =>
          d.data.map((t) => (
            <details key={t.id} className="transcript">
              <summary>
                {t.provider}/{t.model} · {t.outcome}
                {t.fallback_reason ? ` (${t.fallback_reason})` : ''} · {t.input_tokens}+{t.output_tokens}{' '}
                tokens · {t.latency_ms} ms · <When at={t.created_at} />
              </summary>
              <ol className="messages">
                {t.messages.map((m, n) => (
                  <li key={n} className={`msg msg-${m.role}`}>
                    <span className="role">{m.role}</span>
                    {m.content && <pre>{m.content}</pre>}
                    {m.tool_calls?.map((c) => (
                      <code key={c.id} className="details">
                        {c.name}({c.arguments})
                      </code>
                    ))}
                  </li>
                ))}
              </ol>
            </details>
          ))
        }
      </QueryView>
    </Section>
  );
}
