import { isMap, isScalar, type Node } from 'yaml';
import {
  ACTION_TYPES,
  CLASSIFICATIONS,
  INCIDENT_TYPES,
  INDICATOR_TYPES,
  OPERATION_MODES,
  SEVERITIES,
} from '../../contracts/index.ts';
import type {
  Condition,
  PlaybookDefinition,
  PlaybookSla,
  PlaybookStage,
  PlaybookStep,
  PlaybookTrigger,
  StepKind,
} from './playbook.model.ts';
import { CompilerParts, LIMITS } from './compiler.parts.ts';
import { YamlReader, quote, type Entry, type PlaybookError } from './yaml-reader.ts';

export type { PlaybookError } from './yaml-reader.ts';

/** Playbook names: also metric labels and file names, so short and plain. */
export const PLAYBOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Largest playbook document accepted (bytes of UTF-8). */
export const MAX_PLAYBOOK_BYTES = 64 * 1024;

export { LIMITS } from './compiler.parts.ts';

const STEP_KINDS: readonly StepKind[] = ['enrich', 'analyze', 'condition', 'propose_action', 'notify'];
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const WORD = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const VERB = /^[a-z][a-z0-9_]{0,63}$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export interface CompileOptions {
  /** Named in every error: the file path, or `<request>` for the API. */
  file: string;
  /** `builtin`, `file:<path>` or `api`. */
  origin: string;
  /** The stored version (default 1). */
  version?: number;
}

export type CompileResult =
  /** `keys`: the top-level keys the document sets (to tell `enabled: true` from no `enabled`). */
  { ok: true; definition: PlaybookDefinition; keys: string[] } | { ok: false; errors: PlaybookError[] };

/**
 * Parses and validates one playbook document (docs/PLAYBOOKS.md) into the form the pipeline runs.
 * Strict: unknown keys, values outside the vocabulary, duplicate step ids, invalid conditions and
 * templates are all reported, each with file, line, column and the dotted field path. Never throws
 * on bad input; quoted input in messages is cut to a few dozen characters.
 */
export function compilePlaybook(source: string, options: CompileOptions): CompileResult {
  const file = options.file;
  if (Buffer.byteLength(source, 'utf8') > MAX_PLAYBOOK_BYTES) {
    return {
      ok: false,
      errors: [{ file, line: 0, column: 0, field: '', message: `larger than ${MAX_PLAYBOOK_BYTES} bytes` }],
    };
  }
  const r = new YamlReader(file, source);
  if (r.errors.length || !r.root) {
    if (!r.errors.length) r.add(0, '', 'the document is empty');
    return { ok: false, errors: r.errors };
  }
  const c = new Compiler(r);
  const definition = c.playbook(r.root, options);
  if (!definition && r.errors.length === 0) r.add(r.root, '', 'not a playbook');
  return definition && r.errors.length === 0
    ? { ok: true, definition, keys: c.keys }
    : { ok: false, errors: r.errors };
}

/** `15m` → 900 000; a bare number means seconds (as in the configuration). */
export function parsePlaybookDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value >= 0 && Number.isFinite(value) ? value * 1000 : undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Math.round(Number(m[1]) * factor);
}

class Compiler extends CompilerParts {
  private readonly stepIds = new Map<string, string>();
  private stepCount = 0;
  keys: string[] = [];

  constructor(r: YamlReader) {
    super(r);
  }

  playbook(root: Node, options: CompileOptions): PlaybookDefinition | undefined {
    const r = this.r;
    const m = r.map(root, '', [
      'name',
      'description',
      'enabled',
      'priority',
      'mode',
      'trigger',
      'stages',
      'sla',
    ]);
    if (!m) return undefined;
    this.keys = [...m.keys()];
    for (const key of ['name', 'stages']) if (!m.has(key)) r.add(root, key, `${key} is required`);
    const name = this.get(m, 'name', (n, f) =>
      r.string(n, f, { max: 64, pattern: PLAYBOOK_NAME, hint: '1-64 of a-z, 0-9, - and _' }),
    );
    const description = this.get(m, 'description', (n, f) => r.string(n, f, { max: LIMITS.description }));
    const enabled = this.get(m, 'enabled', (n, f) => r.boolean(n, f));
    const priority = this.get(m, 'priority', (n, f) =>
      r.number(n, f, -LIMITS.priority, LIMITS.priority, true),
    );
    const mode = this.get(m, 'mode', (n, f) => r.oneOf(n, f, OPERATION_MODES));
    const trigger = m.has('trigger') ? this.trigger(m.get('trigger')!) : {};
    const stages = m.has('stages') ? this.stages(m.get('stages')!) : undefined;
    const sla = m.has('sla') ? this.sla(m.get('sla')!) : undefined;
    if (!name || !stages || !trigger) return undefined;
    return {
      name,
      version: options.version ?? 1,
      description: description ?? '',
      enabled: enabled ?? true,
      priority: priority ?? 0,
      ...(mode ? { mode } : {}),
      trigger,
      stages,
      ...(sla ? { sla } : {}),
      origin: options.origin,
    };
  }

