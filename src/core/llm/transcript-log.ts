import type { TranscriptMessage } from '../../ports/index.ts';
import type { ChatResponse, ChatToolCall } from './chat.ts';

/** Largest message content kept in a stored transcript, characters. */
const MAX_STORED_CONTENT = 16_000;

/**
 * The conversation as it went over the wire (already redacted) and the counters of one analysis:
 * what is stored as the transcript.
 */
export class TranscriptLog {
  readonly messages: TranscriptMessage[] = [];
  iterations = 0;
  toolCalls = 0;
  unknownToolCalls = 0;
  inputTokens = 0;
  outputTokens = 0;

  constructor(system: string, firstUser: string) {
    this.messages.push({ role: 'system', content: clip(system) }, { role: 'user', content: clip(firstUser) });
  }

  assistant(r: ChatResponse, latencyMs: number): void {
    this.iterations++;
    this.inputTokens += r.usage.inputTokens;
    this.outputTokens += r.usage.outputTokens;
    this.messages.push({
      role: 'assistant',
      content: clip(r.text),
      ...(r.toolCalls.length
        ? {
            tool_calls: r.toolCalls.map((c) => ({
              id: c.id,
              name: c.name.slice(0, 128),
              arguments: clip(c.rawArguments, 2000),
            })),
          }
        : {}),
      usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens },
      latency_ms: Math.round(latencyMs),
      finish: r.finish,
    });
  }

  tool(call: ChatToolCall, content: string, isError: boolean): void {
    this.toolCalls++;
    this.messages.push({
      role: 'tool',
      tool_call_id: call.id,
      name: call.name.slice(0, 128),
      content: clip(content),
      ...(isError ? { is_error: true } : {}),
    });
  }

  user(content: string): void {
    this.messages.push({ role: 'user', content: clip(content) });
  }
}

function clip(s: string, max = MAX_STORED_CONTENT): string {
  return s.length > max ? `${s.slice(0, max)}… [truncated]` : s;
}
