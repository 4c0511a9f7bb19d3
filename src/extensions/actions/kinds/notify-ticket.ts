import type { ConnectorKind } from '../../../ports/action-connector.port.ts';

/** Ticketing and notification connectors (Jira, ServiceNow, Slack, Teams, PagerDuty, SMTP, webhook). */
export const NOTIFY_TICKET_KINDS: readonly ConnectorKind[] = [];
