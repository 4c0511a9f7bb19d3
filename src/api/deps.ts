import type { Config } from '../config/index.ts';
import type { ClusterService } from '../core/cluster/cluster.service.ts';
import type { CaseworkService } from '../core/incidents/casework.service.ts';
import type { IncidentDecisionsService } from '../core/incidents/incident-decisions.service.ts';
import type { IdentityService } from '../core/identity/index.ts';
import type { EmailAnalysisService } from '../core/email/index.ts';
import type { IngestService } from '../core/ingest/ingest.service.ts';
import type { ConnectorService } from '../core/response/connectors.service.ts';
import type { KillSwitchService } from '../core/response/kill-switch.service.ts';
import type { PolicyService } from '../core/response/policy/index.ts';
import type { ActionService } from '../core/response/action.service.ts';
import type { ActionStore } from '../ports/action-store.port.ts';
import type { TriageRetryService } from '../core/triage/triage-retry.service.ts';
import type { Metrics } from '../observability/metrics.ts';
import type {
  AuditLogStore,
  AuditQueryStore,
  EventBus,
  IncidentStore,
  LlmTranscriptStore,
  RateLimiter,
  ReplayGuard,
  SavedViewStore,
} from '../ports/index.ts';
import type { WebhookSourceService } from '../core/webhooks/webhook-sources.service.ts';
import type { PlaybookService } from '../core/playbooks/playbook.service.ts';
import type { AccessPolicy } from './plugins/access.ts';
import type { OidcLoginPort } from '../core/identity/oidc-login.port.ts';
import type { SsoWiring } from './routes/oidc.routes.ts';
import type { IncidentStatsStore } from '../ports/incident-stats.port.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** What the HTTP layer needs; src/runtime builds it. */
export interface ApiDeps {
  config: Config;
  store: IncidentStore;
  ingest: IngestService;
  decisions: IncidentDecisionsService;
  bus: EventBus;
  /** Shared counters (webhook replay guard) and rate limits. */
  counters: RateLimiter;
  metrics: Metrics;
  access: AccessPolicy;
  /** Users, API keys, sessions (the /auth, /users and /api-keys routes); absent in route unit tests. */
  identity?: IdentityService;
  readiness: () => Promise<ReadinessReport>;
  /** Webhook sources (config, database, local file merged) and their management. */
  webhookSources: WebhookSourceService;
  /** The webhook replay guard (database-backed, shared by every process). */
  replays: ReplayGuard;
  /** True once SIGTERM arrived: /ready answers 503 so the load balancer drains us. */
  isShuttingDown: () => boolean;
  // --- single sign-on (issue 9 part 5); both are needed when auth.oidc.enabled ---
  /** The OpenID Connect relying party. */
  oidc?: OidcLoginPort;
  /** The identity store and its session cookie (the integrator wires the real store). */
  sso?: SsoWiring;
  /**
   * Whether a webhook source name is known (configured, managed or a built-in vendor), i.e. may
   * appear as a metric label; unknown names are labelled `other`. Default (runtime): configured
   * sources plus the built-in parser names.
   */
  knownSource?: (name: string) => boolean;
  /** Playbooks (docs/PLAYBOOKS.md); the /playbooks routes exist only when set. */
  playbooks?: PlaybookService;
  /** Email analysis (docs/EMAIL-ANALYSIS.md); its routes exist only when set. */
  email?: EmailAnalysisService;
  /** LLM analyst transcripts (GET /incidents/:id/transcripts); the route exists only when set. */
  llmTranscripts?: LlmTranscriptStore;
  /** Retrying dead-lettered triage; its routes exist only when set. */
  triageRetry?: TriageRetryService;
  /** The kill switch (docs/RESPONSE.md); its routes exist only when set. */
  killSwitch?: KillSwitchService;
  /** Action connectors (docs/CONNECTORS.md); the /connectors routes exist only when set. */
  connectors?: ConnectorService;
  /** Case work and saved views (docs/CASEWORK.md); their routes exist only when set. */
  casework?: CaseworkService;
  savedViews?: SavedViewStore;
  /** Guardrails (docs/POLICY.md); the /policies routes exist only when set. */
  policies?: PolicyService;
  /** The audit log's reading side (docs/AUDIT.md "Audit API"); the /audit routes exist only when set. */
  audit?: { query: AuditQueryStore; log: AuditLogStore };
  /** Response actions and approvals (docs/RESPONSE.md); their routes exist only when set. */
  actions?: { service: ActionService; store: ActionStore };
  /** The Overview statistics (docs/DASHBOARD.md#overview-statistics); GET /stats/overview exists only when set. */
  stats?: IncidentStatsStore;
  /** The cluster registry (docs/DASHBOARD.md "Cluster"); GET /cluster exists only when set. */
  cluster?: Pick<ClusterService, 'view'>;
}
