import { SEVERITY_RANK } from '../../contracts/index.ts';
import { evaluateConditions, readPath } from './conditions.ts';
import type {
  PlaybookDefinition,
  PlaybookSource,
  PlaybookSubject,
  PlaybookTrigger,
} from './playbook.model.ts';

/**
 * The generic fallback: what triage did before playbooks — enrich every indicator with every
 * provider, then analyze with `auto` (the LLM analyst when one is configured, else deterministic).
 */
export const GENERIC_PLAYBOOK: PlaybookDefinition = Object.freeze({
  name: 'generic',
  version: 1,
  description: 'Enrich every indicator with every provider, then analyze (LLM analyst if configured).',
  enabled: true,
  priority: 0,
  trigger: {},
  stages: [
    { name: 'enrich', parallel: false, steps: [{ id: 'enrich', kind: 'enrich' }] },
    { name: 'analyze', parallel: false, steps: [{ id: 'analyze', kind: 'analyze', analyzer: 'auto' }] },
  ],
  origin: 'builtin',
}) as PlaybookDefinition;

/** Whether every present part of a trigger matches the subject (an empty trigger matches all). */
export function triggerMatches(trigger: PlaybookTrigger, subject: PlaybookSubject): boolean {
  const i = subject.incident;
  if (trigger.sources?.length && !trigger.sources.some((s) => s.toLowerCase() === i.source.toLowerCase()))
    return false;
  if (trigger.incident_types?.length && !trigger.incident_types.includes(i.incident_type as never))
    return false;
  if (trigger.min_severity && SEVERITY_RANK[i.severity] < SEVERITY_RANK[trigger.min_severity]) return false;
  return evaluateConditions(trigger.conditions, (field) => {
    if (field.startsWith('incident.')) {
      const key = field.slice('incident.'.length);
      return Object.prototype.hasOwnProperty.call(i, key) ? i[key] : undefined;
    }
    if (field.startsWith('alert.')) return readPath(subject.alert, field.slice('alert.'.length));
    // verdict/enrichment/indicator fields are not known before triage: they never hold in a trigger.
    return undefined;
  });
}

/**
 * The enabled playbook with the highest priority whose trigger matches (ties: name ascending), else
 * `fallback`. Deterministic for a given set and incident.
 */
export function selectPlaybook(
  playbooks: readonly PlaybookDefinition[],
  subject: PlaybookSubject,
  fallback: PlaybookDefinition = GENERIC_PLAYBOOK,
): PlaybookDefinition {
  let best: PlaybookDefinition | undefined;
  for (const p of playbooks) {
    if (!p.enabled || !triggerMatches(p.trigger, subject)) continue;
    if (!best || p.priority > best.priority || (p.priority === best.priority && p.name < best.name)) best = p;
  }
  return best ?? fallback;
}

/**
 * A PlaybookSource over a fixed set held in memory (built-in playbooks, tests); with no set it
 * always answers the generic fallback, which reproduces triage as it was before playbooks. The
 * database-backed source of stored playbooks replaces it in the runtime.
 */
export class BuiltinPlaybookSource implements PlaybookSource {
  private readonly playbooks: readonly PlaybookDefinition[];

  constructor(
    playbooks: readonly PlaybookDefinition[] = [],
    private readonly fallback: PlaybookDefinition = GENERIC_PLAYBOOK,
  ) {
    this.playbooks = [...playbooks];
  }

  async forIncident(subject: PlaybookSubject): Promise<PlaybookDefinition> {
    return selectPlaybook(this.playbooks, subject, this.fallback);
  }
}
