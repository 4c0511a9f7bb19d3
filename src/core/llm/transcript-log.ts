import type { LlmTranscriptRecord, TranscriptMessage } from '../../ports/index.ts';
import type { ChatMessage, ChatResponse, ChatToolCall } from './chat.ts';
import { REPAIR_PREFIX } from './prompt.ts';

/**
 * Largest message content kept in a stored transcript, characters. Larger than anything the analyst
 * sends (tool results are cut at `maxToolResultChars`), so a resumed conversation is the same one.
 */
const MAX_STORED_CONTENT = 64_000;

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

  /** The log of a stored, unfinished analysis, to carry on from its last turn. */
  static resume(r: LlmTranscriptRecord): TranscriptLog {
    const log = new TranscriptLog(r.messages[0]!.content, r.messages[1]!.content);
    log.messages.splice(0, log.messages.length, ...r.messages.map((m) => ({ ...m })));
    log.iterations = r.iterations;
    log.toolCalls = r.tool_calls;
    log.unknownToolCalls = r.unknown_tool_calls;
    log.inputTokens = r.input_tokens;
    log.outputTokens = r.output_tokens;
    return log;
  }

  /** The conversation after the system prompt, as the chat clients take it. */
  chatMessages(): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const m of this.messages.slice(1)) {
      if (m.role === 'user') out.push({ role: 'user', content: m.content });
      else if (m.role === 'assistant') {
        const calls = (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          name: c.name,
          rawArguments: c.arguments,
          arguments: objectOrUndefined(c.arguments),
        }));
        out.push({ role: 'assistant', content: m.content, ...(calls.length ? { toolCalls: calls } : {}) });
      } else if (m.role === 'tool') {
        out.push({
          role: 'tool',
          toolCallId: m.tool_call_id ?? '',
          name: m.name ?? '',
          content: m.content,
          ...(m.is_error ? { isError: true } : {}),
        });
      }
    }
    return out;
  }

  /** Whether the repair attempt was already used. */
  repairAsked(): boolean {
    return this.messages.some((m) => m.role === 'user' && m.content.startsWith(REPAIR_PREFIX));
  }

  /** Tool calls answered without error, by `name:raw arguments` (a repeat gets the same answer). */
  answeredCalls(): Map<string, string> {
    const calls = new Map<string, string>();
    for (const m of this.messages)
      for (const c of m.tool_calls ?? []) calls.set(c.id, `${c.name}:${c.arguments}`);
    const out = new Map<string, string>();
    for (const m of this.messages) {
      const k = m.role === 'tool' && !m.is_error && m.tool_call_id ? calls.get(m.tool_call_id) : undefined;
      if (k) out.set(k, m.content);
    }
    return out;
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
              arguments: clip(c.rawArguments, 8000),
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

function objectOrUndefined(raw: string): Record<string, unknown> | undefined {
  if (!raw.trim()) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function clip(s: string, max = MAX_STORED_CONTENT): string {
  return s.length > max ? `${s.slice(0, max)}… [truncated]` : s;
}
