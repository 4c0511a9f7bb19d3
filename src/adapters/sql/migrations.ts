import { migration as m0001Initial } from './migrations/0001_initial.ts';
import { migration as m0002IncidentListIndexes } from './migrations/0002_incident_list_indexes.ts';
import { migration as m0003Identity } from './migrations/0003_identity.ts';
import { migration as m0004WebhookSources } from './migrations/0004_webhook_sources.ts';
import { migration as m0005IncidentLifecycle } from './migrations/0005_incident_lifecycle.ts';
import { migration as m0006Playbooks } from './migrations/0006_playbooks.ts';
import { migration as m0007LlmTranscripts } from './migrations/0007_llm_transcripts.ts';
import { migration as m0008TriageSteps } from './migrations/0008_triage_steps.ts';
import { migration as m0009EmailAnalyses } from './migrations/0009_email_analyses.ts';
import { migration as m0010Intel } from './migrations/0010_intel.ts';
import { migration as m0011AuditChain } from './migrations/0011_audit_chain.ts';
import { migration as m0012ResponseActions } from './migrations/0012_response_actions.ts';
import { migration as policiesMigration } from './migrations/0013_policies.ts';
import { migration as m0014Connectors } from './migrations/0014_connectors.ts';
import { migration as casework0015 } from './migrations/0015_casework.ts';
import { migration as closedAt0016 } from './migrations/0016_incident_closed_at.ts';
import { migration as m0017Instances } from './migrations/0017_instances.ts';

/**
 * The one set of migrations, run unchanged on PGlite (PostgreSQL 18) and PostgreSQL 15. Append only:
 * never edit a migration that has shipped. Each runs in its own transaction.
 */

export interface Migration {
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  m0001Initial,
  m0002IncidentListIndexes,
  m0003Identity,
  m0004WebhookSources,
  m0005IncidentLifecycle,
  m0006Playbooks,
  m0007LlmTranscripts,
  m0008TriageSteps,
  m0009EmailAnalyses,
  m0010Intel,
  m0011AuditChain,
  m0012ResponseActions,
  policiesMigration,
  m0014Connectors,
  casework0015,
  closedAt0016,
  m0017Instances,
];
