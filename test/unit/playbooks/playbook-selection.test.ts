import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../../src/core/playbooks/playbook.compiler.ts';
import type { PlaybookDefinition, PlaybookSubject } from '../../../src/core/playbooks/playbook.model.ts';
import {
  bySelectionOrder,
  readsAlert,
  selectPlaybook,
} from '../../../src/core/playbooks/playbook.selection.ts';

function pb(name: string, priority: number, trigger: string, enabled = true): PlaybookDefinition {
  const yaml = `name: ${name}\npriority: ${priority}\nenabled: ${enabled}\ntrigger: ${trigger}\nstages:\n  - name: s\n    steps:\n      - { id: a, kind: analyze }\n`;
  const r = compilePlaybook(yaml, { file: name, origin: 'api' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

const subject = (over: Partial<PlaybookSubject['incident']> = {}, alert?: unknown): PlaybookSubject => ({
  incident: {
    id: 'i',
    source: 'crowdstrike',
    incident_type: 'malware',
    severity: 'high',
    title: 'x',
    ...over,
  },
  ...(alert !== undefined ? { alert } : {}),
});

describe('playbook selection', () => {
  const fallback = pb('generic', -1000, '{}');

  it('highest priority wins, ties go to the name; disabled ones are skipped; fallback when none match', () => {
    const set = [
      pb('b-malware', 10, '{ incident_types: [malware] }'),
      pb('a-malware', 10, '{ incident_types: [malware] }'),
      pb('top-disabled', 99, '{ incident_types: [malware] }', false),
      pb('phishing', 50, '{ incident_types: [phishing] }'),
      pb('low-any', 1, '{}'),
    ].sort(bySelectionOrder);
    expect(set.map((p) => p.name)).toEqual(['top-disabled', 'phishing', 'a-malware', 'b-malware', 'low-any']);
    expect(selectPlaybook(set, subject(), fallback).name).toBe('a-malware');
    expect(selectPlaybook(set, subject({ incident_type: 'phishing' }), fallback).name).toBe('phishing');
    expect(selectPlaybook(set, subject({ incident_type: 'other' }), fallback).name).toBe('low-any');
    expect(selectPlaybook([], subject(), fallback).name).toBe('generic');
  });

  it('sources, minimum severity and conditions on incident columns and the alert all must hold', () => {
    const p = pb(
      'edr-high',
      5,
      `{ sources: [crowdstrike], min_severity: high, conditions: [{ field: alert.event.Technique, op: eq, value: T1059 }, { field: incident.title, op: contains, value: powershell }] }`,
    );
    const ok = subject(
      { title: 'PowerShell spawned', source: 'CrowdStrike' },
      { event: { Technique: 't1059' } },
    );
    expect(selectPlaybook([p], ok, fallback).name).toBe('edr-high');
    expect(
      selectPlaybook([p], { ...ok, incident: { ...ok.incident, severity: 'medium' } }, fallback).name,
    ).toBe('generic');
    expect(selectPlaybook([p], { ...ok, incident: { ...ok.incident, source: 'okta' } }, fallback).name).toBe(
      'generic',
    );
    expect(selectPlaybook([p], subject({ title: 'PowerShell spawned' }), fallback).name).toBe('generic');
    expect(
      selectPlaybook([p], subject({ title: 'PowerShell' }, { event: { Technique: 'T1003' } }), fallback).name,
    ).toBe('generic');
    expect(readsAlert([p])).toBe(true);
    expect(readsAlert([fallback])).toBe(false);
  });
});

describe('nested-quantifier check for matches', () => {
  it('flags repeated groups that repeat inside, not plain patterns', async () => {
    const { hasNestedQuantifier } = await import('../../../src/core/playbooks/regex-safety.ts');
    for (const p of ['(a+)+$', '(\\w*x)*', '(a|b+){2,}', '((ab)+c)+'])
      expect(hasNestedQuantifier(p), p).toBe(true);
    for (const p of ['(winword|excel)\\.exe$', '^a+b*$', '(ab)+', '[(+)]+', '(a{2})+', '\\(a+\\)+'])
      expect(hasNestedQuantifier(p), p).toBe(false);
  });
});
