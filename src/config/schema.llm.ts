import { Type } from 'typebox';
import { Duration, Obj } from './schema.parts.ts';

/**
 * `llm.*`: the LLM analyst (docs/LLM.md). With `provider: none` (the default) nothing changes: the
 * deterministic analyzer decides alone. The API key is read from `llm.api_key` or `TW_LLM_API_KEY`
 * and is never logged.
 */
export const LlmConfigSchema = Obj(
  {
    provider: Type.Union([Type.Literal('none'), Type.Literal('openai'), Type.Literal('anthropic')], {
      default: 'none',
      description:
        'none (deterministic analyzer only), openai (any OpenAI-compatible server: OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio) or anthropic',
    }),
    base_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'API root: default https://api.openai.com/v1 (openai) or https://api.anthropic.com (anthropic); e.g. http://ollama:11434/v1, http://vllm:8000/v1, https://<resource>.openai.azure.com/openai',
      }),
    ),
    model: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._:/@-]{1,128}$',
        description: 'model name (Azure: the deployment name); required unless provider is none',
      }),
    ),
    api_key: Type.Optional(
      Type.String({ minLength: 1, description: 'API key (env TW_LLM_API_KEY); never logged' }),
    ),
    azure_api_version: Type.Optional(
      Type.String({
        pattern: '^[0-9a-z-]{4,40}$',
        description: 'openai provider against Azure OpenAI: the api-version query parameter (sends api-key)',
      }),
    ),
    max_completion_tokens_param: Type.Boolean({
      default: false,
      description:
        'openai provider: send max_completion_tokens (newer OpenAI models) instead of max_tokens (vLLM, Ollama, LM Studio)',
    }),
    timeout: Duration('60s', 'one model request'),
    wall_time: Duration(
      '2m',
      'one whole analysis (every turn, wait and retry); past it the deterministic analyzer decides',
    ),
    max_iterations: Type.Integer({
      default: 8,
      minimum: 1,
      maximum: 50,
      description: 'model turns per analysis, the repair turn included',
    }),
    max_tokens: Type.Integer({
      default: 60_000,
      minimum: 100,
      description: 'input + output tokens per analysis across all turns',
    }),
    max_output_tokens: Type.Integer({
      default: 2048,
      minimum: 16,
      maximum: 64_000,
      description: 'output tokens per model turn',
    }),
    max_retries: Type.Integer({
      default: 2,
      minimum: 0,
      maximum: 10,
      description: 'retries of a request answered 429 or 5xx (after Retry-After), within wall_time',
    }),
    max_unknown_tools: Type.Integer({
      default: 3,
      minimum: 0,
      maximum: 50,
      description: 'calls to tools that do not exist tolerated per analysis before falling back',
    }),
    temperature: Type.Number({
      default: 0,
      minimum: 0,
      maximum: 2,
      description: 'sampling temperature (openai provider; the Anthropic API of the pinned SDK takes none)',
    }),
    rpm: Type.Integer({
      default: 0,
      minimum: 0,
      description: 'model requests per minute, cluster-wide (Redis when distributed); 0 = unlimited',
    }),
    tpm: Type.Integer({
      default: 0,
      minimum: 0,
      description: 'estimated tokens per minute, cluster-wide; 0 = unlimited',
    }),
    prices: Obj({
      input_per_million: Type.Number({ default: 0, minimum: 0, description: 'USD per 1M input tokens' }),
      output_per_million: Type.Number({ default: 0, minimum: 0, description: 'USD per 1M output tokens' }),
    }),
    redaction: Obj({
      secrets: Type.Boolean({
        default: true,
        description: 'replace API keys, tokens, JWTs, private keys, URL passwords and high-entropy strings',
      }),
      emails: Type.Union([Type.Literal('hash'), Type.Literal('redact'), Type.Literal('keep')], {
        default: 'hash',
        description: 'email addresses: hash (stable keyed token), redact (numbered placeholder) or keep',
      }),
      credit_cards: Type.Boolean({ default: true, description: 'card numbers passing the Luhn check' }),
      national_ids: Type.Boolean({ default: true, description: 'US social security numbers' }),
      phones: Type.Boolean({ default: true, description: 'phone numbers' }),
      hash_key: Type.Optional(
        Type.String({
          minLength: 16,
          description: 'key of the email hashes (set it so hashes are not guessable)',
        }),
      ),
    }),
  },
  'LLM analyst (docs/LLM.md); provider none = deterministic analyzer only',
);
