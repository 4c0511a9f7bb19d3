// A loopback server speaking Anthropic's Messages API, so the real `@anthropic-ai/sdk` client runs
// against it: the key (x-api-key, or Authorization: Bearer as SDK 1.17 sends it), anthropic-version, alternating user/assistant turns, tool_use and
// tool_result content blocks (each tool_result must answer a tool_use of the turn before), stop_reason,
// usage, anthropic-ratelimit-* and request-id headers, and the {"type":"error","error":{…}} shape
// for 400/401/429/500/529. Streaming is refused: our client never streams.
import { parseJson, randomId, startFake, type FakeServer } from './http-util.ts';
import { tokens, type ModelScript, type ModelTurn, type NeutralMessage } from './model-double.ts';

export interface AnthropicFakeOptions {
  /** The key accepted in x-api-key. Default `test-key`. */
  apiKey?: string;
}

const err = (status: number, type: string, message: string) => {
  const id = randomId('req_');
  return {
    status,
    headers: { 'request-id': id },
    body: { type: 'error', error: { type, message }, request_id: id },
  };
};

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content?: string | Array<{ type: string; text?: string }>;
      is_error?: boolean;
    };

interface WireMessage {
  role?: string;
  content?: string | Block[];
}

export function startAnthropicServer(
  script: ModelScript,
  options: AnthropicFakeOptions = {},
): Promise<FakeServer> {
  const key = options.apiKey ?? 'test-key';
  return startFake(
    {
      async handle(req, body, answer) {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method !== 'POST' || url.pathname !== '/v1/messages')
          return err(404, 'not_found_error', 'Not found');
        // The documented header is x-api-key; the pinned SDK (1.17.0) sends the key as a Bearer token.
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (req.headers['x-api-key'] !== key && bearer !== key)
          return err(401, 'authentication_error', 'invalid x-api-key');
        if (!req.headers['anthropic-version'])
          return err(400, 'invalid_request_error', 'anthropic-version: header is required');
        const json = parseJson(body) as
          | {
              model?: unknown;
              max_tokens?: unknown;
              messages?: WireMessage[];
              system?: string | Array<{ text: string }>;
              tools?: Array<{ name: string }>;
              stream?: boolean;
            }
          | undefined;
        if (!json || typeof json !== 'object') return err(400, 'invalid_request_error', 'invalid JSON body');
        if (typeof json.model !== 'string') return err(400, 'invalid_request_error', 'model: Field required');
        if (typeof json.max_tokens !== 'number')
          return err(400, 'invalid_request_error', 'max_tokens: Field required');
        if (json.stream) return err(400, 'invalid_request_error', 'this fake does not stream');
        if (!Array.isArray(json.messages) || json.messages.length === 0)
          return err(400, 'invalid_request_error', 'messages: at least one message is required');

        const messages: NeutralMessage[] = [];
        let lastToolUses = new Set<string>();
        for (const [i, m] of json.messages.entries()) {
          const expected = i % 2 === 0 ? 'user' : 'assistant';
          if (m.role !== expected)
            return err(
              400,
              'invalid_request_error',
              `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`,
            );
          const blocks: Block[] =
            typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []);
          if (m.role === 'assistant') {
            const calls = blocks.flatMap((b) =>
              b.type === 'tool_use' ? [{ id: b.id, name: b.name, args: b.input }] : [],
            );
            messages.push({
              role: 'assistant',
              text: blocks.map((b) => (b.type === 'text' ? b.text : '')).join(''),
              calls,
            });
            lastToolUses = new Set(calls.map((c) => c.id));
          } else {
            for (const b of blocks) {
              if (b.type === 'tool_result') {
                if (!lastToolUses.has(b.tool_use_id))
                  return err(
                    400,
                    'invalid_request_error',
                    `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
                  );
                const text =
                  typeof b.content === 'string'
                    ? b.content
                    : (b.content ?? []).map((c) => c.text ?? '').join('');
                messages.push({ role: 'tool', id: b.tool_use_id, text, isError: b.is_error === true });
              } else if (b.type === 'text') messages.push({ role: 'user', text: b.text });
            }
            lastToolUses = new Set();
          }
        }
        const system =
          typeof json.system === 'string' ? json.system : (json.system ?? []).map((s) => s.text).join('');
        const turn: ModelTurn = {
          model: json.model,
          system,
          messages,
          toolNames: (json.tools ?? []).map((t) => t.name),
          maxTokens: json.max_tokens,
        };
        const reply = await answer(turn);
        if ('http' in reply)
          return { status: reply.http.status, headers: reply.http.headers ?? {}, body: reply.http.body };

        const content: Block[] = [];
        if (reply.text) content.push({ type: 'text', text: reply.text });
        for (const c of reply.toolCalls ?? [])
          content.push({
            type: 'tool_use',
            id: randomId('toolu_'),
            name: c.name,
            input: typeof c.args === 'string' ? (parseJson(c.args) ?? {}) : c.args,
          });
        const input = reply.usage?.input ?? tokens(body);
        const output = reply.usage?.output ?? tokens(JSON.stringify(content));
        const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        return {
          status: 200,
          headers: {
            'request-id': randomId('req_'),
            'anthropic-ratelimit-requests-limit': '4000',
            'anthropic-ratelimit-requests-remaining': '3999',
            'anthropic-ratelimit-requests-reset': reset,
            'anthropic-ratelimit-input-tokens-limit': '400000',
            'anthropic-ratelimit-input-tokens-remaining': String(400_000 - input),
            'anthropic-ratelimit-input-tokens-reset': reset,
            'anthropic-ratelimit-output-tokens-limit': '80000',
            'anthropic-ratelimit-output-tokens-remaining': String(80_000 - output),
            'anthropic-ratelimit-output-tokens-reset': reset,
          },
          body: {
            id: randomId('msg_'),
            type: 'message',
            role: 'assistant',
            model: json.model,
            content,
            stop_reason:
              reply.finish === 'length'
                ? 'max_tokens'
                : content.some((b) => b.type === 'tool_use')
                  ? 'tool_use'
                  : 'end_turn',
            stop_sequence: null,
            usage: {
              input_tokens: input,
              output_tokens: output,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          },
        };
      },
    },
    script,
  );
}

/** Anthropic's 429 answer: rate_limit_error with retry-after and anthropic-ratelimit-* headers. */
export function anthropicRateLimited(retryAfterSeconds = 1) {
  return {
    http: {
      status: 429,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'request-id': randomId('req_'),
      },
      body: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit',
        },
      },
    },
  };
}

/** Anthropic's 529 answer (overloaded). */
export function anthropicOverloaded() {
  return {
    http: {
      status: 529,
      headers: { 'request-id': randomId('req_') },
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    },
  };
}
