export { analyzeEmail, EMAIL_DEFAULTS } from './analyze.ts';
export type { EmailErrorReason } from './analyze.ts';
export { findAlertMessages, MAX_MESSAGES_PER_ALERT } from './alert-email.ts';
export type { AlertMessage } from './alert-email.ts';
export { parseAuthenticationResults } from './auth-results.ts';
export { EmailAnalysisService, withEmailEvidence } from './email-analysis.service.ts';
export type { AttachOutcome, EmailAnalysisServiceDeps } from './email-analysis.service.ts';
export { cut, FINDING_CODES } from './email.types.ts';
export type {
  AttachmentSummary,
  AuthenticationSummary,
  AuthMethodResult,
  EmailAnalysis,
  EmailAnalysisOptions,
  Finding,
  FindingCode,
  FindingSeverity,
  MessageSummary,
  UrlFinding,
} from './email.types.ts';
export { EMAIL_PROVIDER, emailEvidence, MAX_EMAIL_INDICATORS, MAX_INDICATOR_RECORDS } from './evidence.ts';
export type { EmailEvidence } from './evidence.ts';
export { BRAND_DOMAINS, editDistance, findLookalike, orgDomain, skeleton } from './lookalike.ts';
export type { LookalikeMatch } from './lookalike.ts';
export { POINTS, scoreFindings } from './score.ts';
export { decodeUrlDefenseV3, deobfuscate, resolveUrl, SHORTENERS } from './urls.ts';
