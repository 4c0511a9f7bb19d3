import type { Config } from '../config/index.ts';
import type { IncidentActionsService } from '../core/incidents/incident-actions.service.ts';
import type { IngestService } from '../core/ingest/ingest.service.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventBus, IncidentStore, RateLimiter, ReplayGuard } from '../ports/index.ts';
import type { WebhookSourceService } from '../core/webhooks/webhook-sources.service.ts';
import type { AccessPolicy } from './plugins/access.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** What the HTTP layer needs; src/runtime builds it. */
export interface ApiDeps {
  config: Config;
  store: IncidentStore;
  ingest: IngestService;
  decisions: IncidentActionsService;
  bus: EventBus;
  /** Shared counters (webhook replay guard) and rate limits. */
  counters: RateLimiter;
  metrics: Metrics;
  access: AccessPolicy;
  readiness: () => Promise<ReadinessReport>;
  /** Webhook sources (config, database, local file merged) and their management. */
  webhookSources: WebhookSourceService;
  /** The webhook replay guard (database-backed, shared by every process). */
  replays: ReplayGuard;
  /** True once SIGTERM arrived: /ready answers 503 so the load balancer drains us. */
  isShuttingDown: () => boolean;
}