  private trigger(e: Entry): PlaybookTrigger | undefined {
    const r = this.r;
    const node = e.value;
    if (node === null) return {}; // `trigger:` with nothing: matches every incident
    const m = r.map(node, e.field, ['sources', 'incident_types', 'min_severity', 'conditions']);
    if (!m) return undefined;
    const out: PlaybookTrigger = {};
    const sources = m.get('sources');
    if (sources) {
      const list = this.list(sources, (n, f) =>
        r.string(n, f, { max: 64, pattern: WORD, hint: 'a webhook source name' }),
      );
      if (list) out.sources = list;
    }
    const types = m.get('incident_types');
    if (types) {
      const list = this.list(types, (n, f) => r.oneOf(n, f, INCIDENT_TYPES));
      if (list) out.incident_types = list;
    }
    const min = this.get(m, 'min_severity', (n, f) => r.oneOf(n, f, SEVERITIES));
    if (min) out.min_severity = min;
    const conditions = m.get('conditions');
    if (conditions) {
      // At selection time only the incident and its alert exist (no verdict, no enrichment yet).
      const list = this.conditions(conditions, /^(incident|alert)\./);
      if (list) out.conditions = list;
    }
    return out;
  }

  private stages(e: Entry): PlaybookStage[] | undefined {
    const r = this.r;
    const items = r.seq(this.at(e), e.field, LIMITS.stages);
    if (!items) return undefined;
    if (items.length === 0) r.add(e.value, e.field, 'at least one stage is required');
    const out: PlaybookStage[] = [];
    const names = new Set<string>();
    items.forEach((node, i) => {
      const field = `${e.field}[${i}]`;
      const m = r.map(node, field, ['name', 'parallel', 'steps']);
      if (!m) return;
      if (!m.has('name')) r.add(node, `${field}.name`, 'name is required');
      if (!m.has('steps')) r.add(node, `${field}.steps`, 'steps is required');
      const name = this.get(m, 'name', (n, f) =>
        r.string(n, f, { max: 64, pattern: WORD, hint: '1-64 of a-z, 0-9, - and _' }),
      );
      if (name && names.has(name)) r.add(m.get('name')!.value, `${field}.name`, `stage ${quote(name)} twice`);
      if (name) names.add(name);
      const parallel = this.get(m, 'parallel', (n, f) => r.boolean(n, f)) ?? false;
      const steps = m.has('steps') ? this.steps(m.get('steps')!, parallel) : undefined;
      if (name && steps) out.push({ name, parallel, steps });
    });
    return out.length === items.length && out.length > 0 ? out : undefined;
  }

  private steps(e: Entry, parallel: boolean): PlaybookStep[] | undefined {
    const r = this.r;
    const items = r.seq(this.at(e), e.field, LIMITS.stepsPerStage);
    if (!items) return undefined;
    if (items.length === 0) r.add(e.value, e.field, 'at least one step is required');
    this.stepCount += items.length;
    if (this.stepCount > LIMITS.steps && this.stepCount - items.length <= LIMITS.steps)
      r.add(e.value, e.field, `at most ${LIMITS.steps} steps in a playbook`);
    const out: PlaybookStep[] = [];
    items.forEach((node, i) => {
      const step = this.step(node, `${e.field}[${i}]`, parallel);
      if (step) out.push(step);
    });
    return out.length === items.length && out.length > 0 ? out : undefined;
  }

