import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { severityFromName, typeFromText } from '../classify.ts';
import { getPath, isObject, list, num, own, str } from '../read.ts';

/*
 * What a vendor event without a dedicated parser commonly says about itself, read from the field
 * names that identity, cloud-audit, EDR and SIEM exports share. Every read is case-insensitive
 * (`read.ts`'s `own`), and a dotted name reads nested objects. docs/VENDOR-EVENTS.md lists them.
 */

/** Names of the action or event kind that vendors use for nothing else, most specific first. */
const ACTION_FIELDS = [
  'displayMessage', // Okta
  'activityDisplayName', // Entra ID audit logs
  'eventName', // CloudTrail
  'event_simpleName', // CrowdStrike Falcon Data Replicator
  'Operation', // Microsoft 365 Management Activity
  'operationName', // Azure diagnostic records
  'eventType', // Okta, many others
];

/** Looser names, read after Google's `events[].name` and the Entra sign-in shape. */
const LOOSE_ACTION_FIELDS = ['event.action', 'action', 'name', 'message', 'msg', 'summary', 'category'];

/** Who acted. */
const ACTOR_FIELDS = [
  'userPrincipalName', // Entra sign-in
  'actor.email', // Google Reports
  'actor.alternateId', // Okta
  'initiatedBy.user.userPrincipalName', // Entra audit
  'UserId', // Microsoft 365
  'userIdentity.userName', // CloudTrail
  'userIdentity.arn',
  'properties.userPrincipalName', // Azure diagnostic SignInLogs
  'identity',
  'UserName', // Falcon FDR
  'user.name',
  'user',
  'username',
  'principal',
];

/** What the action was about. */
const OBJECT_FIELDS = [
  'appDisplayName', // Entra sign-in
  'targetResources.0.displayName', // Entra audit
  'targetResources.0.userPrincipalName',
  'ObjectId', // Microsoft 365
  'DomainName', // Falcon FDR DnsRequest
  'ImageFileName', // Falcon FDR process events
  'FileName',
];

/** The host the event happened on. */
const HOST_FIELDS = ['ComputerName', 'hostname', 'host.name', 'deviceDetail.displayName', 'device.hostname'];

/** Severity names; numbers here are ignored (scales differ by vendor: 1 is the worst in some). */
const SEVERITY_FIELDS = [
  'severity',
  'alertSeverity',
  'severity_name',
  'SeverityName',
  'riskLevelDuringSignIn', // Entra sign-in
  'riskLevelAggregated',
  'riskLevel',
  'risk_level',
  'properties.riskLevelDuringSignIn',
  'level',
  'priority',
  'urgency',
  'risk',
];

/** Scores on a 0–100 scale. */
const SCORE_FIELDS = ['risk_score', 'riskScore', 'severity_score', 'severityScore'];

/** Failure detail, where the outcome was a failure. */
const FAILURE_FIELDS = [
  'status.failureReason', // Entra sign-in
  'properties.status.failureReason',
  'resultDescription', // Azure diagnostic
  'outcome.reason', // Okta
  'errorMessage', // CloudTrail
  'LogonError', // Microsoft 365
];

/** Time fields, most specific first. */
export const TIME_FIELDS = [
  'timestamp',
  'occurred_at',
  '@timestamp',
  'time',
  'createdDateTime', // Entra sign-in
  'activityDateTime', // Entra audit
  'CreationTime', // Microsoft 365 (UTC without a zone)
  'id.time', // Google Reports
  'published', // Okta
  'eventTime', // CloudTrail
  'ContextTimeStamp', // Falcon FDR (seconds)
  'event_time',
  'date',
];

