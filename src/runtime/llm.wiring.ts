import type { Config } from '../config/index.ts';
import type { ChatClient, ChatRequest, ChatResponse } from '../core/llm/chat.ts';
import { LlmAnalyzer, type PromptContextSource } from '../core/llm/llm.analyzer.ts';
import { ModelCaller } from '../core/llm/model-caller.ts';
import type { IndicatorLookup } from '../core/llm/tools.ts';
import { optionalModule } from '../core/shared/optional-module.ts';
import type { Enricher } from '../core/triage/pipeline.ts';
import { ruleHitsOf, type AnalysisInput } from '../core/triage/analyzer.ts';
import type { EventBus, LlmTelemetry, LlmTranscriptStore, Logger, RateLimiter } from '../ports/index.ts';

/** What {@link createLlmAnalyzer} needs from the runtime. */
export interface LlmWiringDeps {
  config: Config;
  /** Transcripts and the tools' incident reads (SqlLlmTranscriptStore). */
  store: LlmTranscriptStore;
  /** The shared counters (transports.counters): Redis in distributed mode, so llm.rpm/tpm are cluster-wide. */
  counters: RateLimiter;
  telemetry: LlmTelemetry;
  log: Logger;
  /** Publishes prompt_injection_detected; omit in tools that have no bus (eval). */
  bus?: EventBus;
  /** The lookup_indicator tool; see {@link lookupFromEnricher}. Without it the tool answers "no source". */
  lookup?: IndicatorLookup;
  /** Trusted context lines for the prompt (e.g. vendor rule-pack hits). */
  contextSource?: PromptContextSource;
  /** Audit actor; default `analyzer:llm`. */
  actor?: string;
  /** Replaces the chat client built from config (tests). */
  client?: ChatClient;
}

const DEFAULT_BASE_URL = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
} as const;

/**
 * The LLM analyst configured in `llm.*`, or undefined when `llm.provider` is `none` (then nothing
 * changes: the deterministic analyzer decides). Per-process concurrency is the triage service's
 * analyzer slots (orchestrator.concurrency.llm), which wrap every `analyze` call.
 */
export function createLlmAnalyzer(deps: LlmWiringDeps): LlmAnalyzer | undefined {
  const c = deps.config.llm;
  if (c.provider === 'none') return undefined;
  const model = c.model!;
  const baseURL = (c.base_url ?? DEFAULT_BASE_URL[c.provider]).replace(/\/+$/, '');
  // Local OpenAI-compatible servers take any key; the SDKs refuse an empty one.
  const apiKey = c.api_key ?? 'not-set';
  const provider = c.provider;
  const client: ChatClient =
    deps.client ??
    lazyChatClient(
      provider,
      model,
      async () =>
        provider === 'openai'
          ? new (await import('../adapters/llm/openai.chat-client.ts')).OpenAiChatClient({
              baseURL,
              apiKey,
              model,
              timeoutMs: c.timeout,
              maxCompletionTokensParam: c.max_completion_tokens_param,
              ...(c.azure_api_version ? { azureApiVersion: c.azure_api_version } : {}),
            })
          : new (await import('../adapters/llm/anthropic.chat-client.ts')).AnthropicChatClient({
              baseURL,
              apiKey,
              model,
              timeoutMs: c.timeout,
            }),
      deps.log,
    );
  const caller = new ModelCaller({
    client,
    limiter: deps.counters,
    limits: { rpm: c.rpm, tpm: c.tpm },
    prices: c.prices,
    telemetry: deps.telemetry,
    maxRetries: c.max_retries,
  });
  deps.log.info(
    { provider: c.provider, model, base_url: new URL(baseURL).origin, rpm: c.rpm, tpm: c.tpm },
    'LLM analyst enabled (recommends only; the deterministic analyzer decides when it cannot)',
  );
  return new LlmAnalyzer({
    caller,
    provider: c.provider,
    model,
    store: deps.store,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
    ...(deps.bus ? { bus: deps.bus } : {}),
    ...(deps.contextSource ? { contextSource: deps.contextSource } : {}),
    telemetry: deps.telemetry,
    log: deps.log,
    limits: {
      maxIterations: c.max_iterations,
      maxTokens: c.max_tokens,
      maxOutputTokens: c.max_output_tokens,
      wallTimeMs: c.wall_time,
      maxUnknownTools: c.max_unknown_tools,
      temperature: c.temperature,
      maxToolResultChars: 8000,
    },
    redaction: {
      secrets: c.redaction.secrets,
      emails: c.redaction.emails,
      credit_cards: c.redaction.credit_cards,
      national_ids: c.redaction.national_ids,
      phones: c.redaction.phones,
    },
    ...(c.redaction.hash_key ? { redactionHashKey: c.redaction.hash_key } : {}),
    actor: deps.actor ?? 'analyzer:llm',
  });
}

/**
 * The provider's chat client, its SDK imported on the first call (an SDK is 2–6 MB of heap, and an
 * install without `llm.provider` never loads either). A missing SDK fails that call with an
 * OptionalModuleError naming `llm.provider` (logged at once when `log` is given), and the analyzer
 * treats it like any failed model call.
 */
export function lazyChatClient(
  provider: string,
  model: string,
  load: () => Promise<ChatClient>,
  log?: Logger,
): ChatClient {
  const client = optionalModule(`llm.provider ${provider}`, load);
  // Configured, so load it now in the background: the first alert does not wait for it, and a
  // broken install says so at start-up rather than at the first model call.
  if (log)
    client().catch((err: unknown) =>
      log.error({ err: String(err) }, 'LLM analyst unavailable: its SDK did not load'),
    );
  return {
    provider,
    model,
    chat: async (request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> =>
      (await client()).chat(request, signal),
  };
}

/** The lookup_indicator tool over the enrichment service (its cache and provider bounds apply). */
export function lookupFromEnricher(enricher: Enricher): IndicatorLookup {
  return async (indicator, signal) => {
    const out = await enricher.enrich([indicator], signal);
    return out.enrichments.map((e) => ({
      provider: e.provider,
      verdict: e.verdict,
      score: e.score,
      details: e.details,
    }));
  };
}

/** The vendor rule packs' hits as prompt context lines (trusted: computed by our own code). */
export function ruleHitContext(analysis: AnalysisInput): string[] {
  return ruleHitsOf(analysis).map(
    (h) => `vendor rule ${h.rule_id} (${h.severity}): ${h.title}; MITRE ${h.mitre.join(', ') || 'none'}`,
  );
}
