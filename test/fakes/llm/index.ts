// Loopback fakes of the two LLM vendors' protocols, for tests and the eval run. Test doubles, not
// models: see model-double.ts for what the deterministic mode answers.
export { anthropicOverloaded, anthropicRateLimited, startAnthropicServer } from './anthropic-server.ts';
export type { FakeServer } from './http-util.ts';
export { deterministicModel, fenced, queue } from './model-double.ts';
export type { ModelReply, ModelScript, ModelTurn, NeutralMessage, RecordedRequest } from './model-double.ts';
export { openAiRateLimited, openAiServerError, startOpenAiServer } from './openai-server.ts';
