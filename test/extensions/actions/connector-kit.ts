import { randomUUID } from 'node:crypto';
import type { ActionType, TargetType } from '../../../src/contracts/index.ts';
import { GuardedHttp } from '../../../src/extensions/actions/http/outbound.ts';
import type {
  ActionConnector,
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../src/ports/action-connector.port.ts';
import { withDefaults } from '../../../src/core/response/connectors.service.ts';

/** The guarded client as tests use it: loopback and plain http allowed (the fakes listen there). */
export const loopbackHttp = () =>
  new GuardedHttp({ allowPrivateNetworks: true, allowHttp: true, allowHosts: [] });

/** Builds a connector of `kind` the way the directory does (defaults filled in). */
export function build(
  kind: ConnectorKind,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
  actionTypes: readonly ActionType[] = kind.actionTypes,
): ActionConnector {
  const problems = kind.validate(withDefaults(kind, config), secrets);
  if (problems.length) throw new Error(`invalid test settings: ${JSON.stringify(problems)}`);
  return kind.create(
    { name: `test-${kind.kind}`, config: withDefaults(kind, config), secrets, actionTypes },
    { http: loopbackHttp(), now: () => new Date() },
  );
}

export function action(
  actionType: ActionType,
  type: TargetType,
  value: string,
  parameters: Record<string, unknown> = {},
): ConnectorRequest {
  return {
    action_id: randomUUID(),
    action_type: actionType,
    target: { type, value },
    parameters,
    incident: { id: randomUUID(), title: 'test incident', severity: 'high', incident_type: 'malware' },
    reason: 'test',
  };
}

export const signal = (ms = 5000) => AbortSignal.timeout(ms);

/** The failure code, or `ok`. */
export const codeOf = (r: ConnectorResult) => (r.ok ? 'ok' : r.code);
