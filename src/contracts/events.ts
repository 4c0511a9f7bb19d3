import type { Classification, IncidentStatus, Severity } from './vocabulary.ts';

/** The typed event map (DESIGN.md vocabulary). Adding a name here forces every switch over it to handle it. */
export interface EventMap {
  alert_received: { incident_id: string; source: string; deduplicated: boolean; occurrence_count: number };
  incident_created: {
    incident_id: string;
    source: string;
    severity: Severity;
    incident_type: string;
    title: string;
  };
  enrichment_complete: { incident_id: string; lookups: number; hits: number };
  analysis_complete: {
    incident_id: string;
    analyzer: string;
    classification: Classification;
    confidence: number;
  };
  actions_proposed: { incident_id: string; action_ids: string[] };
  /**
   * A playbook's propose_action step recommended a response action (`verb:target`). Recorded on the
   * incident's verdict and audit trail; nothing is executed (response actions come later).
   */
  action_recommended: { incident_id: string; step: string; action: string; target: string };
  /** A playbook's notify step asked for a notification. No channel connector exists yet: not sent. */
  notification_requested: { incident_id: string; step: string; channel: string; message: string };
  action_approved: { incident_id: string; action_id: string; by: string };
  action_denied: { incident_id: string; action_id: string; by: string };
  action_executed: { incident_id: string; action_id: string; result: 'success' | 'failure' };
  status_changed: { incident_id: string; from: IncidentStatus; to: IncidentStatus; by: string };
  incident_resolved: { incident_id: string; status: IncidentStatus; reason: string; by: string };
  kill_switch_activated: { by: string; reason: string };
  kill_switch_deactivated: { by: string };
  leader_changed: { leader_id: string | null; term: number };
  /** A raw email was analysed and attached to an incident (docs/EMAIL-ANALYSIS.md). */
  email_analyzed: {
    incident_id: string;
    analysis_id: string;
    verdict: 'malicious' | 'suspicious' | 'benign';
    score: number;
    indicators_added: number;
  };
  /**
   * A playbook was created, replaced, enabled, disabled, deleted or (re)loaded from its file at start
   * (docs/PLAYBOOKS.md). Every process also drops its compiled playbook set on it.
   */
  playbook_changed: {
    name: string;
    change: 'created' | 'replaced' | 'enabled' | 'disabled' | 'deleted' | 'loaded';
    version: number;
    by: string;
  };
  /** An incident outlived its playbook's SLA (raised once per incident and kind, by the leader). */
  sla_breached: {
    incident_id: string;
    playbook: string;
    kind: 'time_to_triage' | 'time_to_respond';
    due_at: string;
  };
  /**
   * Alert content tried to instruct the LLM analyst (docs/LLM.md): recorded on the incident, ignored
   * as an instruction. `rules` are fixed rule ids, never alert text.
   */
  prompt_injection_detected: { incident_id: string; rules: string[]; findings: number };
  /**
   * Internal (never relayed to WebSocket clients; not in EVENT_NAMES): a credential was revoked or
   * changed, so every API process drops what it cached about it at once.
   */
  credentials_changed: { kind: 'api_key' | 'session' | 'user'; id: string };
  /** A response action changed status without an approve/deny/execute (proposed, started, expired). */
  action_status_changed: {
    incident_id: string;
    action_id: string;
    action_type: string;
    from: string | null;
    to: string;
    by: string;
  };
  /** A new guardrails policy version became active (docs/POLICY.md). */
  policy_changed: { version: number; by: string };
  /** Case work: the incident's assignee changed (null: unassigned). */
  incident_assigned: { incident_id: string; assignee: string | null; by: string };
  /** Case work: tags, severity or type changed (`fields` names which). */
  incident_updated: { incident_id: string; fields: string[]; by: string };
  /** Case work: a comment was added; `mentions` are existing usernames. */
  comment_added: { incident_id: string; comment_id: string; by: string; mentions: string[] };
  /** Internal (never streamed): a connector was created, changed or deleted; processes drop their cache. */
  connectors_changed: { name: string };
  /** Internal (never streamed): a managed webhook source changed; every API process drops its cache. */
  webhook_sources_changed: { name: string };
}

export type EventName = keyof EventMap;

/**
 * Where each event goes: `streamed` to WebSocket clients, or `internal` (between our own processes
 * only: on the same bus, never sent to a client). One entry per event, so adding a name to EventMap
 * without deciding fails to compile, and no name can be both.
 */
const EVENT_AUDIENCE = {
  alert_received: 'streamed',
  incident_created: 'streamed',
  enrichment_complete: 'streamed',
  analysis_complete: 'streamed',
  actions_proposed: 'streamed',
  action_recommended: 'streamed',
  notification_requested: 'streamed',
  action_approved: 'streamed',
  action_denied: 'streamed',
  action_executed: 'streamed',
  status_changed: 'streamed',
  incident_resolved: 'streamed',
  kill_switch_activated: 'streamed',
  kill_switch_deactivated: 'streamed',
  leader_changed: 'streamed',
  playbook_changed: 'streamed',
  sla_breached: 'streamed',
  email_analyzed: 'streamed',
  prompt_injection_detected: 'streamed',
  action_status_changed: 'streamed',
  policy_changed: 'streamed',
  incident_assigned: 'streamed',
  incident_updated: 'streamed',
  comment_added: 'streamed',
  credentials_changed: 'internal',
  webhook_sources_changed: 'internal',
  connectors_changed: 'internal',
} as const satisfies Record<EventName, 'streamed' | 'internal'>;

type Audience = typeof EVENT_AUDIENCE;
type NamesFor<A extends 'streamed' | 'internal'> = {
  [K in EventName]: Audience[K] extends A ? K : never;
}[EventName];
const namesFor = <A extends 'streamed' | 'internal'>(audience: A) =>
  Object.freeze(
    (Object.keys(EVENT_AUDIENCE) as EventName[]).filter((k) => EVENT_AUDIENCE[k] === audience),
  ) as readonly NamesFor<A>[];

/** The events a WebSocket client may receive (and filter on), in EVENT_AUDIENCE's order. */
export const EVENT_NAMES = namesFor('streamed');

/**
 * Events between our own processes only. They travel on the same bus but are not in EVENT_NAMES, so
 * the WebSocket stream (whose type filter is built from EVENT_NAMES) never sends them to a client.
 */
export const INTERNAL_EVENT_NAMES = namesFor('internal');

/** An event as delivered to subscribers. `id` is assigned by the bus and increases per bus. */
export interface BusEvent<K extends EventName = EventName> {
  id: string;
  type: K;
  occurred_at: string;
  data: EventMap[K];
}
