import { performance } from 'node:perf_hooks';

/** Anything with pino's `debug(obj, msg)` (the PinoLogger or the Logger port). */
interface DebugLog {
  debug(obj: object, msg?: string): void;
}

let last = 0;

/**
 * Logs at debug level that a start-up phase of this process has finished: `ms` since the previous
 * phase (the first one counts from the process's start, so it covers loading the modules) and
 * `at_ms` since the process started. `TW_LOG_LEVEL=debug` shows where a slow first start goes
 * (docs/ARCHITECTURE.md "Embedded footprint").
 */
export function startPhase(log: DebugLog, phase: string): void {
  const now = performance.now();
  log.debug({ phase, ms: Math.round(now - last), at_ms: Math.round(now) }, 'start-up phase done');
  last = now;
}
