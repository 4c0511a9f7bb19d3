// A loopback server speaking OpenAI's chat completions protocol (and Azure OpenAI's deployment
// path), so the real `openai` SDK client runs against it: Bearer (or Azure `api-key`) auth, tools and
// tool_calls, finish_reason, usage, x-ratelimit-* headers, and OpenAI's error JSON for 400/401/429/500.
// Streaming is refused with 400: our client never streams, and a test would notice if it started.
import { parseJson, randomId, startFake, type FakeServer } from './http-util.ts';
import { tokens, type ModelScript, type ModelTurn, type NeutralMessage } from './model-double.ts';

export interface OpenAiFakeOptions {
  /** The key the server accepts (Bearer or api-key). Default `test-key`. */
  apiKey?: string;
}

const err = (
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
) => ({
  status,
  headers: { 'x-request-id': randomId('req_') },
  body: { error: { message, type, param, code } },
});

interface WireMessage {
  role?: string;
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export function startOpenAiServer(script: ModelScript, options: OpenAiFakeOptions = {}): Promise<FakeServer> {
  const key = options.apiKey ?? 'test-key';
  return startFake(
    {
      async handle(req, body, answer) {
        const url = new URL(req.url ?? '/', 'http://x');
        const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
        if (req.method !== 'POST' || (url.pathname !== '/v1/chat/completions' && !azure))
          return err(404, `Invalid URL (${req.method} ${url.pathname})`, 'invalid_request_error');
        if (azure && !url.searchParams.get('api-version'))
          return err(404, 'Resource not found', 'invalid_request_error', '404');
        const auth = azure
          ? req.headers['api-key']
          : /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (auth !== key)
          return err(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
        const json = parseJson(body) as
          | {
              model?: unknown;
              messages?: WireMessage[];
              tools?: Array<{ type: string; function: { name: string } }>;
              stream?: boolean;
              max_tokens?: number;
              max_completion_tokens?: number;
            }
          | undefined;
        if (!json || typeof json !== 'object')
          return err(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
        if (typeof json.model !== 'string' && !azure)
          return err(400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
        if (json.stream)
          return err(400, 'this fake does not stream', 'invalid_request_error', null, 'stream');
        if (!Array.isArray(json.messages) || json.messages.length === 0)
          return err(
            400,
            "Invalid type for 'messages': expected an array.",
            'invalid_request_error',
            null,
            'messages',
          );

        // Every tool message must answer a tool_call id of the assistant turn before it.
        let system = '';
        const messages: NeutralMessage[] = [];
        let open = new Set<string>();
        for (const [i, m] of json.messages.entries()) {
          const text =
            typeof m.content === 'string'
              ? m.content
              : Array.isArray(m.content)
                ? m.content.map((c) => c.text ?? '').join('')
                : '';
          if (m.role === 'system' || m.role === 'developer') system += text;
          else if (m.role === 'user') {
            messages.push({ role: 'user', text });
            open = new Set();
          } else if (m.role === 'assistant') {
            const calls = (m.tool_calls ?? []).map((c) => ({
              id: c.id,
              name: c.function.name,
              args: parseJson(c.function.arguments) ?? c.function.arguments,
            }));
            messages.push({ role: 'assistant', text, calls });
            open = new Set(calls.map((c) => c.id));
          } else if (m.role === 'tool') {
            if (!m.tool_call_id || !open.has(m.tool_call_id))
              return err(
                400,
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                'invalid_request_error',
                null,
                `messages.[${i}].role`,
              );
            messages.push({ role: 'tool', id: m.tool_call_id, text, isError: text.startsWith('ERROR:') });
          } else
            return err(
              400,
              `Invalid value: '${m.role}'.`,
              'invalid_request_error',
              null,
              `messages.[${i}].role`,
            );
        }
        const model = azure ? azure[1]! : (json.model as string);
        const turn: ModelTurn = {
          model,
          system,
          messages,
          toolNames: (json.tools ?? []).map((t) => t.function.name),
          maxTokens: json.max_completion_tokens ?? json.max_tokens ?? 4096,
        };
        const reply = await answer(turn);
        if ('http' in reply)
          return { status: reply.http.status, headers: reply.http.headers ?? {}, body: reply.http.body };

        const toolCalls = (reply.toolCalls ?? []).map((c) => ({
          id: randomId('call_'),
          type: 'function',
          function: { name: c.name, arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) },
        }));
        const prompt = reply.usage?.input ?? tokens(body);
        const completion = reply.usage?.output ?? tokens((reply.text ?? '') + JSON.stringify(toolCalls));
        return {
          status: 200,
          headers: {
            'x-request-id': randomId('req_'),
            'openai-processing-ms': '12',
            'x-ratelimit-limit-requests': '10000',
            'x-ratelimit-remaining-requests': '9999',
            'x-ratelimit-reset-requests': '6ms',
            'x-ratelimit-limit-tokens': '2000000',
            'x-ratelimit-remaining-tokens': String(2_000_000 - prompt),
            'x-ratelimit-reset-tokens': '1ms',
          },
          body: {
            id: randomId('chatcmpl-'),
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model,
            system_fingerprint: 'fp_fake',
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: reply.text ? reply.text : toolCalls.length ? null : '',
                  refusal: null,
                  ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
                },
                logprobs: null,
                finish_reason: reply.finish ?? (toolCalls.length ? 'tool_calls' : 'stop'),
              },
            ],
            usage: {
              prompt_tokens: prompt,
              completion_tokens: completion,
              total_tokens: prompt + completion,
            },
          },
        };
      },
    },
    script,
  );
}

/** OpenAI's 429 answer: error JSON plus retry-after and x-ratelimit-* headers. */
export function openAiRateLimited(retryAfterSeconds = 1) {
  return {
    http: {
      status: 429,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
      },
      body: {
        error: {
          message: 'Rate limit reached for requests per min (RPM): Limit 60, Used 60, Requested 1.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    },
  };
}

/** OpenAI's 500 answer. */
export function openAiServerError() {
  return {
    http: {
      status: 500,
      headers: {},
      body: {
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      },
    },
  };
}
