import { useIncident } from '../../api/incidents.ts';
import { Badge, When } from '../../components/badge.tsx';
import { ErrorState, Loading } from '../../components/states.tsx';
import type { PageProps } from '../index.ts';
import { Link } from '../../router.tsx';
import { ActionsSection } from './actions.section.tsx';
import { AlertsSection } from './alerts.section.tsx';
import { Assignment } from './assignment.tsx';
import { CommentsSection } from './comments.section.tsx';
import { IndicatorsSection } from './indicators.section.tsx';
import { OverrideForm } from './override-form.tsx';
import { RelatedSection } from './related.section.tsx';
import { StatusControls } from './status-controls.tsx';
import { TagsEditor } from './tags-editor.tsx';
import { TimelineSection } from './timeline.section.tsx';
import { TranscriptSection } from './transcript.section.tsx';
import { VerdictSection } from './verdict.section.tsx';

export function IncidentPage({ params }: PageProps) {
  const id = params.id!;
  const q = useIncident(id);
  if (q.isPending) return <Loading what="Loading incident" />;
  if (q.isError) return <ErrorState error={q.error} />;
  const i = q.data;
  return (
    <article aria-labelledby="incident-title">
      <p>
        <Link to="/incidents">← Incidents</Link>
      </p>
      <h1 id="incident-title">{i.title}</h1>
      <dl className="facts">
        <dt>Severity</dt>
        <dd>
          <Badge kind="severity" value={i.severity} />
        </dd>
        <dt>Status</dt>
        <dd data-testid="incident-status">
          <Badge kind="status" value={i.status} />
        </dd>
        <dt>Type</dt>
        <dd>{i.incident_type}</dd>
        <dt>Source</dt>
        <dd>{i.source}</dd>
        <dt>Seen</dt>
        <dd>
          {i.occurrence_count}× · first <When at={i.first_seen} /> · last <When at={i.last_seen} />
        </dd>
        <dt>Tags</dt>
        <dd>
          <TagsEditor incident={i} />
        </dd>
      </dl>
      {i.description && <p>{i.description}</p>}
      {i.triage_error && (
        <p className="state error" role="alert">
          Triage failed: {i.triage_error}
        </p>
      )}
      <StatusControls incident={i} />
      <Assignment incident={i} />
      <OverrideForm key={`${i.severity}|${i.incident_type}`} incident={i} />
      <VerdictSection verdict={i.verdict} />
      <IndicatorsSection incident={i} />
      <ActionsSection incidentId={id} />
      <AlertsSection alerts={i.alerts} />
      <TranscriptSection incidentId={id} />
      <CommentsSection incidentId={id} />
      <TimelineSection timeline={i.timeline} />
      <RelatedSection incidentId={id} relatedId={i.related_incident_id} />
    </article>
  );
}
