export { AnthropicChatClient } from './anthropic.chat-client.ts';
export type { AnthropicChatClientOptions } from './anthropic.chat-client.ts';
export { translateSdkError } from './errors.ts';
export { OpenAiChatClient } from './openai.chat-client.ts';
export type { OpenAiChatClientOptions } from './openai.chat-client.ts';
