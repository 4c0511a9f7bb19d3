import { createHash } from 'node:crypto';
import type {
  EventBus,
  LlmTelemetry,
  LlmTranscriptProgress,
  LlmTranscriptStore,
  Logger,
  NewLlmTranscript,
} from '../../ports/index.ts';
import type { AnalysisInput, Analyzer, Verdict } from '../triage/analyzer.ts';
import { analyzeDeterministic } from '../triage/deterministic.analyzer.ts';
import type { ChatMessage, ChatRequest } from './chat.ts';
import { detectInjection, type InjectionFinding } from './injection.ts';
import { ModelCallFailed, type ModelCaller } from './model-caller.ts';
import {
  fenceId,
  incidentView,
  newFence,
  PROMPT_VERSION,
  repairPrompt,
  systemPrompt,
  userPrompt,
  type Fence,
} from './prompt.ts';
import { RedactionSession, type RedactionSettings } from './redaction.ts';
import { runTool, TOOLS, type IndicatorLookup } from './tools.ts';
import { TranscriptLog } from './transcript-log.ts';
import { parseVerdict, type LlmVerdict } from './verdict.schema.ts';

/** Bounds of one analysis (config `llm.*`). */
export interface LlmAnalysisLimits {
  /** Model turns per analysis, the repair turn included (default 8). */
  maxIterations: number;
  /** Input + output tokens per analysis across all turns (default 60000). */
  maxTokens: number;
  /** Output tokens per model turn (default 2048). */
  maxOutputTokens: number;
  /** Wall time per analysis, ms (default 120000). */
  wallTimeMs: number;
  /** Unknown-tool calls tolerated before giving up on the model (default 3). */
  maxUnknownTools: number;
  temperature: number;
  /** Largest tool result sent back, characters (default 8000). */
  maxToolResultChars: number;
}

/** What a caller may pass beside the input: the pipeline step, run id and incident (the pipeline's context). */
export interface AnalysisContext {
  /** Pipeline step key; default `analyze`. */
  stepId?: string;
  /**
   * The triage run (the pipeline's run number, the same on every redelivery of that run) or any
   * stable key; default: a hash of the analysis input, so a redelivery of the same input reuses the result.
   */
  run?: string | number;
  incidentId?: string;
  playbook?: { name: string; version: number };
}

/**
 * Lines of trusted context for the prompt (e.g. vendor rule-pack hits computed by our own code).
 * The analyzer-eval work plugs its function in here.
 */
export type PromptContextSource = (input: AnalysisInput) => readonly string[] | Promise<readonly string[]>;

export interface LlmAnalyzerDeps {
  caller: ModelCaller;
  provider: string;
  model: string;
  store: LlmTranscriptStore;
  lookup?: IndicatorLookup;
  /** Publishes `prompt_injection_detected`; optional (tests, eval). */
  bus?: EventBus;
  telemetry: LlmTelemetry;
  log: Logger;
  limits: LlmAnalysisLimits;
  redaction: RedactionSettings;
  /** Key for hashed-email placeholders (stable across incidents of one deployment). */
  redactionHashKey?: string;
  contextSource?: PromptContextSource;
  /** Audit actor, e.g. `analyzer:llm`. */
  actor: string;
  /** Analyzer name stored with the verdict; default `llm`. */
  name?: string;
}

/** Stable reason codes of a fallback (metric label values; a detail follows after `: `). */
export type FallbackReason =
  | 'invalid_output'
  | 'iteration_limit'
  | 'token_budget'
  | 'time_limit'
  | 'unknown_tools'
  | 'rate_limited'
  | 'provider_error'
  | 'output_truncated';

