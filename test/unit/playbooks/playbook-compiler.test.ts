import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, parsePlaybookDuration } from '../../../src/core/playbooks/playbook.compiler.ts';
import { readPlaybookFolder } from '../../../src/core/playbooks/playbook.folder.ts';

const BUILTIN = fileURLToPath(new URL('../../../playbooks/builtin/', import.meta.url));

const VALID = `name: sample
description: a sample
priority: 10
mode: supervised
trigger:
  sources: [crowdstrike]
  incident_types: [malware]
  min_severity: medium
  conditions:
    - { field: alert.event.Severity, op: gte, value: 3 }
stages:
  - name: enrich
    parallel: true
    steps:
      - id: hashes
        kind: enrich
        indicator_types: [sha256]
      - id: net
        kind: enrich
        providers: [local-lists]
  - name: decide
    steps:
      - id: analyze
        kind: analyze
      - id: stop-benign
        kind: condition
        if:
          - { field: verdict.classification, op: eq, value: benign }
        then: stop
      - id: isolate
        kind: propose_action
        action: isolate_host:{{indicator.hostname}}
        on_verdict: [malicious]
        min_confidence: 0.8
      - id: page
        kind: notify
        channel: soc
        message: "{{incident.title}} on {{ indicator.hostname }}"
        when:
          - { field: incident.severity, op: in, value: [high, critical] }
sla:
  time_to_triage: 15m
  time_to_respond: 4h
`;

function errorsOf(yaml: string) {
  const r = compilePlaybook(yaml, { file: 'pb.yaml', origin: 'api' });
  expect(r.ok, JSON.stringify(r)).toBe(false);
  return r.ok ? [] : r.errors;
}

/** Replaces the first occurrence of `from` in the valid document. */
const variant = (from: string, to: string) => {
  expect(VALID.includes(from), from).toBe(true);
  return VALID.replace(from, to);
};

