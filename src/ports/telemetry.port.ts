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

/** How one threat-intel provider call ended (a bounded label set). */
export type IntelOutcome =
  | 'ok'
  | 'not_found'
  | 'rate_limited'
  | 'timeout'
  | 'http_error'
  | 'network'
  | 'bad_response'
  | 'too_large'
  | 'circuit_open'
  | 'quota';

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Threat-intel metrics per provider. Provider names are validated operator config
 * (`[a-z0-9_-]`, at most 40), so they are safe label values.
 */
export interface IntelTelemetry {
  intelCache(provider: string, result: 'hit' | 'miss'): void;
  /** One lookup against the provider (all its HTTP requests, retries and waits included). */
  intelLookup(provider: string, outcome: IntelOutcome, seconds: number): void;
  intelCircuit(provider: string, state: CircuitState): void;
  /** A wait before calling the vendor: our own rate limit (`local`) or the vendor's 429 (`vendor`). */
  intelRateLimited(provider: string, by: 'local' | 'vendor'): void;
}

export const NOOP_INTEL_TELEMETRY: IntelTelemetry = Object.freeze({
  intelCache() {},
  intelLookup() {},
  intelCircuit() {},
  intelRateLimited() {},
});

/**
 * What the LLM analyst reports (docs/LLM.md "Metrics"). `provider` and `model` come from operator
 * config, so they are bounded label values; `result` and `reason` are from fixed lists.
 */
export interface LlmTelemetry {
  /** One model request: its result (`success`, `rate_limited`, `unavailable`, `timeout`, `error`…), latency and tokens. */
  llmRequest(
    provider: string,
    model: string,
    result: string,
    seconds: number,
    usage: { inputTokens: number; outputTokens: number },
    costUsd: number,
  ): void;
  /** An analysis that fell back to the deterministic analyzer, by reason code. */
  llmFallback(reason: string): void;
  /** An analysis answered from a stored transcript (a redelivered job) without calling the model. */
  llmReused(): void;
  /** An alert whose content tried to instruct the model. */
  llmInjectionDetected(): void;
}

export const NOOP_LLM_TELEMETRY: LlmTelemetry = Object.freeze({
  llmRequest() {},
  llmFallback() {},
  llmReused() {},
  llmInjectionDetected() {},
});

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
