import Anthropic from '@anthropic-ai/sdk';
import type {
  ChatClient,
  ChatRequest,
  ChatResponse,
  ChatToolCall,
  FinishReason,
} from '../../core/llm/chat.ts';
import { translateSdkError } from './errors.ts';

export interface AnthropicChatClientOptions {
  /** API root without `/v1`, e.g. `https://api.anthropic.com`. */
  baseURL: string;
  /** Sent as `x-api-key`. */
  apiKey: string;
  model: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  headers?: Record<string, string>;
}

type MessageParam = Anthropic.MessageParam;
type ContentBlockParam = Anthropic.ContentBlockParam;

/**
 * Anthropic messages with tools (`tool_use` / `tool_result` content blocks) through the official
 * `@anthropic-ai/sdk`, non-streaming. The Messages API of this SDK version has no `temperature`
 * parameter, so `llm.temperature` applies to OpenAI-compatible servers only. The SDK's retries are off: ModelCaller retries 429/529/5xx
 * itself, after `retry-after`, within the analysis deadline.
 */
export class AnthropicChatClient implements ChatClient {
  readonly provider = 'anthropic';
  readonly model: string;
  readonly #sdk: Anthropic;

  constructor(o: AnthropicChatClientOptions) {
    this.model = o.model;
    this.#sdk = new Anthropic({
      apiKey: o.apiKey,
      baseURL: o.baseURL,
      timeout: o.timeoutMs,
      maxRetries: 0,
      logLevel: 'off',
      ...(o.headers ? { defaultHeaders: o.headers } : {}),
    });
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    let message: Anthropic.Message;
    try {
      message = await this.#sdk.messages.create(
        {
          model: this.model,
          max_tokens: request.maxOutputTokens,
          system: request.system,
          messages: toAnthropicMessages(request),
          ...(request.tools.length
            ? {
                tools: request.tools.map((t) => ({
                  name: t.name,
                  description: t.description,
                  input_schema: t.parameters as Anthropic.Tool.InputSchema,
                })),
              }
            : {}),
        },
        signal ? { signal } : {},
      );
    } catch (err) {
      throw translateSdkError(err, signal);
    }
    const text: string[] = [];
    const toolCalls: ChatToolCall[] = [];
    for (const block of message.content ?? []) {
      if (block.type === 'text') text.push(block.text);
      else if (block.type === 'tool_use') {
        const input = block.input;
        toolCalls.push({
          id: block.id,
          name: block.name,
          arguments:
            input && typeof input === 'object' && !Array.isArray(input)
              ? (input as Record<string, unknown>)
              : undefined,
          rawArguments: JSON.stringify(input ?? null),
        });
      }
    }
    return {
      text: text.join('\n'),
      toolCalls,
      finish: finishOf(message.stop_reason),
      usage: {
        inputTokens:
          (message.usage?.input_tokens ?? 0) +
          (message.usage?.cache_creation_input_tokens ?? 0) +
          (message.usage?.cache_read_input_tokens ?? 0),
        outputTokens: message.usage?.output_tokens ?? 0,
      },
      model: message.model ?? this.model,
    };
  }
}

/** Tool results go back as `tool_result` blocks in one user turn (the API wants roles to alternate). */
function toAnthropicMessages(r: ChatRequest): MessageParam[] {
  const out: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    const last = out[out.length - 1];
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of r.messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.content }]);
    else if (m.role === 'assistant') {
      const blocks: ContentBlockParam[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const c of m.toolCalls ?? [])
        blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments ?? {} });
      push('assistant', blocks.length ? blocks : [{ type: 'text', text: '(no answer)' }]);
    } else {
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: m.content,
          ...(m.isError ? { is_error: true } : {}),
        },
      ]);
    }
  }
  return out;
}

function finishOf(reason: string | null | undefined): FinishReason {
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'max_tokens') return 'length';
  return 'other';
}