describe('playbook compiler', () => {
  it('compiles a full document into the model', () => {
    const r = compilePlaybook(VALID, { file: 'pb.yaml', origin: 'file:/x/pb.yaml', version: 3 });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const pb = r.definition;
    expect(pb).toMatchObject({
      name: 'sample',
      version: 3,
      enabled: true,
      priority: 10,
      mode: 'supervised',
      origin: 'file:/x/pb.yaml',
      trigger: { sources: ['crowdstrike'], incident_types: ['malware'], min_severity: 'medium' },
      sla: { time_to_triage_ms: 900_000, time_to_respond_ms: 14_400_000 },
    });
    expect(pb.stages.map((s) => [s.name, s.parallel, s.steps.length])).toEqual([
      ['enrich', true, 2],
      ['decide', false, 4],
    ]);
    expect(pb.stages[1]!.steps[1]).toEqual({
      id: 'stop-benign',
      kind: 'condition',
      if: [{ field: 'verdict.classification', op: 'eq', value: 'benign' }],
      then: 'stop',
      else: 'continue',
    });
    expect(pb.stages[1]!.steps[2]).toMatchObject({
      kind: 'propose_action',
      action: 'isolate_host',
      target: '{{indicator.hostname}}',
      on_verdict: ['malicious'],
      min_confidence: 0.8,
    });
    expect(pb.stages[1]!.steps[0]).toEqual({ id: 'analyze', kind: 'analyze', analyzer: 'auto' });
    expect(r.keys).not.toContain('enabled');
  });

  it('the full example of docs/PLAYBOOKS.md compiles', () => {
    const md = readFileSync(fileURLToPath(new URL('../../../docs/PLAYBOOKS.md', import.meta.url)), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
    const r = compilePlaybook(example, { file: 'docs/PLAYBOOKS.md', origin: 'api' });
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (r.ok)
      expect(r.definition.stages.flatMap((s) => s.steps.map((st) => st.kind))).toEqual([
        'enrich',
        'enrich',
        'analyze',
        'condition',
        'propose_action',
        'notify',
      ]);
  });

  it('every built-in compiles; the generic fallback has an empty trigger and the lowest priority', async () => {
    const { files, errors } = await readPlaybookFolder(BUILTIN, 'builtin');
    expect(errors).toEqual([]);
    const names = files.map((f) => f.definition.name).sort();
    expect(names).toEqual(['cloud-finding', 'generic', 'malware', 'phishing', 'suspicious-login']);
    const generic = files.find((f) => f.definition.name === 'generic')!.definition;
    expect(generic.trigger).toEqual({});
    for (const f of files) {
      expect(f.definition.origin).toBe('builtin');
      expect(f.definition.sla?.time_to_triage_ms).toBeGreaterThan(0);
      if (f.definition.name !== 'generic') expect(f.definition.priority).toBeGreaterThan(generic.priority);
    }
    const actions = files.flatMap((f) =>
      f.definition.stages.flatMap((s) => s.steps.filter((st) => st.kind === 'propose_action')),
    );
    expect(actions.map((a) => (a.kind === 'propose_action' ? `${a.action}:${a.target}` : ''))).toEqual(
      expect.arrayContaining([
        'isolate_host:{{indicator.hostname}}',
        'block_sender:{{indicator.sender}}',
        'disable_user:{{indicator.username}}',
      ]),
    );
  });

  // [what, document, line, field, message fragment]
  const cases: [string, string, number, string, string][] = [
    ['unknown top-level key', variant('priority: 10', 'priority: 10\nowner: bob'), 4, 'owner', 'unknown key'],
    [
      'unknown severity',
      variant('min_severity: medium', 'min_severity: severe'),
      8,
      'trigger.min_severity',
      'not one of',
    ],
    [
      'unknown incident type',
      variant('[malware]', '[malwares]'),
      7,
      'trigger.incident_types[0]',
      'not one of',
    ],
    [
      'unknown condition operator',
      variant('op: gte, value: 3', 'op: bigger, value: 3'),
      10,
      'trigger.conditions[0].op',
      'not one of',
    ],
    [
      'trigger reading the verdict',
      variant('field: alert.event.Severity', 'field: verdict.confidence'),
      10,
      'trigger.conditions[0].field',
      'a trigger can only read',
    ],
    [
      'duplicate step id',
      variant('      - id: net\n', '      - id: hashes\n'),
      18,
      'stages[0].steps[1].id',
      'is used by stages[0].steps[0] too',
    ],
    [
      'bad condition value in a when',
      variant('op: in, value: [high, critical]', 'op: in, value: high'),
      40,
      'stages[1].steps[3].when[0].value',
      'needs a list value',
    ],
    [
      'key of another step kind',
      variant('        kind: analyze\n', '        kind: analyze\n        channel: soc\n'),
      25,
      'stages[1].steps[0].channel',
      'does not apply to a analyze step',
    ],
    [
      'unknown step kind',
      variant('kind: analyze', 'kind: think'),
      24,
      'stages[1].steps[0].kind',
      'not one of',
    ],
    [
      'unknown template variable',
      variant('{{incident.title}}', '{{secrets.key}}'),
      38,
      'stages[1].steps[3].message',
      'unknown template variable',
    ],
    [
      'bad duration',
      variant('time_to_triage: 15m', 'time_to_triage: soon'),
      42,
      'sla.time_to_triage',
      'duration',
    ],
    [
      'bad regex',
      variant('op: gte, value: 3', 'op: matches, value: "(["'),
      10,
      'trigger.conditions[0].value',
      'regular expression',
    ],
    [
      'catastrophic regex',
      variant('op: gte, value: 3', 'op: matches, value: "^(a+)+$"'),
      10,
      'trigger.conditions[0].value',
      'repeated group',
    ],
    ['priority out of range', variant('priority: 10', 'priority: 5000'), 3, 'priority', 'integer from'],
    ['bad name', variant('name: sample', 'name: Sample Playbook'), 1, 'name', 'is not valid'],
    [
      'condition step in a parallel stage',
      variant('        kind: enrich\n        providers', '        kind: condition\n        providers'),
      18,
      'stages[0].steps[1].kind',
      'parallel',
    ],
    ['missing stages', 'name: x\ntrigger: {}\n', 1, 'stages', 'required'],
    ['duplicate key', variant('priority: 10', 'priority: 10\npriority: 11'), 4, '', 'unique'],
    ['alias', variant('priority: 10', 'priority: &p 10'), 3, 'priority', 'aliases'],
  ];

  for (const [what, doc, line, field, message] of cases) {
    it(`reports ${what} with file, line and field`, () => {
      const errors = errorsOf(doc);
      const hit = errors.find((e) => e.field === field && e.message.includes(message));
      expect(hit, JSON.stringify(errors, null, 1)).toBeDefined();
      expect(hit!.file).toBe('pb.yaml');
      expect(hit!.line).toBe(line);
      expect(hit!.column).toBeGreaterThan(0);
    });
  }

  it('never echoes long attacker input back', () => {
    const long = 'A'.repeat(5000);
    const errors = errorsOf(variant('priority: 10', `priority: 10\n${long}: x`));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.message.length).toBeLessThan(300);
    expect(JSON.stringify(errors)).not.toContain('A'.repeat(100));
  });

  it('refuses oversized documents, non-mappings and empty ones', () => {
    expect(errorsOf('x'.repeat(70_000))[0]!.message).toContain('larger than');
    expect(errorsOf('- a\n- b\n')[0]!.message).toContain('mapping');
    expect(errorsOf('')[0]!.message).toContain('empty');
    expect(errorsOf('a: [1, 2\n')[0]!.line).toBeGreaterThan(0);
  });

  it('caps the number of errors for a hostile document', () => {
    const doc = `name: x\nstages:\n${Array.from({ length: 20 }, (_, i) => `  - name: s${i}\n    steps:\n${Array.from({ length: 10 }, (_, j) => `      - { id: a${i}-${j}, kind: nope }`).join('\n')}`).join('\n')}\n`;
    const errors = errorsOf(doc);
    expect(errors.length).toBe(50);
  });

  it('durations: units like the configuration; a bare number is seconds', () => {
    expect(parsePlaybookDuration('90s')).toBe(90_000);
    expect(parsePlaybookDuration('1.5h')).toBe(5_400_000);
    expect(parsePlaybookDuration(60)).toBe(60_000);
    expect(parsePlaybookDuration('15 minutes')).toBeUndefined();
  });
});
