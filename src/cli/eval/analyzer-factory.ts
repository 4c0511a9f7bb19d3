import type { Config } from '../../config/index.ts';
import type { Analyzer } from '../../core/triage/analyzer.ts';
import { DeterministicAnalyzer } from '../../core/triage/deterministic.analyzer.ts';

/** An analyzer `triage-warden eval` can run, built from the configuration. */
export type EvalAnalyzerFactory = (config: Config) => Analyzer | Promise<Analyzer>;

/** Raised when the requested analyzer cannot be built; its message is shown as is. */
export class EvalAnalyzerUnavailable extends Error {
  override readonly name = 'EvalAnalyzerUnavailable';
}

/**
 * The analyzers by name. `llm` has no factory until an LLM analyst is wired in: the integrator
 * registers it here (`EVAL_ANALYZERS.llm = (config) => …`), building it from `config` as the runtime
 * does.
 */
export const EVAL_ANALYZERS: Record<string, EvalAnalyzerFactory | undefined> = {
  deterministic: () => new DeterministicAnalyzer(),
  llm: undefined,
};

/** The analyzer `name` for an evaluation run; throws {@link EvalAnalyzerUnavailable} with a readable reason. */
export async function createAnalyzerForEval(name: string, config: Config): Promise<Analyzer> {
  if (!Object.prototype.hasOwnProperty.call(EVAL_ANALYZERS, name)) {
    throw new EvalAnalyzerUnavailable(
      `unknown analyzer "${name}": choose one of ${Object.keys(EVAL_ANALYZERS).join(', ')}`,
    );
  }
  const factory = EVAL_ANALYZERS[name];
  if (!factory) {
    throw new EvalAnalyzerUnavailable(
      `no LLM analyzer is configured: this build has no LLM analyst to evaluate (the deterministic one runs with --analyzer deterministic)`,
    );
  }
  return factory(config);
}
