/**
 * A small interpreter for the subset of Go `text/template` (plus the few Sprig/Helm functions) that
 * the Triage Warden Helm chart is written in. It exists so the chart can be rendered and checked on a
 * machine without `helm`; it is a check tool, not a Helm replacement.
 *
 * Supported — and nothing else (anything outside the subset is an error, never a silent guess):
 * - text with actions `{{ … }}`, trim markers `{{- ` / ` -}}`, comments `{{/* … *\/}}`;
 * - `if` / `else if` / `else` / `end`, `with` / `else`, `range` (lists and maps, maps in sorted key
 *   order, optional `$v :=` or `$k, $v :=`), `define` + `include`;
 * - operands: `.`, `.A.B`, `$`, `$x`, `$x.A`, string / raw-string / number / bool / nil literals,
 *   parenthesised pipelines; pipelines with `|`; variables `$x := …` and `$x = …`;
 * - functions: quote, squote, toYaml, toJson, indent, nindent, default, empty, required, fail, eq, ne,
 *   not, and, or, printf (%s %d %v %q), trunc, trimSuffix, replace, contains, hasKey, index, toString,
 *   b64enc, sha256sum, lower, upper, include.
 *
 * Semantics follow Go and Helm where they are famous for surprising people: truthiness (0, "", false,
 * nil and empty collections are false), `default` treating `false` and `0` as empty, numbers from
 * values printed like Go prints a float64 (`1e+06`), a missing map key printing as "", a field of
 * nil failing. `eq`/`ne` accept strings and booleans only (Go refuses to compare a values number,
 * a float64, with an int literal). `toYaml` is semantically — not byte-for-byte — what Helm emits.
 */
import { createHash } from 'node:crypto';
import { stringify as yamlStringify } from 'yaml';

export type Value = unknown;

// ---------------------------------------------------------------- lexing into text / action pieces

interface TextPiece {
  kind: 'text';
  text: string;
}
interface ActionPiece {
  kind: 'action';
  src: string;
  where: string;
}
type Piece = TextPiece | ActionPiece;

const SPACE = /[ \t\r\n]/;

function split(source: string, file: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = open < 0 ? source.slice(i) : source.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      pieces.push({ kind: 'text', text });
      break;
    }
    let j = open + 2;
    const trimLeft = source[j] === '-' && SPACE.test(source[j + 1] ?? '');
    if (trimLeft) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 2;
    }
    pieces.push({ kind: 'text', text });
    // Find the closing `}}`, skipping quoted strings (which may contain braces).
    let k = j;
    let quote: string | null = null;
    for (; k < source.length; k++) {
      const c = source[k]!;
      if (quote) {
        if (c === '\\' && quote === '"') k++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === '`') quote = c;
      else if (c === '}' && source[k + 1] === '}') break;
    }
    if (k >= source.length) throw new TemplateError(`${file}:${lineOf(source, open)}: unclosed action`);
    let inner = source.slice(j, k);
    trimNext = false;
    if (/[ \t\r\n]-$/.test(inner)) {
      inner = inner.slice(0, -1);
      trimNext = true;
    }
    pieces.push({ kind: 'action', src: inner.trim(), where: `${file}:${lineOf(source, open)}` });
    i = k + 2;
  }
  return pieces;
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------- tokens and expressions

type Token =
  | { t: 'field'; path: string[] } // `.` is path []
  | { t: 'var'; name: string; path: string[] } // `$` is name ''
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'punct'; value: '(' | ')' | '|' | ':=' | '=' | ',' };

