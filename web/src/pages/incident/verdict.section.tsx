import type { Verdict } from '../../api/types.ts';
import { Badge, When } from '../../components/badge.tsx';
import { Empty } from '../../components/states.tsx';
import { Section } from './section.tsx';

export function VerdictSection({ verdict: v }: { verdict: Verdict | null }) {
  return (
    <Section id="verdict" title="Verdict">
      {!v ? (
        <Empty>No verdict yet: triage is still running or has not produced one.</Empty>
      ) : (
        <>
          <p>
            <Badge kind="verdict" value={v.classification} /> {Math.round(v.confidence * 100)}% confidence ·{' '}
            {v.category} · by {v.analyzer} · <When at={v.created_at} />
          </p>
          <p className="reasoning">{v.reasoning}</p>
          {v.reasons.length > 0 && (
            <>
              <h3>Evidence</h3>
              <ul>
                {v.reasons.map((r, n) => (
                  <li key={n}>{r}</li>
                ))}
              </ul>
            </>
          )}
          {v.mitre_techniques.length > 0 && (
            <p>
              MITRE ATT&amp;CK:{' '}
              {v.mitre_techniques.map((t) => (
                <code key={t} className="chip">
                  {t}
                </code>
              ))}
            </p>
          )}
          {v.recommended_actions.length > 0 && (
            <>
              <h3>Recommended</h3>
              <ul>
                {v.recommended_actions.map((r, n) => (
                  <li key={n}>{r}</li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </Section>
  );
}
