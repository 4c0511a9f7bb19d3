import type { NormalizedAlert } from '../../contracts/index.ts';

/** What the caller knows about a payload besides its body. */
export interface ParseContext {
  /** The source name the alert arrived under (webhook path segment, e.g. `crowdstrike`). */
  source: string;
  /** When we received it; the fallback for `occurredAt` when the vendor gives no time. */
  receivedAt: Date;
}

/**
 * Turns one vendor's payload into a {@link NormalizedAlert}.
 *
 * `parse` throws `AppError('VALIDATION_ERROR', …, { source, field })` when the payload is not that
 * vendor's format, and never anything else, whatever JSON it is given.
 */
export interface AlertParser {
  /** Canonical source name (lower-case). */
  readonly name: string;
  /** Other source names routed to this parser (lower-case). */
  readonly aliases: readonly string[];
  parse(payload: unknown, ctx: ParseContext): NormalizedAlert;
}
