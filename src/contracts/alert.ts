import type { IncidentType, IndicatorType, Severity } from './vocabulary.ts';

/** One observable pulled out of an alert. `value` is normalised (lower-cased where the type is case-insensitive). */
export interface Indicator {
  type: IndicatorType;
  value: string;
  /** Where in the payload it was found, e.g. `device.external_ip` (informational). */
  context?: string;
}

/** A host, user or cloud resource the alert is about. */
export interface Asset {
  kind: 'host' | 'user' | 'cloud_resource' | 'mailbox' | 'application';
  name: string;
  id?: string;
}

/**
 * What every vendor parser produces: one vendor-neutral alert. The ingest service turns it into
 * an incident (or folds it into an existing one by `fingerprint`).
 */
export interface NormalizedAlert {
  source: string;
  /** The vendor's own alert/detection id when it has one; feeds the fingerprint. */
  vendorId?: string;
  title: string;
  description?: string;
  severity: Severity;
  incidentType: IncidentType;
  occurredAt: Date;
  indicators: Indicator[];
  assets: Asset[];
  tags: string[];
  /** MITRE ATT&CK technique ids the vendor attached (e.g. T1059.001). */
  mitreTechniques: string[];
  /** The vendor's confidence or risk score on a 0..1 scale when it gives one. */
  vendorConfidence?: number;
  /** Stable dedup key for this source (see core/ingest/fingerprint.ts). */
  fingerprint: string;
  /** The payload as received. */
  raw: unknown;
}
