import type { Migration } from '../migrations.ts';

// The LLM analyst (issue 11 part 4): one transcript per (incident, pipeline step, run/attempt),
// what left the process (redacted), the verdict and who decided it. The unique key is what lets a
// redelivered job find the stored result instead of calling the model again.
export const migration: Migration = {
  id: '0007_llm_transcripts',
  sql: `
CREATE TABLE llm_transcripts (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  step_key text NOT NULL,
  attempt_key text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  -- in_progress: the conversation so far, stored after each model turn so a redelivered job resumes it.
  outcome text NOT NULL CHECK (outcome IN ('verdict','fallback','in_progress')),
  decided_by text CHECK (decided_by IN ('llm','deterministic')),
  fallback_reason text,
  verdict jsonb,
  messages jsonb NOT NULL DEFAULT '[]',
  iterations integer NOT NULL DEFAULT 0,
  tool_calls integer NOT NULL DEFAULT 0,
  unknown_tool_calls integer NOT NULL DEFAULT 0,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision,
  latency_ms integer NOT NULL DEFAULT 0,
  injection jsonb NOT NULL DEFAULT '[]',
  redactions jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, step_key, attempt_key),
  CHECK ((outcome = 'in_progress') = (verdict IS NULL) AND (outcome = 'in_progress') = (decided_by IS NULL))
);
`,
};
