import type { ActionType, TargetType } from '../../../src/contracts/index.ts';
import type { ConnectorDeps, ConnectorRequest } from '../../../src/ports/action-connector.port.ts';
import { GuardedHttp } from '../../../src/extensions/actions/http/outbound.ts';

/** Hostile alert text: mentions, markup and links a notification must not render live. */
export const HOSTILE =
  '<!here> @channel <@U123> *bold* [click](https://evil.example/x) <a href="https://evil.example">x</a> <script>alert(1)</script>';

/** A connector request as the executor hands it over. */
export function actionRequest(
  over: {
    action_id?: string;
    action_type?: ActionType;
    target?: { type: TargetType; value: string };
    parameters?: Record<string, unknown>;
    title?: string;
    reason?: string | null;
  } = {},
): ConnectorRequest {
  return {
    action_id: over.action_id ?? '7b0d3c2e-5f5a-4c1e-9a8e-3d2f1c0b9a01',
    action_type: over.action_type ?? 'notify',
    target: over.target ?? { type: 'channel', value: 'C0SOC' },
    parameters: over.parameters ?? { message: 'Host FIN-LT-0417 isolated' },
    incident: {
      id: 'inc-42',
      title: over.title ?? 'Phishing from payroll-update.example',
      severity: 'high',
      incident_type: 'phishing',
    },
    reason: over.reason === undefined ? 'Analyst escalation' : over.reason,
  };
}

/** Deps reaching loopback fakes over plain http (what tests use). */
export function loopbackDeps(): ConnectorDeps {
  return {
    http: new GuardedHttp({ allowPrivateNetworks: true, allowHttp: true, allowHosts: [] }),
    now: () => new Date(),
  };
}

/** Deps with the production SSRF policy: loopback is refused. */
export function guardedDeps(): ConnectorDeps {
  return {
    http: new GuardedHttp({ allowPrivateNetworks: false, allowHttp: true, allowHosts: [] }),
    now: () => new Date(),
  };
}

export function never(): AbortSignal {
  return new AbortController().signal;
}