  private step(node: Node, field: string, parallel: boolean): PlaybookStep | undefined {
    const r = this.r;
    const common = ['id', 'kind', 'when'];
    const byKind: Record<StepKind, string[]> = {
      enrich: ['providers', 'indicator_types'],
      analyze: ['analyzer'],
      condition: ['if', 'then', 'else'],
      propose_action: ['action', 'target', 'on_verdict', 'min_confidence', 'parameters'],
      notify: ['channel', 'message'],
    };
    // First the kind (it decides which keys are allowed), then the whole mapping strictly.
    const loose = r.map(node, field, [...common, ...Object.values(byKind).flat()]);
    if (!loose) return undefined;
    if (!loose.has('id')) r.add(node, `${field}.id`, 'id is required');
    if (!loose.has('kind')) {
      r.add(node, `${field}.kind`, `kind is required (one of: ${STEP_KINDS.join(', ')})`);
      return undefined;
    }
    const kind = this.get(loose, 'kind', (n, f) => r.oneOf(n, f, STEP_KINDS));
    if (!kind) return undefined;
    for (const [key, entry] of loose) {
      if (!common.includes(key) && !byKind[kind].includes(key))
        r.add(entry.key, entry.field, `${quote(key)} does not apply to a ${kind} step`);
    }
    const id = this.get(loose, 'id', (n, f) =>
      r.string(n, f, { max: 64, pattern: ID, hint: '1-64 of a-z, 0-9, - and _' }),
    );
    if (id) {
      const seen = this.stepIds.get(id);
      if (seen) r.add(loose.get('id')!.value, `${field}.id`, `step id ${quote(id)} is used by ${seen} too`);
      else this.stepIds.set(id, field);
    }
    const when = loose.has('when') ? this.conditions(loose.get('when')!) : undefined;
    if (loose.has('when') && !when) return undefined;
    const base = { ...(when && when.length ? { when } : {}) };
    if (!id) return undefined;
    switch (kind) {
      case 'enrich': {
        const providers = loose.has('providers')
          ? this.list(loose.get('providers')!, (n, f) =>
              r.string(n, f, { max: 64, pattern: WORD, hint: 'a provider name' }),
            )
          : undefined;
        const types = loose.has('indicator_types')
          ? this.list(loose.get('indicator_types')!, (n, f) => r.oneOf(n, f, INDICATOR_TYPES))
          : undefined;
        if ((loose.has('providers') && !providers) || (loose.has('indicator_types') && !types))
          return undefined;
        return {
          id,
          kind,
          ...base,
          ...(providers ? { providers } : {}),
          ...(types ? { indicator_types: types } : {}),
        };
      }
      case 'analyze': {
        const analyzer = loose.has('analyzer')
          ? this.get(loose, 'analyzer', (n, f) => r.oneOf(n, f, ['auto', 'deterministic', 'llm'] as const))
          : 'auto';
        return analyzer ? { id, kind, ...base, analyzer } : undefined;
      }
      case 'condition': {
        if (parallel) r.add(node, `${field}.kind`, 'a condition step cannot run in a parallel stage');
        if (!loose.has('if')) r.add(node, `${field}.if`, 'if is required');
        if (!loose.has('then')) r.add(node, `${field}.then`, 'then is required (continue or stop)');
        const cond = loose.has('if') ? this.conditions(loose.get('if')!) : undefined;
        const then = this.get(loose, 'then', (n, f) => r.oneOf(n, f, ['continue', 'stop'] as const));
        const otherwise = loose.has('else')
          ? this.get(loose, 'else', (n, f) => r.oneOf(n, f, ['continue', 'stop'] as const))
          : then === 'stop'
            ? 'continue'
            : 'stop';
        if (cond && cond.length === 0) r.add(loose.get('if')!.value, `${field}.if`, 'at least one condition');
        if (!cond || !cond.length || !then || !otherwise) return undefined;
        return { id, kind, ...base, if: cond, then, else: otherwise };
      }
      case 'propose_action':
        return this.proposeAction(loose, node, field, id, base);
      case 'notify': {
        if (!loose.has('channel')) r.add(node, `${field}.channel`, 'channel is required');
        if (!loose.has('message')) r.add(node, `${field}.message`, 'message is required');
        const channel = this.get(loose, 'channel', (n, f) =>
          r.string(n, f, { max: 64, pattern: WORD, hint: 'a channel name' }),
        );
        const message = this.get(loose, 'message', (n, f) => this.template(n, f));
        return channel && message !== undefined ? { id, kind, ...base, channel, message } : undefined;
      }
    }
  }