/** Vendor event ids (objects are skipped, so Google's `id` object falls through to its qualifier). */
export const ID_FIELDS = [
  'id',
  'uuid',
  'eventID', // CloudTrail
  'eventId',
  'id.uniqueQualifier', // Google Reports
  'properties.id', // Azure diagnostic records
  'alert_id',
  'event_id',
];

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** Severity names that say nothing (`none` is Entra's "no risk"). */
const NO_SIGNAL = new Set(['none', 'hidden', 'unknown', 'unknownfuturevalue', 'n/a', 'na', '']);
const EXTRA_SEVERITIES: Readonly<Record<string, Severity>> = {
  notice: 'low',
  verbose: 'info',
  alert: 'critical',
  emergency: 'critical',
  emerg: 'critical',
};

/** The value at a dotted path; a numeric segment indexes an array (`targetResources.0.displayName`). */
export function at(event: unknown, path: string): unknown {
  if (!/\.\d+(\.|$)/.test(path)) return getPath(event, path);
  let cur = event;
  for (const part of path.split('.')) {
    cur = Array.isArray(cur) && /^\d+$/.test(part) ? cur[Number(part)] : own(cur, part);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** First readable string among `paths` of `event`, cut to `max` characters. */
export function first(event: unknown, paths: readonly string[], max = 300): string | undefined {
  for (const p of paths) {
    const s = str(at(event, p), max);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Google Reports `events[].name` (`login_failure`, `suspicious_login`…), up to three. */
function googleEventNames(event: unknown): string | undefined {
  const names: string[] = [];
  for (const e of list(at(event, 'events'), 10)) {
    const n = isObject(e) ? str(at(e, 'name'), 100) : undefined;
    if (n && !names.includes(n) && names.length < 3) names.push(n);
  }
  return names.length > 0 ? names.join(', ') : undefined;
}

/** Entra ID sign-in records name no action: an application, a client and a user make a sign-in. */
function isSignIn(event: unknown): boolean {
  return (
    first(event, ['appDisplayName']) !== undefined &&
    first(event, ['appId', 'clientAppUsed']) !== undefined &&
    first(event, ['userPrincipalName', 'userId']) !== undefined
  );
}

/** The event's action: what the vendor calls this kind of event (`Sign-in` for an Entra sign-in). */
export function actionOf(event: unknown): string | undefined {
  return (
    first(event, ACTION_FIELDS, 200) ??
    googleEventNames(event) ??
    (isSignIn(event) ? SIGN_IN : undefined) ??
    first(event, LOOSE_ACTION_FIELDS, 200)
  );
}

const SIGN_IN = 'Sign-in';

/** Whether the outcome was a failure, and why when said. */
export function failureOf(event: unknown): { failed: boolean; reason?: string | undefined } {
  // Entra `status.errorCode` and Azure sign-in `resultType` are 0 on success.
  const code =
    num(at(event, 'status.errorCode')) ??
    num(at(event, 'properties.status.errorCode')) ??
    num(at(event, 'resultType'));
  const result = first(event, ['outcome.result', 'ResultStatus', 'resultType', 'result', 'status'], 40);
  const failed =
    (code !== undefined && code !== 0) ||
    (result !== undefined && /^(failure|failed|fail|deny|denied|error|blocked)$/i.test(result)) ||
    str(at(event, 'errorCode'), 100) !== undefined;
  return failed ? { failed, reason: first(event, FAILURE_FIELDS, 300) } : { failed };
}

/** Camel case and separators as words: `UserLoginFailed` → `User Login Failed`. */
export function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._:/-]+/g, ' ')
    .trim();
}

/**
 * A title for an event nobody titled: its action, what it was about, who did it, and whether it
 * failed (`Sign-in to Office 365 by alice@contoso.com (failed: Invalid username or password)`).
 */
export function deriveTitle(event: unknown, source: string): string {
  const action = actionOf(event)?.replace(/\.$/, '');
  const named = first(event, OBJECT_FIELDS, 120);
  // A bare GUID (an app or object id) says nothing in a title.
  const object = named && !GUID.test(named) ? named : undefined;
  const actor = first(event, ACTOR_FIELDS, 120);
  const host = first(event, HOST_FIELDS, 120);
  const { failed, reason } = failureOf(event);
  const signIn = action === SIGN_IN;
  let title = action ?? `Event from ${source}`;
  if (object && !title.includes(object)) title += signIn ? ` to ${object}` : `: ${object}`;
  if (actor && !title.includes(actor)) title += ` by ${actor}`;
  if (host && !title.includes(host)) title += ` on ${host}`;
  if (failed) title += reason ? ` (failed: ${reason})` : ' (failed)';
  return title;
}

/** The actor's user name, for the user indicator and asset. */
export function actorOf(event: unknown): string | undefined {
  return first(event, ACTOR_FIELDS, 256);
}

/** The host name, for the host indicator and asset. */
export function hostOf(event: unknown): string | undefined {
  return first(event, HOST_FIELDS, 255);
}

function severityName(value: unknown): Severity | undefined {
  const s = str(value, 32)?.toLowerCase();
  if (s === undefined || NO_SIGNAL.has(s)) return undefined;
  return severityFromName(s) ?? EXTRA_SEVERITIES[s];
}

/** A 0–100 score as a severity. */
function severityFromScore(value: unknown): Severity | undefined {
  const n = num(value);
  if (n === undefined || n < 0 || n > 100) return undefined;
  return n >= 90 ? 'critical' : n >= 70 ? 'high' : n >= 40 ? 'medium' : n >= 20 ? 'low' : 'info';
}

/** The event's severity, from a severity or risk name, then a 0–100 score; undefined when none says. */
export function severityOf(event: unknown): Severity | undefined {
  for (const p of SEVERITY_FIELDS) {
    const found = severityName(at(event, p));
    if (found) return found;
  }
  for (const p of SCORE_FIELDS) {
    const found = severityFromScore(at(event, p));
    if (found) return found;
  }
  return undefined;
}

const ACTION_RULES: ReadonlyArray<readonly [RegExp, IncidentType]> = [
  [
    /\b(log ?in|log ?on|sign ?in|signin|logon|authenticat\w*|session start|mfa|password)\b/i,
    'suspicious_login',
  ],
  [/\b(role|privilege\w*|admin\w*|permission)\b/i, 'privilege_escalation'],
];

/**
 * The incident type from what the event names itself: the keyword rules over the action (in words),
 * the failure reason, and command lines, then sign-in and role actions.
 */
export function typeOf(event: unknown, action: string | undefined): IncidentType | undefined {
  const spoken = action ? words(action) : undefined;
  const texts = [
    action,
    failureOf(event).reason,
    first(event, ['CommandLine', 'command_line', 'process.command_line', 'cmdline'], 4_096),
    first(event, ['description', 'riskEventTypes_v2.0', 'riskEventTypes.0', 'riskDetail'], 1_000),
  ];
  for (const t of texts) {
    const found = typeFromText(t && words(t));
    if (found) return found;
  }
  if (spoken) for (const [re, type] of ACTION_RULES) if (re.test(spoken)) return type;
  return undefined;
}
