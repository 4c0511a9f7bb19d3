import { SEVERITY_RANK, type Severity } from '../../contracts/index.ts';
import { evaluateConditions, readPath, type FieldReader } from './conditions.ts';
import type { PlaybookDefinition, PlaybookSubject, PlaybookTrigger } from './playbook.model.ts';

/** Trigger fields: `incident.<column>` from the incident, `alert.<path>` from its first alert. */
export function subjectReader(subject: PlaybookSubject): FieldReader {
  return (field) => {
    if (field.startsWith('incident.')) {
      const column = field.slice('incident.'.length);
      return Object.hasOwn(subject.incident, column) ? subject.incident[column] : undefined;
    }
    if (field.startsWith('alert.')) return readPath(subject.alert, field.slice('alert.'.length));
    return undefined;
  };
}

/** Every present part must hold (AND); an empty trigger matches every incident. */
export function triggerMatches(
  trigger: PlaybookTrigger,
  subject: PlaybookSubject,
  read: FieldReader,
): boolean {
  const incident = subject.incident;
  if (trigger.sources?.length) {
    const source = String(incident.source).toLowerCase();
    if (!trigger.sources.some((s) => s.toLowerCase() === source)) return false;
  }
  if (
    trigger.incident_types?.length &&
    !(trigger.incident_types as string[]).includes(incident.incident_type)
  )
    return false;
  if (trigger.min_severity) {
    const rank = SEVERITY_RANK[incident.severity as Severity];
    if (rank === undefined || rank < SEVERITY_RANK[trigger.min_severity]) return false;
  }
  return evaluateConditions(trigger.conditions, read);
}

/** Selection order: priority descending, then name ascending (deterministic on every process). */
export function bySelectionOrder(a: PlaybookDefinition, b: PlaybookDefinition): number {
  return b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The first enabled playbook, in selection order, whose trigger matches; `fallback` when none does.
 * `ordered` must already be sorted with bySelectionOrder.
 */
export function selectPlaybook(
  ordered: readonly PlaybookDefinition[],
  subject: PlaybookSubject,
  fallback: PlaybookDefinition,
): PlaybookDefinition {
  const read = subjectReader(subject);
  for (const pb of ordered) {
    if (pb.enabled && triggerMatches(pb.trigger, subject, read)) return pb;
  }
  return fallback;
}

/** True when some trigger reads the alert payload (callers then need to load it for selection). */
export function readsAlert(playbooks: readonly PlaybookDefinition[]): boolean {
  return playbooks.some(
    (pb) => pb.enabled && pb.trigger.conditions?.some((c) => c.field.startsWith('alert.')),
  );
}
