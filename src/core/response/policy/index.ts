import { GuardrailsPolicy } from './compiled-policy.ts';
import { compilePolicyDocument, type PolicyError } from './policy.compiler.ts';

export { GuardrailsPolicy, conditionsHold } from './compiled-policy.ts';
export {
  MAX_POLICY_BYTES,
  POLICY_LIMITS,
  compilePolicyDocument,
  type PolicyError,
} from './policy.compiler.ts';
export type { PolicyDefinition, PolicySummary } from './policy.model.ts';

/** Compiles a guardrails document into the policy that decides (`version` 0: not stored). */
export function compilePolicy(
  source: string,
  file: string,
  version: number,
): { ok: true; policy: GuardrailsPolicy } | { ok: false; errors: PolicyError[] } {
  const r = compilePolicyDocument(source, file);
  return r.ok ? { ok: true, policy: new GuardrailsPolicy(version, r.definition) } : r;
}
