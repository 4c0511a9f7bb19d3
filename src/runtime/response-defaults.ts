import type { ActionType } from '../contracts/index.ts';
import type { ConnectorDirectory } from '../ports/action-connector.port.ts';
import type { CompiledPolicy, PolicyProvider } from '../ports/policy.port.ts';

/**
 * The conservative policy used until a guardrails policy is wired (docs/RESPONSE.md): every action
 * needs an analyst's approval (rule `default.builtin`, version 0), in every operation mode: without
 * guardrails nothing runs on its own. No rate limits.
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
