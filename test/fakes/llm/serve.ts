// Runs one fake LLM server in deterministic mode until SIGINT/SIGTERM, for a manual or scripted
// `triage-warden eval --analyzer llm` run:
//   node --import tsx test/fakes/llm/serve.ts [openai|anthropic]     (an ephemeral port on 127.0.0.1)
// It prints one JSON line with the settings to use, e.g.
//   {"provider":"openai","base_url":"http://127.0.0.1:41234/v1","api_key":"test-key","model":"fake-deterministic"}
// A TEST DOUBLE, NOT A MODEL (model-double.ts): verdicts follow a fixed rule over the lookup results.
import { deterministicModel } from './model-double.ts';
import { startAnthropicServer } from './anthropic-server.ts';
import { startOpenAiServer } from './openai-server.ts';

const provider = process.argv[2] === 'anthropic' ? 'anthropic' : 'openai';
const server =
  provider === 'anthropic'
    ? await startAnthropicServer(deterministicModel())
    : await startOpenAiServer(deterministicModel());
process.stdout.write(
  `${JSON.stringify({
    provider,
    base_url: provider === 'openai' ? `${server.url}/v1` : server.url,
    api_key: 'test-key',
    model: 'fake-deterministic',
  })}\n`,
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