class Fallback extends Error {
  constructor(
    readonly reason: FallbackReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/**
 * The LLM analyst (docs/LLM.md): a bounded tool-calling loop over a provider-neutral chat client.
 * Alert content is redacted, fenced and labelled as untrusted; the answer must validate against the
 * verdict schema (one repair attempt), else the deterministic analyzer decides. The result and the
 * transcript are stored per (incident, step, run) before they are returned, so a redelivered job
 * reuses them. Recommended actions stay recommendations: nothing here runs anything.
 */
export class LlmAnalyzer implements Analyzer {
  readonly name: string;
  readonly #d: LlmAnalyzerDeps;

  constructor(deps: LlmAnalyzerDeps) {
    this.#d = deps;
    this.name = deps.name ?? 'llm';
  }

  async analyze(input: AnalysisInput, signal?: AbortSignal, context: AnalysisContext = {}): Promise<Verdict> {
    signal?.throwIfAborted();
    const d = this.#d;
    const incidentId = context.incidentId ?? input.incident.id;
    const stepKey = context.stepId ?? 'analyze';
    const redactor = new RedactionSession(d.redaction, d.redactionHashKey ?? '');
    const view = incidentView(input);
    const attemptKey = context.run !== undefined ? String(context.run) : `input:${this.#inputHash(view)}`;

    const stored = await d.store.find(incidentId, stepKey, attemptKey);
    if (stored?.verdict) {
      d.telemetry.llmReused();
      return stored.verdict;
    }
    // A redelivery of a run that died mid-analysis resumes its stored conversation.
    const resumed = stored?.outcome === 'in_progress' ? stored : undefined;

    const rawAlerts = await d.store.alerts(incidentId, 5).catch(() => []);
    const injection = detectInjection(input, rawAlerts);
    // Values are redacted before serialising, so JSON escapes can never split a secret. Redacting the
    // same view again on resume gives the same placeholders (numbered in order of appearance).
    const viewJson = JSON.stringify(redactor.redactValue(view));
    let fence: Fence;
    let log: TranscriptLog;
    if (resumed && resumed.messages.length >= 2 && fenceId(resumed.messages[0]!.content)) {
      fence = newFence(fenceId(resumed.messages[0]!.content));
      log = TranscriptLog.resume(resumed);
    } else {
      const extraLines = d.contextSource ? await d.contextSource(input) : [];
      fence = newFence();
      const first = userPrompt(fence, viewJson, {
        contextLines: extraLines,
        injectionRules: injection.map((f) => f.rule),
      });
      log = new TranscriptLog(systemPrompt(fence, d.limits.maxIterations), first);
    }
    const system = log.messages[0]!.content;
    const progress = (): LlmTranscriptProgress => ({
      incident_id: incidentId,
      step_key: stepKey,
      attempt_key: attemptKey,
      provider: d.provider,
      model: d.model,
      messages: log.messages,
      iterations: log.iterations,
      tool_calls: log.toolCalls,
      unknown_tool_calls: log.unknownToolCalls,
      input_tokens: log.inputTokens,
      output_tokens: log.outputTokens,
      latency_ms: Math.round(performance.now() - started),
      injection,
      redactions: redactor.counts,
    });
    const checkpoint = async (): Promise<void> => {
      // Best effort: losing a checkpoint costs a repeated turn on redelivery, not the analysis.
      await d.store.checkpoint(progress()).catch((err: unknown) => {
        d.log.warn({ err: err instanceof Error ? err.name : 'error' }, 'llm transcript checkpoint failed');
      });
    };
    const started = performance.now() - (resumed?.latency_ms ?? 0);
    const deadline = Date.now() + d.limits.wallTimeMs;
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new Error('llm wall time reached')), d.limits.wallTimeMs);
    timeout.unref?.();
    const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;

    let verdict: Verdict;
    let fallback: Fallback | undefined;
    try {
      const answer = await this.#loop({
        input,
        system,
        fence,
        redactor,
        log,
        checkpoint,
        deadline,
        signal: combined,
      });
      verdict = toVerdict(redactor.restoreValue(answer), input);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      fallback =
        err instanceof Fallback
          ? err
          : err instanceof ModelCallFailed
            ? new Fallback(err.reason, err.detail)
            : timer.signal.aborted
              ? new Fallback('time_limit', `analysis wall time ${d.limits.wallTimeMs} ms reached`)
              : new Fallback('provider_error', 'unexpected error talking to the model');
      if (!(err instanceof Fallback || err instanceof ModelCallFailed || timer.signal.aborted))
        d.log.warn({ err: err instanceof Error ? err.name : 'error' }, 'llm analysis failed unexpectedly');
      d.telemetry.llmFallback(fallback.reason);
      verdict = analyzeDeterministic(input);
      verdict = {
        ...verdict,
        reasons: [
          `decided by the deterministic analyzer: the LLM answer was not used (${fallback.message})`,
          ...verdict.reasons,
        ],
      };
    } finally {
      clearTimeout(timeout);
    }
    verdict = applyInjectionPolicy(verdict, injection);
    if (injection.length) d.telemetry.llmInjectionDetected();

    const transcript: NewLlmTranscript = {
      incident_id: incidentId,
      step_key: stepKey,
      attempt_key: attemptKey,
      provider: d.provider,
      model: d.model,
      outcome: fallback ? 'fallback' : 'verdict',
      decided_by: fallback ? 'deterministic' : 'llm',
      fallback_reason: fallback ? fallback.message.slice(0, 500) : null,
      verdict,
      messages: log.messages,
      iterations: log.iterations,
      tool_calls: log.toolCalls,
      unknown_tool_calls: log.unknownToolCalls,
      input_tokens: log.inputTokens,
      output_tokens: log.outputTokens,
      cost_usd: d.caller.priced ? d.caller.costOf(log.inputTokens, log.outputTokens) : null,
      latency_ms: Math.round(performance.now() - started),
      injection,
      redactions: redactor.counts,
    };
    const { record, created } = await d.store.save(transcript, d.actor);
    if (!record.verdict) throw new Error('llm transcript stored without a verdict');
    if (created && injection.length && d.bus) {
      await d.bus
        .publish('prompt_injection_detected', {
          incident_id: incidentId,
          rules: [...new Set(injection.map((f) => f.rule))],
          findings: injection.length,
        })
        .catch((err: unknown) =>
          d.log.warn({ err: String(err) }, 'prompt_injection_detected publish failed'),
        );
    }
    return record.verdict;
  }

  async #loop(s: {
    input: AnalysisInput;
    system: string;
    fence: Fence;
    redactor: RedactionSession;
    log: TranscriptLog;
    checkpoint: () => Promise<void>;
    deadline: number;
    signal: AbortSignal;
  }): Promise<LlmVerdict> {
    const d = this.#d;
    const { limits } = d;
    // The conversation so far (one user message, or what a resumed run had stored).
    const messages: ChatMessage[] = s.log.chatMessages();
    let repaired = s.log.repairAsked();
    const seenCalls = s.log.answeredCalls();
    for (let turn = s.log.iterations; turn < limits.maxIterations; turn++) {
      const used = s.log.inputTokens + s.log.outputTokens;
      if (used >= limits.maxTokens)
        throw new Fallback('token_budget', `${used} tokens used of ${limits.maxTokens}`);
      const request: ChatRequest = {
        system: s.system,
        messages,
        tools: [...TOOLS],
        maxOutputTokens: Math.max(1, Math.min(limits.maxOutputTokens, limits.maxTokens - used)),
        temperature: limits.temperature,
      };
      const { response, latencyMs } = await d.caller.call(request, s.deadline, s.signal);
      s.log.assistant(response, latencyMs);
      messages.push({
        role: 'assistant',
        content: response.text,
        ...(response.toolCalls.length ? { toolCalls: response.toolCalls } : {}),
      });
      if (s.log.inputTokens + s.log.outputTokens > limits.maxTokens)
        throw new Fallback(
          'token_budget',
          `${s.log.inputTokens + s.log.outputTokens} tokens used of ${limits.maxTokens}`,
        );

      if (response.toolCalls.length > 0) {
        for (const call of response.toolCalls.slice(0, 8)) {
          const key = `${call.name}:${call.rawArguments}`;
          let content: string;
          let isError = false;
          const repeat = seenCalls.get(key);
          if (repeat !== undefined) {
            content = `${repeat}\n(You already called ${call.name} with these arguments; the answer is the same. Answer with the verdict when you can.)`;
          } else {
            const restored = {
              ...call,
              arguments: call.arguments && s.redactor.restoreValue(call.arguments),
            };
            const out = await runToolSafely(restored, s, d);
            if (out.ok)
              content = s.fence.wrap(
                out.label,
                clip(JSON.stringify(s.redactor.redactValue(out.data)), limits.maxToolResultChars),
              );
            else {
              isError = true;
              content = s.redactor.redact(out.error);
              if (out.unknown && ++s.log.unknownToolCalls > limits.maxUnknownTools)
                throw new Fallback(
                  'unknown_tools',
                  `${s.log.unknownToolCalls} calls to tools that do not exist`,
                );
            }
            // Only answers are reused: a repeated bad call is counted again.
            if (!isError) seenCalls.set(key, content);
          }
          s.log.tool(call, content, isError);
          messages.push({
            role: 'tool',
            toolCallId: call.id,
            name: call.name,
            content,
            ...(isError ? { isError } : {}),
          });
        }
        // Calls past the eighth of one turn are answered with an error so every call id gets a result.
        for (const call of response.toolCalls.slice(8)) {
          const content = 'too many tool calls in one turn; this one was not run';
          s.log.tool(call, content, true);
          messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content, isError: true });
        }
        await s.checkpoint();
        continue;
      }

      if (response.finish === 'length' && !response.text.includes('}'))
        throw new Fallback('output_truncated', 'the answer hit the output-token cap');
      const parsed = parseVerdict(response.text);
      if (parsed.ok) return parsed.verdict;
      if (repaired) throw new Fallback('invalid_output', parsed.errors.slice(0, 3).join('; '));
      repaired = true;
      const ask = repairPrompt(parsed.errors);
      s.log.user(ask);
      messages.push({ role: 'user', content: ask });
      await s.checkpoint();
    }
    throw new Fallback('iteration_limit', `no valid verdict after ${limits.maxIterations} model turns`);
  }

  #inputHash(view: Record<string, unknown>): string {
    return createHash('sha256')
      .update(JSON.stringify([PROMPT_VERSION, this.#d.provider, this.#d.model, view]))
      .digest('hex')
      .slice(0, 32);
  }
}

async function runToolSafely(
  call: Parameters<typeof runTool>[0],
  s: { input: AnalysisInput; signal: AbortSignal },
  d: LlmAnalyzerDeps,
) {
  return runTool(call, { input: s.input, store: d.store, lookup: d.lookup, signal: s.signal });
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… [truncated]` : s;
}

/** The model's verdict in the pipeline's shape. Its evidence lines become `reasons`. */
function toVerdict(v: LlmVerdict, input: AnalysisInput): Verdict {
  const known = new Set(input.indicators.map((i) => `${i.type}:${i.value}`));
  return {
    classification: v.classification,
    confidence: Math.round(v.confidence * 100) / 100,
    category: v.category,
    reasoning: v.reasoning,
    reasons: v.evidence,
    recommended_actions: [...new Set(v.recommended_actions)],
    mitre_techniques: [...new Set(v.mitre_techniques)],
    // Only indicators the incident has: the model may not add observables of its own.
    indicators: (v.indicators ?? []).filter((i) => known.has(`${i.type}:${i.value}`)),
    score: null,
  };
}

/**
 * The injection rule (docs/LLM.md): an alert that tries to instruct the model is never closed as
 * benign on that analysis. A benign (or inconclusive) verdict is raised to suspicious and the finding
 * becomes the first reason; the verdict is then reviewed by a human (auto-resolve needs benign).
 */
export function applyInjectionPolicy(v: Verdict, findings: readonly InjectionFinding[]): Verdict {
  if (findings.length === 0) return v;
  const rules = [...new Set(findings.map((f) => f.rule))].join(', ');
  const fields = [...new Set(findings.map((f) => f.field))].slice(0, 5).join(', ');
  const reason = `prompt injection attempt in alert content (${rules}; in ${fields}): recorded, ignored as an instruction, and the verdict may not be benign`;
  const floored = v.classification === 'benign' || v.classification === 'inconclusive';
  return {
    ...v,
    ...(floored
      ? {
          classification: 'suspicious' as const,
          confidence: Math.min(v.confidence, 0.6),
          category: 'prompt_injection',
          recommended_actions: ['escalate_to_analyst'],
        }
      : {}),
    reasons: [reason, ...v.reasons],
  };
}
