import type { PlaybookDefinition, PlaybookSource, PlaybookSubject } from './playbook.model.ts';
import { bySelectionOrder, selectPlaybook } from './playbook.selection.ts';

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
    this.playbooks = [...playbooks].sort(bySelectionOrder);
  }

  async forIncident(subject: PlaybookSubject): Promise<PlaybookDefinition> {
    return selectPlaybook(this.playbooks, subject, this.fallback);
  }
}
