// The subset renderer behind the chart checks (deploy/tools/go-template.ts): Go/Helm semantics that
// the chart relies on, and a loud failure for anything outside the subset.
import { describe, expect, it } from 'vitest';
import { execute, goFloat, newTemplates, parseFile } from '../../deploy/tools/go-template.ts';

function run(src: string, data: unknown = {}, helpers = ''): string {
  const set = newTemplates();
  if (helpers) parseFile(set, '_helpers.tpl', helpers);
  parseFile(set, 't.yaml', src);
  return execute(set, 't.yaml', data);
}

describe('go-template subset', () => {
  it('trims whitespace on the marked side only', () => {
    expect(run('a  {{- "b" }}  c')).toBe('ab  c');
    expect(run('a  {{ "b" -}}  \n c')).toBe('a  bc');
    expect(run('x:\n  {{- if true }}\n  y: 1\n  {{- end }}\n')).toBe('x:\n  y: 1\n');
  });

  it('keeps a negative number literal, which is not a trim marker', () => {
    expect(run('{{-3}}')).toBe('-3');
  });

  it('prints values numbers like Go prints a float64', () => {
    expect(goFloat(3)).toBe('3');
    expect(goFloat(0.5)).toBe('0.5');
    expect(goFloat(100000)).toBe('100000');
    expect(goFloat(1000000)).toBe('1e+06');
    expect(goFloat(1234567)).toBe('1.234567e+06');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(run('{{ .n }}', { n: 1000000 })).toBe('1e+06');
  });

  it('applies Go truthiness and sprig default (false and 0 count as empty)', () => {
    expect(run('{{ if .a }}y{{ else }}n{{ end }}', { a: [] })).toBe('n');
    expect(run('{{ if .a }}y{{ else }}n{{ end }}', { a: {} })).toBe('n');
    expect(run('{{ if .a }}y{{ else }}n{{ end }}', { a: '0' })).toBe('y');
    expect(run('{{ .a | default true }}', { a: false })).toBe('true');
    expect(run('{{ .a | default 5 }}', { a: 0 })).toBe('5');
    expect(run('{{ default "d" .a }}', { a: 'v' })).toBe('v');
  });

  it('prints a missing key as empty but fails on a field of nil', () => {
    expect(run('[{{ .a.missing }}]', { a: {} })).toBe('[]');
    expect(() => run('{{ .a.b.c }}', { a: {} })).toThrow(/nil pointer evaluating/);
  });

  it('ranges over maps in sorted key order, with variables', () => {
    expect(run('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } })).toBe(
      'a=1;b=2;',
    );
    expect(run('{{ range .l }}[{{ . }}]{{ else }}none{{ end }}', { l: [] })).toBe('none');
    expect(run('{{ range $i, $e := .l }}{{ if $i }},{{ end }}{{ $e }}{{ end }}', { l: ['x', 'y'] })).toBe(
      'x,y',
    );
  });

  it('keeps $ as the root inside range and with', () => {
    expect(run('{{ range .l }}{{ $.name }}-{{ . }} {{ end }}', { name: 'r', l: [1, 2] })).toBe('r-1 r-2 ');
    expect(run('{{ with .a }}{{ .b }}/{{ $.c }}{{ end }}', { a: { b: 'B' }, c: 'C' })).toBe('B/C');
  });

  it('assigns to an outer variable with =', () => {
    expect(run('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}')).toBe('b');
  });

  it('supports define/include with nindent and toYaml', () => {
    const helpers = '{{- define "labels" -}}\napp: {{ .name }}\n{{- end }}';
    expect(run('m:\n  {{- include "labels" . | nindent 2 }}', { name: 'x' }, helpers)).toBe('m:\n  app: x');
    expect(run('r:\n  {{- toYaml .r | nindent 2 }}', { r: { b: [1, 2], a: 'x' } })).toBe(
      'r:\n  a: x\n  b:\n  - 1\n  - 2',
    );
  });

  it('quotes like sprig (nil gives nothing) and formats with printf', () => {
    expect(run('{{ .a | quote }}', { a: 'say "hi"' })).toBe('"say \\"hi\\""');
    expect(run('[{{ .missing | quote }}]', {})).toBe('[]');
    expect(run('{{ printf "%s-%v %d%%" "a" 0.5 3 }}')).toBe('a-0.5 3%');
  });

  it('reads strings containing braces inside an action', () => {
    expect(run('{{ "{{ $value }}" }}')).toBe('{{ $value }}');
  });

  it('refuses what is outside the subset instead of guessing', () => {
    expect(() => run('{{ tpl "x" . }}')).toThrow(/outside the supported subset/);
    expect(() => run('{{ template "x" . }}')).toThrow(/outside the supported subset/);
    expect(() => run('{{ if eq .n 3 }}{{ end }}', { n: 3 })).toThrow(/strings and booleans only/);
    expect(() => run('{{ .m }}', { m: { a: 1 } })).toThrow(/use toYaml/);
    expect(() => run('{{ if true }}x')).toThrow(/missing \{\{ end \}\}/);
  });

  it('fails with the message of required and fail', () => {
    expect(() => run('{{ required "set x" .x }}', {})).toThrow('set x');
    expect(() => run('{{ fail "nope" }}')).toThrow('nope');
  });
});
