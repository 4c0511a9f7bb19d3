export { GuardrailsPolicy, compilePolicy, conditionsHold } from './compiled-policy.ts';
export {
  MAX_POLICY_BYTES,
  POLICY_LIMITS,
  compilePolicyDocument,
  type PolicyError,
} from './policy.compiler.ts';
export type { PolicyDefinition, PolicySummary } from './policy.model.ts';
export { CachedPolicyProvider, type PolicyProviderDeps } from './policy.provider.ts';
export {
  PolicyService,
  type EvaluateInput,
  type EvaluateResult,
  type PolicyServiceDeps,
} from './policy.service.ts';
