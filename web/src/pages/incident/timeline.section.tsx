import type { IncidentDetail } from '../../api/types.ts';
import { When } from '../../components/badge.tsx';
import { Empty } from '../../components/states.tsx';
import { Section } from './section.tsx';

export function TimelineSection({ timeline }: { timeline: IncidentDetail['timeline'] }) {
  return (
    <Section id="timeline" title="Timeline">
      {timeline.length === 0 ? (
        <Empty>Nothing recorded yet.</Empty>
      ) : (
        <ol className="timeline">
          {timeline.map((t) => (
            <li key={t.id}>
              <When at={t.created_at} /> <strong>{t.action.replaceAll('_', ' ')}</strong> by {t.actor}
              {Object.keys(t.details).length > 0 && (
                <code className="details">{JSON.stringify(t.details)}</code>
              )}
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}
