import type { Config } from '../../config/index.ts';
import { InProcessRateLimiter } from '../../adapters/in-process/index.ts';
import { InProcessLlmTranscriptStore } from '../../adapters/in-process/in-process.llm-transcript-store.ts';
import type { AnalysisInput, Analyzer } from '../../core/triage/analyzer.ts';
import { DeterministicAnalyzer } from '../../core/triage/deterministic.analyzer.ts';
import { NOOP_LLM_TELEMETRY, SILENT_LOGGER } from '../../ports/index.ts';
import { createLlmAnalyzer, ruleHitContext } from '../../runtime/llm.wiring.ts';
import type { EvalAnalyzer } from './eval-runner.ts';

/** An analyzer `triage-warden eval` can run, built from the configuration. */
export type EvalAnalyzerFactory = (config: Config) => Analyzer | Promise<Analyzer>;

/** Raised when the requested analyzer cannot be built; its message is shown as is. */
export class EvalAnalyzerUnavailable extends Error {
  override readonly name = 'EvalAnalyzerUnavailable';
}

/**
 * The LLM analyst configured in `llm.*`, built as the runtime builds it. Its lookup tool answers from
 * the case's own enrichments (the offline intel seeded from the case), so the model sees exactly the
 * evidence the deterministic analyzer sees; transcripts stay in memory. Cases run one at a time.
 */
function evalLlmAnalyzer(config: Config): EvalAnalyzer {
  const store = new InProcessLlmTranscriptStore();
  let current: AnalysisInput['enrichments'] = [];
  const llm = createLlmAnalyzer({
    config,
    store,
    counters: new InProcessRateLimiter(),
    telemetry: NOOP_LLM_TELEMETRY,
    log: SILENT_LOGGER,
    lookup: async (indicator) =>
      current
        .filter((e) => e.indicator_type === indicator.type && e.indicator_value === indicator.value)
        .map((e) => ({ provider: e.provider, verdict: e.verdict, score: e.score, details: e.details })),
    contextSource: ruleHitContext,
  });
  if (!llm) {
    throw new EvalAnalyzerUnavailable(
      'no LLM analyzer is configured: set llm.provider (openai or anthropic), llm.model, llm.base_url and TW_LLM_API_KEY; the deterministic one runs with --analyzer deterministic',
    );
  }
  return {
    name: llm.name,
    analyze(input, signal, context) {
      current = input.enrichments;
      return llm.analyze(input, signal, context);
    },
    transcripts: (incidentId) => store.list(incidentId),
  };
}

/** The analyzers by name, built from the configuration. */
export const EVAL_ANALYZERS: Record<string, EvalAnalyzerFactory | undefined> = {
  deterministic: () => new DeterministicAnalyzer(),
  llm: evalLlmAnalyzer,
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
