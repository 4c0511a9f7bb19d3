import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ListOf, RelatedIncident } from '../../api/types.ts';
import { Badge } from '../../components/badge.tsx';
import { QueryView } from '../../components/states.tsx';
import { Link } from '../../router.tsx';
import { Section } from './section.tsx';

export function RelatedSection({ incidentId, relatedId }: { incidentId: string; relatedId: string | null }) {
  const related = useQuery({
    queryKey: ['related', incidentId],
    queryFn: () => api.get<ListOf<RelatedIncident>>(`/api/v1/incidents/${incidentId}/related`),
  });
  return (
    <Section id="related" title="Related">
      {relatedId && (
        <p>
          Repeats <Link to={`/incidents/${relatedId}`}>an earlier incident</Link>.
        </p>
      )}
      <QueryView
        query={related}
        feature="Related incidents"
        empty="No other incident shares an indicator."
        isEmpty={(d) => d.data.length === 0}
      >
        {(d) => (
          <ul>
            {d.data.map((r) => (
              <li key={r.id}>
                <Badge kind="severity" value={r.severity} /> <Link to={`/incidents/${r.id}`}>{r.title}</Link>{' '}
                <Badge kind="status" value={r.status} />{' '}
                <span className="muted">shares {r.shared.join(', ')}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Section>
  );
}
