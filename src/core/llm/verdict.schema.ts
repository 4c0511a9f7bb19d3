import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { CLASSIFICATIONS, INDICATOR_TYPES, Enum } from '../../contracts/index.ts';

/**
 * The verdict an LLM analyst must answer with: one JSON object, nothing else (docs/LLM.md). Bounded
 * sizes keep a runaway answer out of the database. `recommended_actions` are `verb:target`
 * recommendations for a human and the policy engine; nothing here ever runs.
 */
export const LlmVerdictSchema = Type.Object(
  {
    classification: Enum(CLASSIFICATIONS),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    category: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' }),
    reasoning: Type.String({ minLength: 1, maxLength: 4000 }),
    evidence: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 30 }),
    mitre_techniques: Type.Array(Type.String({ pattern: '^T\\d{4}(\\.\\d{3})?$' }), { maxItems: 30 }),
    recommended_actions: Type.Array(
      Type.String({ minLength: 1, maxLength: 300, pattern: '^[a-z][a-z0-9_]*(:.+)?$' }),
      { maxItems: 20 },
    ),
    indicators: Type.Optional(
      Type.Array(
        Type.Object({
          type: Enum(INDICATOR_TYPES),
          value: Type.String({ minLength: 1, maxLength: 2048 }),
        }),
        { maxItems: 50 },
      ),
    ),
  },
  { additionalProperties: false },
);

export type LlmVerdict = Static<typeof LlmVerdictSchema>;

/** A JSON example of the schema for the system prompt. */
export const VERDICT_EXAMPLE = JSON.stringify({
  classification: 'suspicious',
  confidence: 0.7,
  category: 'account_compromise',
  reasoning: 'One paragraph: what happened, what the evidence shows, why this classification.',
  evidence: ['indicator 203.0.113.9 is on list tor-exits: malicious'],
  mitre_techniques: ['T1078'],
  recommended_actions: ['revoke_sessions:alice', 'escalate_to_analyst'],
  indicators: [{ type: 'ipv4', value: '203.0.113.9' }],
});

export type ParseResult = { ok: true; verdict: LlmVerdict } | { ok: false; errors: string[] };

/**
 * Parses the model's final text: the JSON object may be wrapped in a ```json fence or surrounded by
 * prose (small local models do both); the first balanced top-level object is taken. Errors are short
 * lines fit to send back to the model in the repair attempt.
 */
export function parseVerdict(text: string): ParseResult {
  const candidate = extractJsonObject(text);
  if (candidate === undefined) return { ok: false, errors: ['the answer contains no JSON object'] };
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (err) {
    return { ok: false, errors: [`the JSON does not parse: ${(err as Error).message.slice(0, 200)}`] };
  }
  if (Value.Check(LlmVerdictSchema, value)) return { ok: true, verdict: value };
  const errors = [...Value.Errors(LlmVerdictSchema, value)]
    .slice(0, 10)
    .map((e) => `${e.instancePath || '(root)'}: ${e.message}`);
  return { ok: false, errors: errors.length ? errors : ['the object does not match the verdict schema'] };
}

function extractJsonObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}
