import type { ConnectorKind } from '../../../ports/action-connector.port.ts';
import { crowdstrikeKind } from '../vendors/crowdstrike.ts';
import { defenderKind } from '../vendors/defender.ts';
import { entraKind } from '../vendors/entra.ts';
import { firewallWebhookKind } from '../vendors/firewall-webhook.ts';
import { graphMailKind } from '../vendors/graph-mail.ts';
import { oktaKind } from '../vendors/okta.ts';

/** EDR, identity, mail and firewall connectors (CrowdStrike, Defender, Graph, Okta, Entra, firewall webhook). */
export const RESPONSE_KINDS: readonly ConnectorKind[] = [
  crowdstrikeKind,
  defenderKind,
  graphMailKind,
  oktaKind,
  entraKind,
  firewallWebhookKind,
];
