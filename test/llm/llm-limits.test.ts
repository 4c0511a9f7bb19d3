// The cluster-wide budgets (llm.rpm, llm.tpm) go through the RateLimiter port: two "processes", each
// with its own Redis connection and ModelCaller, share one budget; the request that would exceed it
// is never sent, and the analysis ends as rate_limited when the next window is past its deadline.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../src/adapters/in-process/index.ts';
import { OpenAiChatClient } from '../../src/adapters/llm/index.ts';
import { RedisConnection, RedisRateLimiter } from '../../src/adapters/redis/index.ts';
import type { ChatRequest } from '../../src/core/llm/chat.ts';
import { estimateTokens, ModelCallFailed, ModelCaller } from '../../src/core/llm/model-caller.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { RateLimiter } from '../../src/ports/index.ts';
import type { FakeServer } from '../fakes/llm/http-util.ts';
import { startOpenAiServer } from '../fakes/llm/openai-server.ts';
import { requireServices } from '../helpers/services.ts';

const REQUEST: ChatRequest = {
  system: 'you are a test',
  messages: [{ role: 'user', content: 'hello' }],
  tools: [],
  maxOutputTokens: 50,
  temperature: 0,
};

let server: FakeServer;
beforeAll(async () => {
  server = await startOpenAiServer(() => ({ text: 'ok' }));
});
afterAll(async () => server?.close());

function caller(limiter: RateLimiter, limits: { rpm: number; tpm: number }, metrics = new Metrics()) {
  return new ModelCaller({
    client: new OpenAiChatClient({
      baseURL: `${server.url}/v1`,
      apiKey: 'test-key',
      model: 'budget-model',
      timeoutMs: 5000,
    }),
    limiter,
    limits,
    prices: { input_per_million: 0, output_per_million: 0 },
    telemetry: metrics,
    maxRetries: 0,
  });
}

async function outcome(c: ModelCaller): Promise<string> {
  try {
    await c.call(REQUEST, Date.now() + 2000, new AbortController().signal);
    return 'ok';
  } catch (err) {
    return err instanceof ModelCallFailed ? err.reason : String(err);
  }
}

describe('llm.rpm / llm.tpm in one process', () => {
  it('the request past the per-minute budget is not sent', async () => {
    const before = server.requests.length;
    const c = caller(new InProcessRateLimiter(), { rpm: 2, tpm: 0 });
    expect([await outcome(c), await outcome(c), await outcome(c)]).toEqual(['ok', 'ok', 'rate_limited']);
    expect(server.requests.length - before).toBe(2);
  });

  it('tokens: a budget of two requests’ estimate admits two', async () => {
    const before = server.requests.length;
    const c = caller(new InProcessRateLimiter(), { rpm: 0, tpm: 2 * estimateTokens(REQUEST) });
    expect([await outcome(c), await outcome(c), await outcome(c)]).toEqual(['ok', 'ok', 'rate_limited']);
    expect(server.requests.length - before).toBe(2);
  });
});

const redisSkip = await requireServices(['redis']);

describe.skipIf(Boolean(redisSkip))('llm.rpm across processes (Redis)', () => {
  const prefix = `twtest-llm-${randomUUID().slice(0, 8)}`;
  const connections: RedisConnection[] = [];
  const connect = () => {
    const c = new RedisConnection({
      url: 'redis://127.0.0.1:6379',
      architecture: 'standalone',
      keyPrefix: prefix,
      commandTimeoutMs: 2000,
    });
    connections.push(c);
    return c;
  };
  afterAll(async () => {
    const admin = connections[0];
    if (admin) {
      const keys = await admin.client.keys(`*${prefix}*`);
      if (keys.length) await admin.client.del(...keys);
    }
    await Promise.all(connections.map((c) => c.close()));
  });

  it('two workers share one budget of 3 requests per minute', async () => {
    const before = server.requests.length;
    const a = caller(new RedisRateLimiter(connect()), { rpm: 3, tpm: 0 });
    const b = caller(new RedisRateLimiter(connect()), { rpm: 3, tpm: 0 });
    const results = [
      await outcome(a),
      await outcome(b),
      await outcome(a),
      await outcome(b),
      await outcome(a),
    ];
    expect(results).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(server.requests.length - before).toBe(3);
  });
});
