import type { ActionType } from '../../src/contracts/index.ts';
import type { ConnectorDirectory } from '../../src/ports/action-connector.port.ts';
import type { CompiledPolicy, PolicyProvider } from '../../src/ports/policy.port.ts';

/**
 * Test doubles for the response side's ports: a policy that asks an analyst for everything and a
 * directory with no connector. The runtime always runs the stored guardrails and the connectors table.
 */
export const CONSERVATIVE_POLICY: CompiledPolicy = {
  version: 0,
  decide() {
    return {
      outcome: 'requires_approval',
      rule: 'default.builtin',
      message: 'no guardrails policy is configured: every action needs an analyst approval',
      level: 'analyst',
      policy_version: 0,
    };
  },
  rateLimit: () => null,
};

export const CONSERVATIVE_POLICY_PROVIDER: PolicyProvider = {
  active: async () => CONSERVATIVE_POLICY,
};

/** No connectors configured: every action type resolves to none (an approved action then fails NO_CONNECTOR). */
export const EMPTY_CONNECTOR_DIRECTORY: ConnectorDirectory = {
  resolve: async (actionType: ActionType) => ({
    connector: null,
    reason: `no connector configured for ${actionType}`,
  }),
};
