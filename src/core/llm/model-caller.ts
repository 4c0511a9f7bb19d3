import type { LlmTelemetry, RateLimiter } from '../../ports/index.ts';
import { LlmError, type ChatClient, type ChatRequest, type ChatResponse } from './chat.ts';

/** Cluster-wide budgets (config `llm.rpm`, `llm.tpm`); 0 = unlimited. */
export interface ModelLimits {
  rpm: number;
  tpm: number;
}

/** USD per million tokens (config `llm.prices`); both 0 means no estimate. */
export interface ModelPrices {
  input_per_million: number;
  output_per_million: number;
}

export interface ModelCallerDeps {
  client: ChatClient;
  /** Shared counters: Redis in distributed mode, so the budgets hold across every orchestrator. */
  limiter: RateLimiter;
  limits: ModelLimits;
  prices: ModelPrices;
  telemetry: LlmTelemetry;
  /** Retries of a rate-limited (429) or unavailable (5xx, connection) request (config `llm.max_retries`, default 2). */
  maxRetries: number;
  /** Wait used when a 429/5xx carries no Retry-After, doubled per retry. Default 1000 ms. */
  backoffMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface CallOutcome {
  response: ChatResponse;
  latencyMs: number;
  costUsd: number;
}

const WINDOW_MS = 60_000;

/** Why a call could not be made or answered in time: becomes the fallback reason. */
export class ModelCallFailed extends Error {
  constructor(
    readonly reason: 'rate_limited' | 'provider_error' | 'time_limit',
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'ModelCallFailed';
  }
}

/**
 * Makes one model request within the cluster-wide budgets, retrying 429/5xx a bounded number of times
 * after the server's Retry-After (or a doubling backoff), never past the analysis deadline. The SDKs'
 * own retries are off (maxRetries 0), so each retry here is visible in metrics and bounded by the
 * same deadline. Each request, retried or not, is counted in the metrics.
 */
export class ModelCaller {
  readonly #d: ModelCallerDeps;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(deps: ModelCallerDeps) {
    this.#d = deps;
    this.#sleep = deps.sleep ?? sleep;
  }

  costOf(inputTokens: number, outputTokens: number): number {
    const p = this.#d.prices;
    return (inputTokens * p.input_per_million + outputTokens * p.output_per_million) / 1_000_000;
  }

  get priced(): boolean {
    return this.#d.prices.input_per_million > 0 || this.#d.prices.output_per_million > 0;
  }

  /**
   * @param deadline epoch ms after which no wait or request starts.
   * @param signal aborts on the analysis deadline and on job cancellation.
   */
  async call(request: ChatRequest, deadline: number, signal: AbortSignal): Promise<CallOutcome> {
    const { client, telemetry } = this.#d;
    const estimate = estimateTokens(request);
    for (let attempt = 0; ; attempt++) {
      await this.#admit(estimate, deadline, signal);
      const t0 = performance.now();
      try {
        const response = await client.chat(request, signal);
        const latencyMs = performance.now() - t0;
        const costUsd = this.costOf(response.usage.inputTokens, response.usage.outputTokens);
        telemetry.llmRequest(
          client.provider,
          client.model,
          'success',
          latencyMs / 1000,
          response.usage,
          costUsd,
        );
        return { response, latencyMs, costUsd };
      } catch (err) {
        const seconds = (performance.now() - t0) / 1000;
        const e =
          err instanceof LlmError
            ? err
            : new LlmError(signal.aborted ? 'aborted' : 'connection', String(err));
        if (signal.aborted) {
          telemetry.llmRequest(client.provider, client.model, 'aborted', seconds, NO_USAGE, 0);
          throw signal.reason;
        }
        telemetry.llmRequest(client.provider, client.model, e.kind, seconds, NO_USAGE, 0);
        if (!e.retryable || attempt >= this.#d.maxRetries) {
          throw new ModelCallFailed(
            e.kind === 'rate_limited' ? 'rate_limited' : 'provider_error',
            `${e.kind}${e.status ? ` (HTTP ${e.status})` : ''}`,
          );
        }
        const wait = e.retryAfterMs ?? (this.#d.backoffMs ?? 1000) * 2 ** attempt;
        if (Date.now() + wait >= deadline)
          throw new ModelCallFailed(
            e.kind === 'rate_limited' ? 'rate_limited' : 'time_limit',
            `retry after ${wait} ms would pass the deadline`,
          );
        await this.#sleep(wait, signal);
      }
    }
  }

  /** Takes one request and the estimated tokens from the per-minute budgets, waiting for the next window when spent. */
  async #admit(tokens: number, deadline: number, signal: AbortSignal): Promise<void> {
    const { limiter, limits, client } = this.#d;
    const scope = `llm:${client.provider}:${client.model}`;
    for (;;) {
      signal.throwIfAborted();
      let waitMs = 0;
      if (limits.rpm > 0) {
        const r = await limiter.consume(`${scope}:rpm`, limits.rpm, WINDOW_MS);
        if (!r.allowed) waitMs = r.resetMs;
      }
      if (waitMs === 0 && limits.tpm > 0) {
        // A request larger than the whole budget could never pass: count it as the whole budget.
        const r = await limiter.consume(`${scope}:tpm`, limits.tpm, WINDOW_MS, Math.min(tokens, limits.tpm));
        if (!r.allowed) waitMs = r.resetMs;
      }
      if (waitMs === 0) return;
      if (Date.now() + waitMs >= deadline)
        throw new ModelCallFailed(
          'rate_limited',
          'cluster-wide llm.rpm/llm.tpm budget spent until after the deadline',
        );
      await this.#sleep(Math.max(10, waitMs), signal);
    }
  }
}

const NO_USAGE = { inputTokens: 0, outputTokens: 0 };

/** Rough token count (4 characters a token) of what a request sends, plus its output cap. */
export function estimateTokens(r: ChatRequest): number {
  let chars = r.system.length + JSON.stringify(r.tools).length;
  for (const m of r.messages)
    chars += m.content.length + (m.role === 'assistant' ? JSON.stringify(m.toolCalls ?? []).length : 0);
  return Math.ceil(chars / 4) + r.maxOutputTokens;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
