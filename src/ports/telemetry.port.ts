/** A pino-compatible logging subset, so core code can log without importing pino. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** What core code reports for metrics; the Prometheus adapter implements it. */
export interface Telemetry {
  incidentIngested(source: string, result: 'created' | 'deduplicated'): void;
  triageFinished(classification: string, seconds: number): void;
  enrichmentLookups(cacheHits: number, cacheMisses: number, errors: number): void;
  analyzerCall(analyzer: string, seconds: number, ok: boolean): void;
  jobFailed(job: string, permanent: boolean): void;
  /** An incident was dead-lettered after triage.max_attempts failed runs. */
  triageDeadLettered(): void;
  /** A raw email was analysed (docs/EMAIL-ANALYSIS.md); `error` when it could not be. Optional for fakes. */
  emailAnalyzed?(
    source: 'upload' | 'alert' | 'dry_run',
    verdict: 'malicious' | 'suspicious' | 'benign' | 'error',
  ): void;
}

export const NOOP_TELEMETRY: Telemetry = Object.freeze({
  incidentIngested() {},
  triageFinished() {},
  enrichmentLookups() {},
  analyzerCall() {},
  jobFailed() {},
  triageDeadLettered() {},
});

const noop = () => {};
export const SILENT_LOGGER: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => SILENT_LOGGER,
});
