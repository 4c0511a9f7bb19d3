import type { ConnectorKind } from '../../../ports/action-connector.port.ts';

/** EDR, identity, mail and firewall connectors (CrowdStrike, Defender, Graph, Okta, Entra, firewall webhook). */
export const RESPONSE_KINDS: readonly ConnectorKind[] = [];