  private proposeAction(
    m: Map<string, Entry>,
    node: Node,
    field: string,
    id: string,
    base: { when?: Condition[] },
  ): PlaybookStep | undefined {
    const r = this.r;
    if (!m.has('action')) {
      r.add(node, `${field}.action`, 'action is required');
      return undefined;
    }
    let action = this.get(m, 'action', (n, f) => r.string(n, f, { max: LIMITS.template + 65 }));
    let target: string | undefined;
    const actionEntry = m.get('action')!;
    if (action === undefined) return undefined;
    // Shorthand `action: isolate_host:{{indicator.hostname}}` (verb and target in one).
    const colon = action.indexOf(':');
    if (colon > 0 && !m.has('target')) {
      target = this.template(actionEntry.value, `${field}.action`, action.slice(colon + 1));
      action = action.slice(0, colon);
    } else if (m.has('target')) {
      target = this.get(m, 'target', (n, f) => this.template(n, f));
    } else {
      r.add(node, `${field}.target`, 'target is required (or write action: verb:{{target}})');
    }
    if (!VERB.test(action)) {
      r.add(actionEntry.value, `${field}.action`, `${quote(action)} is not an action verb (a-z, 0-9, _)`);
      return undefined;
    }
    if (!(ACTION_TYPES as readonly string[]).includes(action)) {
      r.add(
        actionEntry.value,
        `${field}.action`,
        `${quote(action)} is not a response action type (${ACTION_TYPES.join(', ')})`,
      );
      return undefined;
    }
    const parameters = m.has('parameters') ? this.parameters(m.get('parameters')!) : undefined;
    if (m.has('parameters') && !parameters) return undefined;
    const onVerdict = m.has('on_verdict')
      ? this.list(m.get('on_verdict')!, (n, f) => r.oneOf(n, f, CLASSIFICATIONS))
      : undefined;
    const minConfidence = this.get(m, 'min_confidence', (n, f) => r.number(n, f, 0, 1));
    if (target === undefined || (m.has('on_verdict') && !onVerdict)) return undefined;
    if (target.trim() === '') {
      r.add(actionEntry.value, `${field}.target`, 'target is empty');
      return undefined;
    }
    return {
      id,
      kind: 'propose_action',
      ...base,
      action,
      target,
      ...(onVerdict ? { on_verdict: onVerdict } : {}),
      ...(minConfidence !== undefined ? { min_confidence: minConfidence } : {}),
      ...(parameters ? { parameters } : {}),
    };
  }

  /** A propose_action step's `parameters`: name → template (at most 16, names a-z0-9_). */
  private parameters(e: Entry): Record<string, string> | undefined {
    const r = this.r;
    const node = this.at(e);
    const keys = isMap(node)
      ? node.items.flatMap((p) => (isScalar(p.key) && typeof p.key.value === 'string' ? [p.key.value] : []))
      : [];
    for (const k of keys)
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(k))
        r.add(node, `${e.field}.${k}`, 'parameter names are a-z, 0-9, _');
    if (keys.length > 16) {
      r.add(node, e.field, 'at most 16 parameters');
      return undefined;
    }
    const m = r.map(
      node,
      e.field,
      keys.filter((k) => /^[a-z][a-z0-9_]{0,63}$/.test(k)),
    );
    if (!m || m.size !== keys.length) return undefined;
    const out: Record<string, string> = {};
    for (const [k, entry] of m) {
      const t = this.template(this.at(entry), entry.field);
      if (t === undefined) return undefined;
      out[k] = t;
    }
    return out;
  }

  private sla(e: Entry): PlaybookSla | undefined {
    const r = this.r;
    const m = r.map(this.at(e), e.field, ['time_to_triage', 'time_to_respond']);
    if (!m) return undefined;
    const out: PlaybookSla = {};
    for (const [key, prop] of [
      ['time_to_triage', 'time_to_triage_ms'],
      ['time_to_respond', 'time_to_respond_ms'],
    ] as const) {
      const entry = m.get(key);
      if (!entry) continue;
      const v = r.scalar(this.at(entry), entry.field);
      if (v === undefined) continue;
      const ms = typeof v === 'string' || typeof v === 'number' ? parsePlaybookDuration(v) : undefined;
      if (ms === undefined || ms <= 0 || ms > LIMITS.slaMs) {
        r.add(entry.value, entry.field, 'a duration such as 15m, 4h or 2d (at most 30d)');
        continue;
      }
      out[prop] = ms;
    }
    if (out.time_to_triage_ms && out.time_to_respond_ms && out.time_to_respond_ms < out.time_to_triage_ms)
      r.add(m.get('time_to_respond')!.value, `${e.field}.time_to_respond`, 'shorter than time_to_triage');
    return out;
  }
}
