import { describe, expect, it } from 'vitest';
import { BuiltinPlaybookSource, GENERIC_PLAYBOOK } from '../../../src/core/playbooks/builtin-playbooks.ts';
import {
  bySelectionOrder,
  selectPlaybook as select,
} from '../../../src/core/playbooks/playbook.selection.ts';
import type { PlaybookDefinition, PlaybookSubject } from '../../../src/core/playbooks/playbook.model.ts';
import { AnalyzerRegistry } from '../../../src/core/triage/analyzer-registry.ts';
import { DeterministicAnalyzer } from '../../../src/core/triage/deterministic.analyzer.ts';
import {
  factReader,
  renderTemplate,
  TEMPLATE_OUTPUT_MAX,
  TEMPLATE_VALUE_MAX,
  type TriageFacts,
} from '../../../src/core/triage/triage-fields.ts';

const subject: PlaybookSubject = {
  incident: {
    id: 'i-1',
    source: 'crowdstrike',
    incident_type: 'malware',
    severity: 'high',
    title: 'Beacon from HOST-7',
  },
  alert: { device: { hostname: 'HOST-7', tags: ['a', 'b'] } },
};

const facts: TriageFacts = {
  subject,
  indicators: [
    { type: 'ipv4', value: '203.0.113.9' },
    { type: 'ipv4', value: '203.0.113.10' },
    { type: 'domain', value: 'evil.example' },
  ],
  enrichments: [{ verdict: 'malicious' }, { verdict: 'suspicious' }, { verdict: 'benign' }],
  lookups: 3,
  verdict: { classification: 'malicious', confidence: 0.91, category: 'malware' },
};

describe('triage fields and templates', () => {
  const read = factReader(facts);

  it('reads the condition fields', () => {
    expect(read('incident.severity')).toBe('high');
    expect(read('alert.device.hostname')).toBe('HOST-7');
    expect(read('verdict.confidence')).toBe(0.91);
    expect(read('enrichment.hits')).toBe(2);
    expect(read('enrichment.malicious')).toBe(1);
    expect(read('enrichment.lookups')).toBe(3);
    expect(read('indicators.ipv4')).toBe(2);
    expect(read('indicators.total')).toBe(3);
    expect(read('indicator.ipv4')).toBe('203.0.113.9');
    expect(read('incident.constructor')).toBeUndefined();
    expect(read('nothing.here')).toBeUndefined();
  });

  it('renders placeholders, empty for unknown fields, JSON for objects', () => {
    expect(renderTemplate('block {{ indicator.ipv4 }} on {{alert.device.hostname}}{{nope.x}}', read)).toBe(
      'block 203.0.113.9 on HOST-7',
    );
    expect(renderTemplate('{{alert.device.tags}}', read)).toBe('["a","b"]');
  });

  it('indicator.sender is the first address from a sender field, never the recipient', () => {
    const mail = factReader({
      ...facts,
      indicators: [
        { type: 'email', value: 'alice@contoso.com', context: 'evidence[0].recipientEmailAddress' },
        { type: 'email', value: 'it-support@evil.example', context: 'evidence[0].p1Sender' },
      ],
    });
    expect(renderTemplate('{{indicator.sender}}', mail)).toBe('it-support@evil.example');
    expect(renderTemplate('{{indicator.email}}', mail)).toBe('alice@contoso.com');
    const recipientOnly = factReader({
      ...facts,
      indicators: [{ type: 'email', value: 'alice@contoso.com', context: 'recipientEmailAddress' }],
    });
    expect(renderTemplate('{{indicator.sender}}', recipientOnly)).toBe('');
  });

  it('bounds each value and the output, and drops control characters', () => {
    const long = factReader({
      ...facts,
      subject: { ...subject, incident: { ...subject.incident, title: 'x'.repeat(5000) } },
    });
    expect(renderTemplate('{{incident.title}}', long)).toHaveLength(TEMPLATE_VALUE_MAX);
    const many = renderTemplate('{{incident.title}}'.repeat(20), long);
    expect(many.length).toBe(TEMPLATE_OUTPUT_MAX);
    expect(many.endsWith('…')).toBe(true);
    const evil = factReader({
      ...facts,
      subject: { ...subject, incident: { ...subject.incident, title: 'a\nb\u0000c' } },
    });
    expect(renderTemplate('{{incident.title}}', evil)).toBe('a b c');
  });
});

describe('playbook selection', () => {
  const pb = (over: Partial<PlaybookDefinition>): PlaybookDefinition => ({
    ...GENERIC_PLAYBOOK,
    name: 'p',
    priority: 1,
    ...over,
  });

  it('picks the enabled, matching playbook of highest priority (ties by name), else the generic one', async () => {
    const set = [
      pb({ name: 'zeta', priority: 5, trigger: { incident_types: ['malware'] } }),
      pb({ name: 'alpha', priority: 5, trigger: { min_severity: 'medium' } }),
      pb({ name: 'top', priority: 9, enabled: false }),
      pb({ name: 'phish', priority: 50, trigger: { incident_types: ['phishing'] } }),
      pb({
        name: 'by-alert',
        priority: 4,
        trigger: { conditions: [{ field: 'alert.device.hostname', op: 'eq', value: 'host-7' }] },
      }),
    ];
    const selectPlaybook = (pbs: PlaybookDefinition[], s: PlaybookSubject) =>
      select([...pbs].sort(bySelectionOrder), s, GENERIC_PLAYBOOK);
    expect(selectPlaybook(set, subject).name).toBe('alpha');
    expect(selectPlaybook(set.slice(4), subject).name).toBe('by-alert');
    expect(selectPlaybook([set[3]!], subject)).toBe(GENERIC_PLAYBOOK);
    expect((await new BuiltinPlaybookSource().forIncident(subject)).name).toBe('generic');
  });

  it('the generic playbook enriches everything then analyzes with auto', () => {
    expect(GENERIC_PLAYBOOK.stages.flatMap((s) => s.steps)).toEqual([
      { id: 'enrich', kind: 'enrich' },
      { id: 'analyze', kind: 'analyze', analyzer: 'auto' },
    ]);
  });
});

describe('AnalyzerRegistry', () => {
  it('deterministic always; llm and auto use the LLM analyst once registered', () => {
    const det = new DeterministicAnalyzer();
    const llm = { name: 'llm-x', analyze: det.analyze.bind(det) };
    const r = new AnalyzerRegistry(det);
    expect(r.resolve('auto')).toEqual({ analyzer: det, slot: 'deterministic' });
    expect(r.resolve('llm').fallback).toMatch(/no LLM analyst/);
    expect(r.resolve('x'.repeat(100)).fallback).toBe(
      `unknown analyzer "${'x'.repeat(40)}": used deterministic`,
    );
    r.registerLlm(llm);
    expect(r.resolve('auto')).toEqual({ analyzer: llm, slot: 'llm' });
    expect(r.resolve('llm')).toEqual({ analyzer: llm, slot: 'llm' });
    expect(r.resolve('deterministic')).toEqual({ analyzer: det, slot: 'deterministic' });
  });
});
