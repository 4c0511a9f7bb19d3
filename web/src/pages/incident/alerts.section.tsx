import type { IncidentDetail } from '../../api/types.ts';
import { Badge, When } from '../../components/badge.tsx';
import { Section } from './section.tsx';

export function AlertsSection({ alerts }: { alerts: IncidentDetail['alerts'] }) {
  return (
    <Section id="alerts" title={`Alerts (${alerts.length})`}>
      {alerts.map((a) => (
        <details key={a.id} className="alert">
          <summary>
            <Badge kind="severity" value={a.severity} /> {a.title} · {a.source}
            {a.vendor_id ? ` · ${a.vendor_id}` : ''} · <When at={a.occurred_at} />
          </summary>
          <pre className="raw" tabIndex={0} aria-label="Raw payload">
            {JSON.stringify(a.raw, null, 2)}
          </pre>
        </details>
      ))}
    </Section>
  );
}
