import type { ConnectorKind } from '../../../ports/action-connector.port.ts';
import { NOTIFY_TICKET_KINDS } from './notify-ticket.ts';
import { RESPONSE_KINDS } from './response.ts';

/** Every action connector kind (docs/CONNECTORS.md). */
export const CONNECTOR_KINDS: readonly ConnectorKind[] = [...RESPONSE_KINDS, ...NOTIFY_TICKET_KINDS];

export function connectorKind(kind: string): ConnectorKind | undefined {
  return CONNECTOR_KINDS.find((k) => k.kind === kind);
}
