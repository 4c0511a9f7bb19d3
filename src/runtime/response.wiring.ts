import { SqlActionStore, type SqlDatabase, type SqlIncidentStore } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { ActionExecutor } from '../core/response/action.executor.ts';
import { ActionService } from '../core/response/action.service.ts';
import { ApprovalNotifier } from '../core/response/approval-notifier.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ConnectorDirectory } from '../ports/action-connector.port.ts';
import type { KillSwitchView, Logger } from '../ports/index.ts';
import type { PolicyProvider } from '../ports/policy.port.ts';
import type { Transports } from './transports.ts';

/** The guardrails policy and connectors the response side runs with (tests inject their own). */
export interface ResponseOptions {
  /** Default: the stored guardrails (policy.wiring.ts). */
  policy?: PolicyProvider;
  /** Default: the connectors table (connectors.wiring.ts). */
  connectors?: ConnectorDirectory;
}

export interface ResponseWiring {
  store: SqlActionStore;
  service: ActionService;
  /** Runs `action.execute` jobs (orchestrators). */
  executor: ActionExecutor;
  notifier: ApprovalNotifier;
}

/** Response actions (docs/RESPONSE.md): store, proposal and approvals, the executor. */
export function createResponse(input: {
  config: Config;
  database: SqlDatabase;
  transports: Transports;
  incidents: SqlIncidentStore;
  killSwitch: KillSwitchView;
  /** The stored guardrails and the connectors table, unless options replace them. */
  policy: PolicyProvider;
  connectors: ConnectorDirectory;
  metrics: Metrics;
  log: Logger;
  options?: ResponseOptions;
}): ResponseWiring {
  const { config, transports: t, incidents, log } = input;
  const policy = input.options?.policy ?? input.policy;
  const connectors = input.options?.connectors ?? input.connectors;
  const store = new SqlActionStore(input.database);
  const notifier = new ApprovalNotifier({
    connectors,
    incidents,
    store,
    log: log.child({ component: 'approvals' }),
    timeoutMs: config.response.action_timeout,
  });
  const service = new ActionService({
    store,
    incidents,
    policy,
    connectors,
    bus: t.bus,
    queue: t.queue,
    log: log.child({ component: 'actions' }),
    mode: config.response.mode,
    approvalTtlMs: config.response.approval_ttl,
    notifier,
  });
  const executor = new ActionExecutor({
    store,
    incidents,
    policy,
    connectors,
    killSwitch: input.killSwitch,
    bus: t.bus,
    log: log.child({ component: 'action-executor' }),
    actionTimeoutMs: config.response.action_timeout,
    actor: `orchestrator:${config.server.instance_id}`,
    count: (action_type, outcome) => {
      if (outcome !== 'skipped') input.metrics.actions.inc({ action_type, outcome });
    },
  });
  return { store, service, executor, notifier };
}
