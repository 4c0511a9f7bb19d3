import type { ConnectorKind } from '../../../ports/action-connector.port.ts';
import { jiraKind } from '../vendors/jira.ts';
import { pagerdutyKind } from '../vendors/pagerduty.ts';
import { servicenowKind } from '../vendors/servicenow.ts';
import { signedWebhookKind } from '../vendors/signed-webhook.ts';
import { slackKind } from '../vendors/slack.ts';
import { smtpKind } from '../vendors/smtp.ts';
import { teamsKind } from '../vendors/teams.ts';

/**
 * Ticketing and notification connectors (docs/CONNECTORS-NOTIFY.md): Jira, ServiceNow, Slack,
 * Teams, PagerDuty, SMTP e-mail and the signed generic webhook.
 */
export const NOTIFY_TICKET_KINDS: readonly ConnectorKind[] = [
  jiraKind,
  servicenowKind,
  slackKind,
  teamsKind,
  pagerdutyKind,
  smtpKind,
  signedWebhookKind,
];