function tokenize(src: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new TemplateError(`${where}: ${msg} in {{ ${src} }}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) fail('unterminated string');
      out.push({ t: 'string', value: JSON.parse(src.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) fail('unterminated raw string');
      out.push({ t: 'string', value: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === ':' && src[i + 1] === '=') {
      out.push({ t: 'punct', value: ':=' });
      i += 2;
      continue;
    }
    if ('()|=,'.includes(c)) {
      out.push({ t: 'punct', value: c as '(' | ')' | '|' | '=' | ',' });
      i++;
      continue;
    }
    const word = /^[^\s()|=,]+/.exec(src.slice(i))![0];
    i += word.length;
    if (word.startsWith('.')) {
      const path = word === '.' ? [] : word.slice(1).split('.');
      if (path.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) fail(`bad field ${word}`);
      out.push({ t: 'field', path });
    } else if (word.startsWith('$')) {
      const [name, ...path] = word.slice(1).split('.');
      if (!/^[A-Za-z0-9_]*$/.test(name!)) fail(`bad variable ${word}`);
      out.push({ t: 'var', name: name!, path });
    } else if (/^-?\d+(\.\d+)?$/.test(word)) {
      out.push({ t: 'number', value: Number(word) });
    } else if (word === 'true' || word === 'false') {
      out.push({ t: 'bool', value: word === 'true' });
    } else if (word === 'nil') {
      out.push({ t: 'nil' });
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) {
      out.push({ t: 'ident', name: word });
    } else {
      fail(`unsupported token ${word}`);
    }
  }
  return out;
}

type Operand =
  | { o: 'field'; path: string[] }
  | { o: 'var'; name: string; path: string[] }
  | { o: 'literal'; value: Value }
  | { o: 'pipe'; pipe: Pipeline };
interface Command {
  fn: string | null; // null: a bare operand
  args: Operand[];
}
interface Pipeline {
  decl: string[]; // variables declared (`:=`) or assigned (`=`)
  assign: boolean;
  cmds: Command[];
  where: string;
}

function parsePipeline(tokens: Token[], where: string, src: string): Pipeline {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new TemplateError(`${where}: ${msg} in {{ ${src} }}`);
  };
  const decl: string[] = [];
  let assign = false;
  // `$a := …`, `$a = …`, `$k, $v := …`
  const declEnd = tokens.findIndex((t) => t.t === 'punct' && (t.value === ':=' || t.value === '='));
  if (
    declEnd > 0 &&
    tokens.slice(0, declEnd).every((t) => t.t === 'var' || (t.t === 'punct' && t.value === ','))
  ) {
    for (const t of tokens.slice(0, declEnd)) if (t.t === 'var') decl.push(t.name);
    assign = (tokens[declEnd] as { value: string }).value === '=';
    pos = declEnd + 1;
  }
  const parseCmds = (closing: boolean): Command[] => {
    const cmds: Command[] = [];
    let args: Operand[] = [];
    let fn: string | null = null;
    const flush = () => {
      if (!fn && args.length === 0) fail('empty command');
      if (!fn && args.length > 1) fail('a value cannot take arguments');
      cmds.push({ fn, args });
      fn = null;
      args = [];
    };
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if (tok.t === 'punct') {
        if (tok.value === '|') {
          flush();
          continue;
        }
        if (tok.value === ')') {
          if (!closing) fail('unexpected )');
          flush();
          return cmds;
        }
        if (tok.value === '(') {
          const inner = parseCmds(true);
          args.push({ o: 'pipe', pipe: { decl: [], assign: false, cmds: inner, where } });
          continue;
        }
        fail(`unexpected ${tok.value}`);
      }
      if (tok.t === 'ident') {
        if (fn || args.length) {
          args.push({
            o: 'literal',
            value: fail(`function ${tok.name} used as an argument (wrap it in parentheses)`),
          });
        }
        fn = tok.name;
        continue;
      }
      if (tok.t === 'field') args.push({ o: 'field', path: tok.path });
      else if (tok.t === 'var') args.push({ o: 'var', name: tok.name, path: tok.path });
      else if (tok.t === 'nil') args.push({ o: 'literal', value: null });
      else args.push({ o: 'literal', value: tok.value });
    }
    if (closing) fail('missing )');
    flush();
    return cmds;
  };
  const cmds = parseCmds(false);
  return { decl, assign, cmds, where };
}

// ---------------------------------------------------------------- tree

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if'; branches: { pipe: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { n: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { n: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] };

export interface Templates {
  /** Named templates from `define`. */
  defines: Map<string, Node[]>;
  /** Top-level body of each file. */
  files: Map<string, Node[]>;
}

export function newTemplates(): Templates {
  return { defines: new Map(), files: new Map() };
}

/** Parses one file into `set` (its `define`s become available to every file's `include`). */
export function parseFile(set: Templates, file: string, source: string): void {
  const pieces = split(source, file);
  let pos = 0;
  type Frame = { kind: 'root' | 'if' | 'with' | 'range' | 'define'; end?: string };
  const parseBlock = (frame: Frame): { body: Node[]; stop: string; rest?: string; where?: string } => {
    const body: Node[] = [];
    while (pos < pieces.length) {
      const p = pieces[pos++]!;
      if (p.kind === 'text') {
        if (p.text) body.push({ n: 'text', text: p.text });
        continue;
      }
      const src = p.src;
      if (src.startsWith('/*')) {
        if (!src.endsWith('*/')) throw new TemplateError(`${p.where}: bad comment`);
        continue;
      }
      const [keyword, ...restWords] = src.split(/\s+/);
      const rest = src.slice(keyword!.length).trim();
      const pipe = () => parsePipeline(tokenize(rest, p.where), p.where, src);
      switch (keyword) {
        case 'end':
        case 'else':
          if (frame.kind === 'root') throw new TemplateError(`${p.where}: unexpected {{ ${src} }}`);
          return { body, stop: keyword, rest, where: p.where };
        case 'if': {
          const branches = [{ pipe: pipe(), body: [] as Node[] }];
          let otherwise: Node[] = [];
          for (;;) {
            const r = parseBlock({ kind: 'if' });
            branches[branches.length - 1]!.body = r.body;
            if (r.stop === 'end') break;
            if (r.rest && r.rest.startsWith('if ')) {
              const cond = r.rest.slice(3).trim();
              branches.push({ pipe: parsePipeline(tokenize(cond, r.where!), r.where!, cond), body: [] });
              continue;
            }
            if (r.rest) throw new TemplateError(`${r.where}: unsupported else form: else ${r.rest}`);
            const tail = parseBlock({ kind: 'if' });
            if (tail.stop !== 'end') throw new TemplateError(`${tail.where}: else after else`);
            otherwise = tail.body;
            break;
          }
          body.push({ n: 'if', branches, otherwise });
          break;
        }
        case 'with':
        case 'range': {
          const head = pipe();
          const r = parseBlock({ kind: keyword });
          let otherwise: Node[] = [];
          if (r.stop === 'else') {
            if (r.rest) throw new TemplateError(`${r.where}: unsupported else form in ${keyword}`);
            const tail = parseBlock({ kind: keyword });
            if (tail.stop !== 'end') throw new TemplateError(`${tail.where}: else after else`);
            otherwise = tail.body;
          }
          body.push({ n: keyword, pipe: head, body: r.body, otherwise });
          break;
        }
        case 'define': {
          if (frame.kind !== 'root') throw new TemplateError(`${p.where}: define must be at top level`);
          const name = /^"([^"]+)"$/.exec(rest)?.[1];
          if (!name) throw new TemplateError(`${p.where}: define needs a quoted name`);
          const r = parseBlock({ kind: 'define' });
          if (r.stop !== 'end') throw new TemplateError(`${p.where}: define without end`);
          set.defines.set(name, r.body);
          break;
        }
        case 'template':
        case 'block':
        case 'break':
        case 'continue':
        case 'tpl':
          throw new TemplateError(`${p.where}: {{ ${keyword} }} is outside the supported subset`);
        default:
          void restWords;
          body.push({ n: 'action', pipe: parsePipeline(tokenize(src, p.where), p.where, src) });
      }
    }
    if (frame.kind !== 'root') throw new TemplateError(`${file}: missing {{ end }} for ${frame.kind}`);
    return { body, stop: 'eof' };
  };
  set.files.set(file, parseBlock({ kind: 'root' }).body);
}

// ---------------------------------------------------------------- evaluation

type Scope = Map<string, Value>[];

class Exec {
  constructor(private readonly set: Templates) {}

  run(nodes: Node[], dot: Value, scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot, scope);
          if (node.pipe.decl.length === 0) out += printValue(v, node.pipe.where);
          break;
        }
        case 'if': {
          let done = false;
          scope.push(new Map());
          for (const b of node.branches) {
            if (truthy(this.pipeline(b.pipe, dot, scope))) {
              out += this.block(b.body, dot, scope);
              done = true;
              break;
            }
          }
          if (!done) out += this.block(node.otherwise, dot, scope);
          scope.pop();
          break;
        }
        case 'with': {
          scope.push(new Map());
          const v = this.pipeline(node.pipe, dot, scope);
          out += truthy(v) ? this.block(node.body, v, scope) : this.block(node.otherwise, dot, scope);
          scope.pop();
          break;
        }
        case 'range': {
          const { decl } = node.pipe;
          const v = this.pipeline({ ...node.pipe, decl: [] }, dot, scope);
          const entries: [Value, Value][] = Array.isArray(v)
            ? v.map((e, i) => [i, e])
            : isMap(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => [k, v[k]])
              : v === null || v === undefined
                ? []
                : fail(`${node.pipe.where}: range over ${typeof v}`);
          if (entries.length === 0) {
            out += this.block(node.otherwise, dot, scope);
            break;
          }
          for (const [k, e] of entries) {
            const frame = new Map<string, Value>();
            if (decl.length === 1) frame.set(decl[0]!, e);
            if (decl.length === 2) {
              frame.set(decl[0]!, k);
              frame.set(decl[1]!, e);
            }
            scope.push(frame);
            out += this.run(node.body, e, scope);
            scope.pop();
          }
          break;
        }
      }
    }
    return out;
  }

  private block(nodes: Node[], dot: Value, scope: Scope): string {
    scope.push(new Map());
    try {
      return this.run(nodes, dot, scope);
    } finally {
      scope.pop();
    }
  }

  pipeline(pipe: Pipeline, dot: Value, scope: Scope): Value {
    let value: Value = undefined;
    pipe.cmds.forEach((cmd, i) => {
      const args = cmd.args.map((a) => this.operand(a, dot, scope, pipe.where));
      if (i > 0) args.push(value);
      if (cmd.fn === null) {
        if (i > 0) fail(`${pipe.where}: only a function can follow |`);
        value = args[0];
      } else {
        value = this.call(cmd.fn, args, cmd.args, dot, scope, pipe.where);
      }
    });
    if (pipe.decl.length > 0) {
      if (pipe.decl.length > 1) fail(`${pipe.where}: only range declares two variables`);
      const name = pipe.decl[0]!;
      if (pipe.assign) {
        const frame = [...scope].reverse().find((f) => f.has(name));
        if (!frame) fail(`${pipe.where}: undefined variable $${name}`);
        frame!.set(name, value);
      } else {
        scope[scope.length - 1]!.set(name, value);
      }
    }
    return value;
  }

  private operand(a: Operand, dot: Value, scope: Scope, where: string): Value {
    switch (a.o) {
      case 'literal':
        return a.value;
      case 'pipe':
        return this.pipeline(a.pipe, dot, scope);
      case 'field':
        return walk(dot, a.path, where, '.');
      case 'var': {
        const frame = [...scope].reverse().find((f) => f.has(a.name));
        if (!frame) fail(`${where}: undefined variable $${a.name}`);
        return walk(frame!.get(a.name), a.path, where, `$${a.name}`);
      }
    }
  }

  private call(fn: string, args: Value[], raw: Operand[], dot: Value, scope: Scope, where: string): Value {
    const need = (n: number) => {
      if (args.length !== n) fail(`${where}: ${fn} takes ${n} argument(s), got ${args.length}`);
    };
    switch (fn) {
      case 'quote':
        return args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => JSON.stringify(strval(a, where)))
          .join(' ');
      case 'squote':
        return args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => `'${strval(a, where)}'`)
          .join(' ');
      case 'toString':
        need(1);
        return strval(args[0], where);
      case 'toYaml':
        need(1);
        return toYaml(args[0]);
      case 'toJson':
        need(1);
        return JSON.stringify(args[0] ?? null);
      case 'indent':
      case 'nindent': {
        need(2);
        const n = args[0];
        if (typeof n !== 'number') fail(`${where}: ${fn} needs a number first`);
        const pad = ' '.repeat(n as number);
        const text = pad + strval(args[1], where).replace(/\n/g, `\n${pad}`);
        return fn === 'nindent' ? `\n${text}` : text;
      }
      case 'default':
        if (args.length === 1) return args[0];
        need(2);
        return empty(args[1]) ? args[0] : args[1];
      case 'empty':
        need(1);
        return empty(args[0]);
      case 'required':
        need(2);
        if (args[1] === null || args[1] === undefined || args[1] === '')
          throw new TemplateError(String(args[0]));
        return args[1];
      case 'fail':
        need(1);
        throw new TemplateError(String(args[0]));
      case 'eq':
      case 'ne': {
        if (args.length < 2) fail(`${where}: ${fn} needs two arguments`);
        for (const a of args) {
          if (typeof a !== 'string' && typeof a !== 'boolean') {
            fail(
              `${where}: ${fn} compares strings and booleans only in this subset (got ${a === null ? 'nil' : typeof a})`,
            );
          }
        }
        if (fn === 'ne') {
          need(2);
          return args[0] !== args[1];
        }
        return args.slice(1).some((b) => b === args[0]);
      }
      case 'not':
        need(1);
        return !truthy(args[0]);
      case 'and': {
        // Go 1.18+: short-circuits, returns the first falsy argument or the last one.
        if (args.length < 2) fail(`${where}: and needs two arguments`);
        for (const a of args) if (!truthy(a)) return a;
        return args[args.length - 1];
      }
      case 'or': {
        if (args.length < 2) fail(`${where}: or needs two arguments`);
        for (const a of args) if (truthy(a)) return a;
        return args[args.length - 1];
      }
      case 'printf': {
        const [format, ...rest] = args;
        if (typeof format !== 'string') fail(`${where}: printf needs a format string`);
        let k = 0;
        return (format as string).replace(/%([sdvq%])/g, (_m, verb: string) => {
          if (verb === '%') return '%';
          const v = rest[k++];
          if (verb === 'q') return JSON.stringify(strval(v, where));
          if (verb === 'd' && typeof v !== 'number') fail(`${where}: %d of a non-number`);
          return strval(v, where);
        });
      }
      case 'trunc': {
        need(2);
        const s = strval(args[1], where);
        const n = args[0] as number;
        return n >= 0 ? s.slice(0, n) : s.slice(Math.max(0, s.length + n));
      }
      case 'trimSuffix': {
        need(2);
        const [suffix, s] = [strval(args[0], where), strval(args[1], where)];
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'contains':
        need(2);
        return strval(args[1], where).includes(strval(args[0], where));
      case 'hasKey':
        need(2);
        return isMap(args[0]) && Object.prototype.hasOwnProperty.call(args[0], String(args[1]));
      case 'b64enc':
        need(1);
        return Buffer.from(strval(args[0], where), 'utf8').toString('base64');
      case 'replace':
        need(3);
        return strval(args[2], where).split(strval(args[0], where)).join(strval(args[1], where));
      case 'sha256sum':
        need(1);
        return createHash('sha256').update(strval(args[0], where)).digest('hex');
      case 'index': {
        if (args.length < 2) fail(`${where}: index needs a collection and a key`);
        let v = args[0];
        for (const key of args.slice(1)) {
          if (Array.isArray(v) && typeof key === 'number') v = v[key];
          else if (isMap(v)) v = Object.prototype.hasOwnProperty.call(v, String(key)) ? v[String(key)] : null;
          else if (v === null || v === undefined) fail(`${where}: index of nil`);
          else fail(`${where}: cannot index a ${typeof v}`);
        }
        return v ?? null;
      }
      case 'lower':
        need(1);
        return strval(args[0], where).toLowerCase();
      case 'upper':
        need(1);
        return strval(args[0], where).toUpperCase();
      case 'include': {
        need(2);
        const name = args[0];
        if (typeof name !== 'string') fail(`${where}: include needs a template name`);
        const body = this.set.defines.get(name as string);
        if (!body) fail(`${where}: no template "${String(name)}"`);
        return this.run(body!, args[1], [new Map([['', args[1]]])]);
      }
      default:
        void raw;
        void dot;
        return fail(`${where}: function "${fn}" is outside the supported subset`);
    }
  }
}

/** Renders `file` (already parsed into `set`) with `data` as both `.` and `$`. */
export function execute(set: Templates, file: string, data: Value): string {
  const body = set.files.get(file);
  if (!body) throw new TemplateError(`no file ${file}`);
  return new Exec(set).run(body, data, [new Map([['', data]])]);
}

// ---------------------------------------------------------------- helpers with Go/Sprig semantics

function fail(msg: string): never {
  throw new TemplateError(msg);
}

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(start: Value, path: string[], where: string, from: string): Value {
  let v = start;
  let at = from;
  for (const key of path) {
    if (v === null || v === undefined) fail(`${where}: nil pointer evaluating ${at}.${key}`);
    if (!isMap(v))
      fail(`${where}: can't evaluate field ${key} in ${at} (a ${Array.isArray(v) ? 'list' : typeof v})`);
    v = Object.prototype.hasOwnProperty.call(v, key) ? v[key] : null;
    at = `${at === '.' ? '' : at}.${key}`;
  }
  return v;
}

/** Go template truth: false, 0, nil, "" and empty collections are false. */
export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Sprig `empty`. */
function empty(v: Value): boolean {
  return !truthy(v);
}

/** How Go's fmt prints a float64 with %v (values numbers are float64 in Helm). */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  // %v is %g with the shortest representation, which switches to exponent form when
  // exp < -4 || exp >= 6 (strconv uses precision 6 for that decision): 1000000 prints as 1e+06.
  if (exp < -4 || exp >= 6) {
    const [mant, e] = n.toExponential().split('e') as [string, string];
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(n);
}

function strval(v: Value, where: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  return fail(`${where}: cannot print a ${Array.isArray(v) ? 'list' : 'map'} as text; use toYaml`);
}

function printValue(v: Value, where: string): string {
  return strval(v, where);
}

/** Helm's toYaml: sorted keys, no trailing newline, `null` for nil. */
export function toYaml(v: Value): string {
  if (v === null || v === undefined) return 'null';
  return yamlStringify(v, {
    sortMapEntries: true,
    indentSeq: false,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  }).replace(/\n$/, '');
}
