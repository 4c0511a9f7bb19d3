/**
 * The provider-neutral chat surface the LLM analyst talks to. Two adapters implement it
 * (src/adapters/llm): OpenAI-compatible chat completions (OpenAI, Azure OpenAI, vLLM, Ollama, LM
 * Studio) and Anthropic messages. Nothing here knows a vendor's wire shape.
 */

/** A tool the model may call: its name, what it does, and a JSON Schema of its arguments. */
export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One tool call the model asked for. `arguments` is what the model sent, parsed when it was JSON. */
export interface ChatToolCall {
  id: string;
  name: string;
  /** Parsed arguments; `undefined` when the model sent something that is not a JSON object. */
  arguments: Record<string, unknown> | undefined;
  /** The raw argument text as the model sent it (kept for the transcript). */
  rawArguments: string;
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ChatToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools: ChatTool[];
  /** Output tokens allowed for this one call. */
  maxOutputTokens: number;
  temperature: number;
}

/** Why the model stopped, normalised: `length` means it hit the output-token cap. */
export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'other';

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  /** The assistant's text (empty when it only called tools). */
  text: string;
  toolCalls: ChatToolCall[];
  finish: FinishReason;
  usage: ChatUsage;
  /** The model the server says answered. */
  model: string;
}

/** One chat endpoint. Adapters translate vendor errors into {@link LlmError}. */
export interface ChatClient {
  /** `openai` or `anthropic` (a bounded metric label). */
  readonly provider: string;
  /** The configured model name (operator config, so a bounded label). */
  readonly model: string;
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>;
}

/**
 * What went wrong talking to a model, by who must act: `rate_limited` and `unavailable` are worth a
 * bounded retry (after `retryAfterMs` when the server said), the others are not.
 */
export type LlmErrorKind =
  'rate_limited' | 'unavailable' | 'timeout' | 'connection' | 'auth' | 'bad_request' | 'aborted';

export class LlmError extends Error {
  readonly code = 'LLM_ERROR';
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
    /** Server-advised wait before retrying (Retry-After / retry-after-ms), when given. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable' || this.kind === 'connection';
  }
}

/** Parses Retry-After (seconds or HTTP date) and retry-after-ms; undefined when absent or bad. */
export function retryAfterMs(
  get: (name: string) => string | null | undefined,
  now = Date.now(),
): number | undefined {
  const ms = get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const ra = get('retry-after');
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
