import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';

/** One problem in a playbook document, located for the person who wrote it. */
export interface PlaybookError {
  /** The file name given to the compiler (`<request>` for the API). */
  file: string;
  /** 1-based; 0 when the problem concerns the whole document. */
  line: number;
  column: number;
  /** Dotted path of the offending field, e.g. `stages[1].steps[0].when[0].op` (empty: the document). */
  field: string;
  message: string;
}

/** Longest piece of the author's input quoted back in an error (attacker-controlled on the API). */
const QUOTE_MAX = 40;
/** Errors reported for one document at most: a hostile document must not produce megabytes. */
export const MAX_ERRORS = 50;

/** A value quoted in an error message, cut and stripped of control characters. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return JSON.stringify(clean.length > QUOTE_MAX ? `${clean.slice(0, QUOTE_MAX)}…` : clean);
}

/**
 * Reads a YAML document node by node, keeping where each value was written, and collects errors
 * (never throws on bad input). Anchors, aliases and custom tags are refused: a playbook has no use
 * for them, and they are how YAML documents grow exponentially.
 */
export class YamlReader {
  readonly errors: PlaybookError[] = [];
  private readonly lines = new LineCounter();
  readonly root: Node | null;

  constructor(
    readonly file: string,
    source: string,
  ) {
    const doc = parseDocument(source, {
      lineCounter: this.lines,
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
      merge: false,
    });
    for (const e of [...doc.errors, ...doc.warnings]) {
      const [start] = e.pos;
      this.add(start, '', e.message.split('\n')[0]!.slice(0, 200));
    }
    this.root = doc.errors.length ? null : (doc.contents as Node | null);
  }

  /** Records an error at a source offset (or at the node's start). */
  add(at: number | Node | null | undefined, field: string, message: string): void {
    if (this.errors.length >= MAX_ERRORS) return;
    const offset = typeof at === 'number' ? at : (at?.range?.[0] ?? -1);
    const pos = offset >= 0 ? this.lines.linePos(offset) : { line: 0, col: 0 };
    this.errors.push({ file: this.file, line: pos.line, column: pos.col, field, message });
  }

  /**
   * A mapping's entries by key, or undefined (error recorded) when `node` is not a mapping. Keys not
   * in `allowed` are reported (with the key's own position) and left out.
   */
  map(
    node: Node | null | undefined,
    field: string,
    allowed: readonly string[],
  ): Map<string, Entry> | undefined {
    if (!this.plain(node, field)) return undefined;
    if (!isMap(node)) {
      this.add(node, field, 'must be a mapping (key: value)');
      return undefined;
    }
    const out = new Map<string, Entry>();
    for (const pair of node.items as Pair<Node | null, Node | null>[]) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.add(key ?? node, field, 'keys must be plain strings');
        continue;
      }
      const name = key.value;
      const path = field ? `${field}.${name}` : name;
      if (!allowed.includes(name)) {
        this.add(key, path, `unknown key ${quote(name)} (allowed: ${allowed.join(', ')})`);
        continue;
      }
      out.set(name, { key, value: pair.value, field: path });
    }
    return out;
  }

  /** The items of a sequence (error recorded and undefined when it is not one or is too long). */
  seq(node: Node | null | undefined, field: string, max: number): Node[] | undefined {
    if (!this.plain(node, field)) return undefined;
    if (!isSeq(node)) {
      this.add(node, field, 'must be a list');
      return undefined;
    }
    if (node.items.length > max) {
      this.add(node, field, `at most ${max} entries (got ${node.items.length})`);
      return undefined;
    }
    return node.items as Node[];
  }

  /** A scalar's JavaScript value (string, number, boolean, null), or undefined after an error. */
  scalar(node: Node | null | undefined, field: string): string | number | boolean | null | undefined {
    if (!this.plain(node, field)) return undefined;
    if (!isScalar(node)) {
      this.add(node, field, 'must be a single value, not a list or mapping');
      return undefined;
    }
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.add(node, field, 'unsupported value');
    return undefined;
  }

  string(
    node: Node | null | undefined,
    field: string,
    opts: { max: number; pattern?: RegExp; hint?: string },
  ) {
    const v = this.scalar(node, field);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      this.add(node, field, `must be a string${opts.hint ? ` (${opts.hint})` : ''}`);
      return undefined;
    }
    if (v.length > opts.max) {
      this.add(node, field, `longer than ${opts.max} characters`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.add(node, field, `${quote(v)} is not valid${opts.hint ? ` (${opts.hint})` : ''}`);
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(node: Node | null | undefined, field: string, values: readonly T[]): T | undefined {
    const v = this.scalar(node, field);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.add(node, field, `${quote(v)} is not one of: ${values.join(', ')}`);
      return undefined;
    }
    return v as T;
  }

  number(node: Node | null | undefined, field: string, min: number, max: number, integer = false) {
    const v = this.scalar(node, field);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || (integer && !Number.isInteger(v)) || v < min || v > max) {
      this.add(node, field, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  boolean(node: Node | null | undefined, field: string): boolean | undefined {
    const v = this.scalar(node, field);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.add(node, field, 'must be true or false');
      return undefined;
    }
    return v;
  }

  /** Refuses aliases, anchors and explicit tags; true for a node that may be read. */
  private plain(node: Node | null | undefined, field: string): node is Node {
    if (node === null || node === undefined) {
      this.add(node, field, 'has no value');
      return false;
    }
    if (isAlias(node) || (node as { anchor?: string }).anchor) {
      this.add(node, field, 'anchors and aliases are not supported');
      return false;
    }
    if ((node as { tag?: string }).tag) {
      this.add(node, field, 'explicit YAML tags are not supported');
      return false;
    }
    return true;
  }
}

/** A mapping entry: its key node (for positions), value node and dotted path. */
export interface Entry {
  key: Node;
  value: Node | null;
  field: string;
}
