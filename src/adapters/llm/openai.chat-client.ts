import OpenAI, { AzureOpenAI } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type {
  ChatClient,
  ChatRequest,
  ChatResponse,
  ChatToolCall,
  FinishReason,
} from '../../core/llm/chat.ts';
import { translateSdkError } from './errors.ts';

export interface OpenAiChatClientOptions {
  /** API root, e.g. `https://api.openai.com/v1`, `http://vllm:8000/v1`, `http://ollama:11434/v1`; for Azure `https://<resource>.openai.azure.com/openai`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer` (Azure: `api-key`). Local servers that need none take any value. */
  apiKey: string;
  model: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Azure OpenAI: the `api-version` query parameter; the model is then the deployment name. */
  azureApiVersion?: string;
  /** Send `max_completion_tokens` (newer OpenAI models) instead of `max_tokens` (what vLLM, Ollama, LM Studio read). Default false. */
  maxCompletionTokensParam?: boolean;
  /** Extra headers (e.g. an OpenAI-compatible gateway's routing header). */
  headers?: Record<string, string>;
}

/**
 * Chat completions with tools through the official `openai` SDK (non-streaming). Works with OpenAI and
 * with servers that speak its protocol (Azure OpenAI, vLLM, Ollama, LM Studio). The SDK's retries are
 * off: ModelCaller retries 429/5xx itself, within the analysis deadline and the cluster-wide budgets.
 */
export class OpenAiChatClient implements ChatClient {
  readonly provider = 'openai';
  readonly model: string;
  readonly #sdk: OpenAI;
  readonly #maxCompletion: boolean;

  constructor(o: OpenAiChatClientOptions) {
    this.model = o.model;
    this.#maxCompletion = o.maxCompletionTokensParam ?? false;
    const common = {
      apiKey: o.apiKey,
      baseURL: o.baseURL,
      timeout: o.timeoutMs,
      maxRetries: 0,
      // The SDK logs to the console by default; our logs go through pino, and never with prompts.
      logLevel: 'off' as const,
      organization: null,
      project: null,
      ...(o.headers ? { defaultHeaders: o.headers } : {}),
    };
    this.#sdk = o.azureApiVersion
      ? new AzureOpenAI({ ...common, apiVersion: o.azureApiVersion })
      : new OpenAI(common);
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: toOpenAiMessages(request),
      temperature: request.temperature,
      ...(this.#maxCompletion
        ? { max_completion_tokens: request.maxOutputTokens }
        : { max_tokens: request.maxOutputTokens }),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: t.parameters },
            })),
            tool_choice: 'auto' as const,
          }
        : {}),
    };
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.#sdk.chat.completions.create(body, signal ? { signal } : {});
    } catch (err) {
      throw translateSdkError(err, signal);
    }
    const choice = completion.choices?.[0];
    const toolCalls: ChatToolCall[] = [];
    for (const c of choice?.message?.tool_calls ?? []) {
      if (c.type !== 'function') continue;
      toolCalls.push({
        id: c.id,
        name: c.function.name,
        arguments: parseArgs(c.function.arguments),
        rawArguments: c.function.arguments ?? '',
      });
    }
    return {
      text: choice?.message?.content ?? '',
      toolCalls,
      finish: finishOf(choice?.finish_reason),
      usage: {
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      },
      model: completion.model ?? this.model,
    };
  }
}

function toOpenAiMessages(r: ChatRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [{ role: 'system', content: r.system }];
  for (const m of r.messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      out.push({
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls?.length
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.rawArguments || '{}' },
              })),
            }
          : {}),
      });
    } else
      out.push({
        role: 'tool',
        tool_call_id: m.toolCallId,
        content: m.isError ? `ERROR: ${m.content}` : m.content,
      });
  }
  return out;
}

function finishOf(reason: string | null | undefined): FinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  if (reason === 'length') return 'length';
  return 'other';
}

/** Tool arguments: a JSON object, or undefined (the model is told its arguments were not an object). */
export function parseArgs(raw: string | undefined): Record<string, unknown> | undefined {
  if (!raw || !raw.trim()) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
