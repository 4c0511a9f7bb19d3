import type { IncidentDetail } from '../../api/types.ts';
import { Empty } from '../../components/states.tsx';
import { Section } from './section.tsx';

export function IndicatorsSection({ incident }: { incident: IncidentDetail }) {
  const enrichmentsOf = (type: string, value: string) =>
    incident.enrichments.filter((e) => e.indicator_type === type && e.indicator_value === value);
  return (
    <Section id="indicators" title="Indicators">
      {incident.indicators.length === 0 ? (
        <Empty>No indicators were extracted.</Empty>
      ) : (
        <table className="plain">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Value</th>
              <th scope="col">Enrichments</th>
            </tr>
          </thead>
          <tbody>
            {incident.indicators.map((ind) => (
              <tr key={`${ind.type}:${ind.value}`}>
                <td>{ind.type}</td>
                <td>
                  <code>{ind.value}</code>
                </td>
                <td>
                  {enrichmentsOf(ind.type, ind.value).map((e) => (
                    <span key={e.id} className={`chip intel-${e.verdict}`}>
                      {e.provider}: {e.verdict}
                      {e.score !== null ? ` (${e.score})` : ''}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
