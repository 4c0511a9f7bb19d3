/** Vendor rule packs: security-relevant audit event types per vendor (docs/ANALYZER.md). */
export { RULE_PACKS, allRules, detectVendor, ruleIncidentType, vendorRuleHits } from './vendor-rules.ts';
export { RULE_VENDORS, hitOf, ruleMatches, valuesAt } from './rule.model.ts';
export type {
  AnyCondition,
  Condition,
  FieldCondition,
  RuleVendor,
  VendorRule,
  VendorRuleHit,
} from './rule.model.ts';
