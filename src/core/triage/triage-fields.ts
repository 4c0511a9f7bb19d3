import type { Indicator } from '../../contracts/index.ts';
import type { PlaybookSubject } from '../playbooks/playbook.model.ts';
import { readPath, type FieldReader } from '../playbooks/conditions.ts';
import type { Verdict } from './analyzer.ts';

/** What a triage run knows at a step: the fields conditions and templates read. */
export interface TriageFacts {
  subject: PlaybookSubject;
  indicators: readonly Pick<Indicator, 'type' | 'value' | 'context'>[];
  enrichments: readonly { verdict: string }[];
  /** Lookups made by this run's enrich steps. */
  lookups: number;
  verdict?: Pick<Verdict, 'classification' | 'confidence' | 'category'>;
}

/**
 * Reads condition fields (docs/PLAYBOOKS.md) from the facts: `incident.<column>`, `alert.<path>`,
 * `verdict.*`, `enrichment.(hits|malicious|suspicious|lookups)`, `indicators.<type>` (a count),
 * `indicators.total`; templates also read `indicator.<type>` (the first value of that type) and
 * `indicator.sender` (the first e-mail address from a sender field).
 */
export function factReader(facts: TriageFacts): FieldReader {
  return (field) => {
    const dot = field.indexOf('.');
    if (dot < 0) return undefined;
    const head = field.slice(0, dot);
    const rest = field.slice(dot + 1);
    switch (head) {
      case 'incident':
        return Object.prototype.hasOwnProperty.call(facts.subject.incident, rest)
          ? facts.subject.incident[rest]
          : undefined;
      case 'alert':
        return readPath(facts.subject.alert, rest);
      case 'verdict':
        if (!facts.verdict) return undefined;
        return rest === 'classification' || rest === 'confidence' || rest === 'category'
          ? facts.verdict[rest]
          : undefined;
      case 'enrichment': {
        const count = (v: string) => facts.enrichments.filter((e) => e.verdict === v).length;
        if (rest === 'malicious' || rest === 'suspicious') return count(rest);
        if (rest === 'hits') return count('malicious') + count('suspicious');
        if (rest === 'lookups') return facts.lookups;
        return undefined;
      }
      case 'indicators':
        if (rest === 'total') return facts.indicators.length;
        return facts.indicators.filter((i) => i.type === rest).length;
      case 'indicator':
        // `indicator.sender`: the first e-mail address the parser took from a sender field (never the
        // recipient: a block_sender must not block our own user).
        if (rest === 'sender')
          return facts.indicators.find((i) => i.type === 'email' && SENDER_CONTEXT.test(i.context ?? ''))
            ?.value;
        return facts.indicators.find((i) => i.type === rest)?.value;
      default:
        return undefined;
    }
  };
}

/** Indicator contexts (the vendor field a value came from) that name a message's sender. */
const SENDER_CONTEXT = /sender|(^|[^a-z])(from|mail_?from|return_?path|reply_?to)([^a-z]|$)/i;

/** Longest text one placeholder yields, and longest rendered template. */
export const TEMPLATE_VALUE_MAX = 256;
export const TEMPLATE_OUTPUT_MAX = 1024;

/**
 * Renders `{{field}}` placeholders over the condition fields (plus `indicator.<type>`). An unknown or
 * absent field renders empty; objects render as JSON; control characters are dropped; each value
 * and the whole output are bounded (attacker-chosen alert text flows through here).
 */
export function renderTemplate(template: string, read: FieldReader, maxLength = TEMPLATE_OUTPUT_MAX): string {
  const out = template
    .slice(0, 4 * maxLength)
    .replace(/\{\{\s*([A-Za-z0-9_.@$-]{1,200})\s*\}\}/g, (_m, field: string) => {
      const v = read(field);
      if (v === undefined || v === null) return '';
      const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return clean(text).slice(0, TEMPLATE_VALUE_MAX);
    });
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- dropping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
