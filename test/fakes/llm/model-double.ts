// The vendor-neutral half of the fake LLM servers: what one model turn sees and answers, and a
// deterministic "model" for runs that need sensible answers (the eval run, happy-path tests).
// A TEST DOUBLE, NOT A MODEL: it reads the fenced incident JSON, looks up every indicator through the
// lookup_indicator tool, and answers with a verdict computed by a fixed rule from the tool results.
import type { IncomingHttpHeaders } from 'node:http';

/** One message of a conversation, as the fake server decoded it from the vendor's wire format. */
export type NeutralMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; calls: Array<{ id: string; name: string; args: unknown }> }
  | { role: 'tool'; id: string; text: string; isError: boolean };

/** What the scripted model is asked to answer. */
export interface ModelTurn {
  model: string;
  system: string;
  messages: NeutralMessage[];
  toolNames: string[];
  maxTokens: number;
}

/** A model answer (text and/or tool calls), or a raw HTTP answer (errors, garbage). */
export type ModelReply =
  | {
      text?: string;
      /** `args` as an object, or a string sent as is (to send invalid JSON arguments). */
      toolCalls?: Array<{ name: string; args: unknown }>;
      finish?: 'stop' | 'length';
      usage?: { input: number; output: number };
    }
  | { http: { status: number; headers?: Record<string, string>; body: unknown } };

export type ModelScript = (turn: ModelTurn, index: number) => ModelReply | Promise<ModelReply>;

/** One request as it reached a fake server, for assertions (e.g. a secret never arrived). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A queue of replies, one per request, then an error reply that fails the analysis visibly. */
export function queue(...replies: ModelReply[]): ModelScript {
  return (_turn, index) =>
    replies[index] ?? {
      http: {
        status: 500,
        body: { error: { message: 'fake model script exhausted', type: 'server_error' } },
      },
    };
}

const FENCE = /<untrusted_data id="([0-9a-f]+)" label="([a-z_]+)">\n([\s\S]*?)\n<\/untrusted_data id="\1">/g;

/** The fenced blocks of a text, by label. */
export function fenced(text: string): Array<{ label: string; content: string }> {
  return [...text.matchAll(FENCE)].map((m) => ({ label: m[2]!, content: m[3]! }));
}

/** Rough token count, 4 characters a token (what the fake servers report as usage). */
export const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

interface Intel {
  indicator: { type: string; value: string };
  results: Array<{ provider: string; verdict: string; score: number | null }>;
}

/**
 * The deterministic double: turn 1 calls lookup_indicator for each indicator of the fenced incident
 * (at most 8); the next turn answers from the results: any malicious → malicious 0.9, any suspicious
 * → suspicious 0.7, all answered clean → benign 0.8, else inconclusive 0.4.
 */
export function deterministicModel(): ModelScript {
  return (turn) => {
    const first = turn.messages.find((m) => m.role === 'user');
    const incidentBlock = first ? fenced(first.text).find((b) => b.label === 'incident') : undefined;
    let incident: {
      indicators?: Array<{ type: string; value: string }>;
      mitre_techniques?: string[];
      incident_type?: string;
    } = {};
    try {
      incident = incidentBlock ? JSON.parse(incidentBlock.content) : {};
    } catch {
      incident = {};
    }
    const indicators = (incident.indicators ?? []).slice(0, 8);
    const toolTurns = turn.messages.filter((m) => m.role === 'tool');
    if (toolTurns.length === 0 && indicators.length > 0 && turn.toolNames.includes('lookup_indicator')) {
      return {
        text: '',
        toolCalls: indicators.map((i) => ({
          name: 'lookup_indicator',
          args: { type: i.type, value: i.value },
        })),
      };
    }
    const intel: Intel[] = [];
    for (const t of toolTurns) {
      if (t.role !== 'tool' || t.isError) continue;
      for (const b of fenced(t.text)) {
        if (b.label !== 'threat_intel') continue;
        try {
          intel.push(JSON.parse(b.content) as Intel);
        } catch {
          // not ours
        }
      }
    }
    const hits = (v: string) => intel.filter((i) => i.results.some((r) => r.verdict === v));
    const malicious = hits('malicious');
    const suspicious = hits('suspicious');
    const answered = intel.filter((i) => i.results.some((r) => r.verdict !== 'unknown'));
    const [classification, confidence] =
      malicious.length > 0
        ? (['malicious', 0.9] as const)
        : suspicious.length > 0
          ? (['suspicious', 0.7] as const)
          : answered.length > 0 && answered.length === intel.length && hits('clean').length === intel.length
            ? (['benign', 0.8] as const)
            : (['inconclusive', 0.4] as const);
    const evidence = intel.map(
      (i) =>
        `${i.indicator.type} ${i.indicator.value}: ${i.results.map((r) => `${r.provider}=${r.verdict}`).join(', ') || 'no intel'}`,
    );
    const verb: Record<string, string> = {
      ipv4: 'block_ip',
      ipv6: 'block_ip',
      domain: 'block_domain',
      url: 'block_url',
      sha256: 'block_hash',
      md5: 'block_hash',
      sha1: 'block_hash',
    };
    const actions = malicious.flatMap((i) =>
      verb[i.indicator.type] ? [`${verb[i.indicator.type]}:${i.indicator.value}`] : [],
    );
    return {
      text: JSON.stringify({
        classification,
        confidence,
        category: classification === 'benign' ? 'false_positive' : (incident.incident_type ?? 'other'),
        reasoning: `Deterministic test double: ${malicious.length} malicious and ${suspicious.length} suspicious indicators among ${intel.length} looked up.`,
        evidence: evidence.length ? evidence : ['no indicators were looked up'],
        mitre_techniques: (incident.mitre_techniques ?? []).filter((t) => /^T\d{4}(\.\d{3})?$/.test(t)),
        recommended_actions:
          classification === 'malicious'
            ? [...actions, 'escalate_to_analyst']
            : classification === 'benign'
              ? ['close_as_false_positive']
              : ['escalate_to_analyst'],
        indicators: [...malicious, ...suspicious].map((i) => i.indicator),
      }),
    };
  };
}
