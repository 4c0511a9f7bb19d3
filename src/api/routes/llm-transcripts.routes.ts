import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, CLASSIFICATIONS } from '../../contracts/index.ts';
import type { IncidentStore, LlmTranscriptStore } from '../../ports/index.ts';
import { ErrorSchema, IdParamsSchema } from '../schemas.ts';

const Str = Type.String();
const Int = Type.Integer();

const MessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('tool'),
  ]),
  content: Str,
  tool_calls: Type.Optional(Type.Array(Type.Object({ id: Str, name: Str, arguments: Str }))),
  tool_call_id: Type.Optional(Str),
  name: Type.Optional(Str),
  is_error: Type.Optional(Type.Boolean()),
  usage: Type.Optional(Type.Object({ input_tokens: Int, output_tokens: Int })),
  latency_ms: Type.Optional(Int),
  finish: Type.Optional(Str),
});

export const TranscriptSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  incident_id: Type.String({ format: 'uuid' }),
  step_key: Str,
  attempt_key: Str,
  provider: Str,
  model: Str,
  outcome: Type.Union([Type.Literal('verdict'), Type.Literal('fallback'), Type.Literal('in_progress')], {
    description: 'in_progress: an analysis under way (no verdict yet)',
  }),
  decided_by: Type.Union([Type.Literal('llm'), Type.Literal('deterministic'), Type.Null()]),
  fallback_reason: Type.Union([Str, Type.Null()]),
  verdict: Type.Union([
    Type.Object({
      classification: Type.Unsafe<(typeof CLASSIFICATIONS)[number]>({
        type: 'string',
        enum: [...CLASSIFICATIONS],
      }),
      confidence: Type.Number(),
      category: Str,
      reasoning: Str,
      reasons: Type.Array(Str),
      recommended_actions: Type.Array(Str, { description: 'recommendations only: the analyst runs nothing' }),
      mitre_techniques: Type.Array(Str),
      indicators: Type.Array(Type.Object({ type: Str, value: Str })),
      score: Type.Union([Type.Number(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  messages: Type.Array(MessageSchema, {
    description: 'what was sent (after redaction) and received, in order',
  }),
  iterations: Int,
  tool_calls: Int,
  unknown_tool_calls: Int,
  input_tokens: Int,
  output_tokens: Int,
  cost_usd: Type.Union([Type.Number(), Type.Null()]),
  latency_ms: Int,
  injection: Type.Array(Type.Object({ rule: Str, field: Str, excerpt: Str })),
  redactions: Type.Record(Str, Int),
  created_at: Type.String({ format: 'date-time' }),
});

/** The LLM analyst's transcripts of an incident (docs/LLM.md "Transcripts"). */
export const llmTranscriptRoutes =
  (incidents: IncidentStore, transcripts: LlmTranscriptStore): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/incidents/:id/transcripts',
      {
        config: { permission: 'incidents:read' },
        schema: {
          tags: ['incidents'],
          summary:
            'LLM analyst transcripts of an incident: redacted messages, tool calls, usage, cost, who decided and why',
          params: IdParamsSchema,
          response: {
            200: Type.Object({ data: Type.Array(TranscriptSchema) }),
            400: ErrorSchema,
            404: ErrorSchema,
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (!(await incidents.get(id))) throw new AppError('NOT_FOUND', `incident ${id} not found`);
        return { data: await transcripts.list(id) };
      },
    );
  };
