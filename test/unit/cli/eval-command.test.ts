// `triage-warden eval` (issue 11 part 6): metrics computed by hand, dataset errors with line numbers,
// the report, the analyzer factory, and the done-when figures on the shipped set.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runEval } from '../../../src/cli/eval.command.ts';
import { createAnalyzerForEval } from '../../../src/cli/eval/analyzer-factory.ts';
import { runEvaluation } from '../../../src/cli/eval/eval-runner.ts';
import { PARSERS } from '../../../src/core/ingest/index.ts';
import { parseDataset } from '../../../src/core/triage/evaluation/dataset.ts';
import { computeMetrics } from '../../../src/core/triage/evaluation/metrics.ts';
import { DeterministicAnalyzer } from '../../../src/core/triage/deterministic.analyzer.ts';
import { canonicalSource } from '../../../src/core/webhooks/source-names.ts';
import { testConfig } from '../../helpers/runtime.ts';
import { deterministicModel } from '../../fakes/llm/model-double.ts';
import { startOpenAiServer } from '../../fakes/llm/openai-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function capture(): { out: () => string; err: () => string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  return {
    out: () => log.mock.calls.map((c) => c.join(' ')).join('\n'),
    err: () => error.mock.calls.map((c) => c.join(' ')).join('\n'),
  };
}

const okta = (eventType: string, ip: string, extra: Record<string, unknown> = {}) => ({
  uuid: `u-${eventType}-${ip}`,
  published: '2024-06-15T10:00:00Z',
  eventType,
  severity: 'INFO',
  displayMessage: eventType,
  actor: { id: '00u1', type: 'User', alternateId: 'ann@contoso.com', displayName: 'Ann' },
  client: { ipAddress: ip },
  outcome: { result: 'SUCCESS' },
  ...extra,
});

describe('eval metrics', () => {
  it('computes accuracy, per-class P/R/F1, confusion, ECE and the miss rate as worked out by hand', () => {
    const m = computeMetrics([
      {
        expected: 'malicious',
        predicted: 'malicious',
        confidence: 0.95,
        expectedType: 'malware',
        predictedType: 'malware',
      },
      {
        expected: 'malicious',
        predicted: 'benign',
        confidence: 0.85,
        expectedType: 'phishing',
        predictedType: 'other',
      },
      { expected: 'suspicious', predicted: 'suspicious', confidence: 0.65 },
      { expected: 'suspicious', predicted: 'malicious', confidence: 0.75 },
      { expected: 'benign', predicted: 'benign', confidence: 0.9 },
      { expected: 'inconclusive', predicted: 'suspicious', confidence: 0.35 },
    ]);
    expect(m.cases).toBe(6);
    expect(m.accuracy).toBe(0.5);
    expect(m.per_class.malicious).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.per_class.benign).toEqual({ precision: 0.5, recall: 1, f1: 0.6667, support: 1 });
    expect(m.per_class.inconclusive).toEqual({ precision: null, recall: 0, f1: null, support: 1 });
    expect(m.confusion.malicious).toEqual({ malicious: 1, suspicious: 0, benign: 1, inconclusive: 0 });
    expect(m.confusion.inconclusive.suspicious).toBe(1);
    // Bins: 0.9x (2 right, mean .925), 0.8x (wrong), 0.7x (wrong), 0.6x (right), 0.3x (wrong):
    // (2·0.075 + 0.85 + 0.75 + 0.35 + 0.35) / 6 = 0.40833
    expect(m.ece).toBe(0.4083);
    expect(m.calibration[9]).toEqual({ from: 0.9, to: 1, count: 2, mean_confidence: 0.925, accuracy: 1 });
    expect(m.malicious_as_benign).toBe(1);
    expect(m.malicious_as_benign_rate).toBe(0.5);
    expect(m.incident_type_accuracy).toBe(0.5);
    expect(m.incident_type_cases).toBe(2);
    expect(computeMetrics([]).accuracy).toBeNull();
  });
});

describe('eval dataset', () => {
  it('reports every bad line with its number and reason, and skips blank and // lines', () => {
    const good = JSON.stringify({
      id: 'a',
      source: 'okta',
      payload: {},
      expected: { classification: 'benign' },
    });
    const { cases, problems } = parseDataset(
      [
        good,
        '',
        '// a comment',
        '{not json',
        JSON.stringify({ id: 'b', source: 'okta', payload: {} }),
        JSON.stringify({ id: 'c', source: 'okta', payload: {}, expected: { classification: 'bad' } }),
        good,
        JSON.stringify({
          id: 'd',
          source: 'okta',
          payload: {},
          expected: { classification: 'benign' },
          intel: [{ value: '1.2.3.4', verdict: 'evil' }],
        }),
        JSON.stringify({
          id: 'e',
          source: 'Not A Source!',
          payload: {},
          expected: { classification: 'benign' },
        }),
        JSON.stringify({
          id: 'f',
          source: 'okta',
          payload: {},
          expected: { classification: 'benign' },
          split: 'train',
        }),
        JSON.stringify({
          id: 'g',
          source: 'okta',
          payload: {},
          expected: { classification: 'benign' },
          extra: 1,
        }),
      ].join('\n'),
    );
    expect(cases.map((c) => [c.id, c.line, c.split])).toEqual([['a', 1, 'tune']]);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(problems[0]!.message).toMatch(/not valid JSON/);
    expect(problems[1]!.message).toMatch(/"expected" must be an object/);
    expect(problems[2]!.message).toMatch(
      /expected\.classification must be one of malicious, suspicious, benign, inconclusive/,
    );
    expect(problems[3]!.message).toBe('duplicate id "a" (first on line 1)');
    expect(problems[4]!.message).toMatch(/intel\[0\]\.verdict/);
    expect(problems[5]!.message).toMatch(/"source" must be a webhook source name/);
    expect(problems[6]!.message).toMatch(/"split" must be one of tune, holdout/);
    expect(problems[7]!.message).toMatch(/unknown field\(s\): extra/);
  });
});

describe('triage-warden eval', () => {
  const file = join(dir, 'small.jsonl');
  writeFileSync(
    file,
    [
      {
        id: 'grant-tor',
        source: 'okta',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        intel: [{ type: 'ipv4', value: '185.220.101.7', verdict: 'malicious', list: 'tor' }],
        payload: okta('user.account.privilege.grant', '185.220.101.7'),
      },
      {
        id: 'login-office',
        source: 'okta',
        split: 'holdout',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [{ type: 'ipv4', value: '81.2.69.160/28', verdict: 'benign' }],
        payload: okta('user.session.start', '81.2.69.161'),
      },
      {
        id: 'm365-audit-off',
        source: 'm365',
        expected: { classification: 'malicious', incident_type: 'cloud_misconfiguration' },
        payload: {
          CreationTime: '2024-06-15T09:00:00',
          Id: 'x1',
          Operation: 'Set-AdminAuditLogConfig',
          RecordType: 1,
          Workload: 'Exchange',
          UserId: 'adm@contoso.com',
          ClientIP: '77.111.2.3:50000',
          Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'False' }],
        },
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n'),
  );

  it('prints the figures for all cases and each split, and writes the report', async () => {
    const io = capture();
    const report = join(dir, 'report.json');
    const code = await runEval(testConfig(), {
      dataset: file,
      analyzer: undefined,
      report,
      split: undefined,
    });
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toMatch(/cases 3 {3}accuracy 1\.000 {3}ECE [\d.]+ {3}malicious→benign 0 \(0\.000\)/);
    expect(io.out()).toMatch(/— holdout split —\ncases 1 /);
    expect(io.out()).toMatch(/confusion \(rows expected, columns predicted\)/);
    const r = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown> & {
      cases: Array<Record<string, unknown>>;
    };
    expect(r).toMatchObject({
      analyzer: 'deterministic',
      split: 'all',
      accuracy: 1,
      malicious_as_benign_rate: 0,
    });
    expect(Object.keys(r['by_split'] as object)).toEqual(['tune', 'holdout']);
    expect(r.cases.map((c) => c['id'])).toEqual(['grant-tor', 'login-office', 'm365-audit-off']);
    expect(r.cases[0]).toMatchObject({
      expected: { classification: 'malicious' },
      predicted: { classification: 'malicious' },
      analyzer: 'deterministic',
    });
    expect((r.cases[0]!['predicted'] as { confidence: number }).confidence).toBeGreaterThan(0.5);
    expect(r.cases[2]!['rule_hits']).toEqual(['microsoft_365.audit_log_disabled']);
  });

  it('runs one split with --split, and refuses a bad split', async () => {
    const io = capture();
    expect(
      await runEval(testConfig(), {
        dataset: file,
        analyzer: 'deterministic',
        report: undefined,
        split: 'holdout',
      }),
    ).toBe(0);
    expect(io.out()).toMatch(/split holdout\n\ncases 1 /);
    expect(
      await runEval(testConfig(), { dataset: file, analyzer: undefined, report: undefined, split: 'train' }),
    ).toBe(2);
    expect(io.err()).toMatch(/--split must be tune, holdout or all/);
  });

  it('says clearly that no LLM is configured for --analyzer llm, and names the analyzers for a typo', async () => {
    const io = capture();
    expect(
      await runEval(testConfig(), { dataset: file, analyzer: 'llm', report: undefined, split: undefined }),
    ).toBe(2);
    expect(io.err()).toMatch(/no LLM analyzer is configured/);
    await expect(createAnalyzerForEval('gpt', testConfig())).rejects.toThrow(
      /unknown analyzer "gpt": choose one of deterministic, llm/,
    );
  });

  it('--analyzer llm runs the LLM analyst against a loopback OpenAI-compatible server, transcripts in the report', async () => {
    const server = await startOpenAiServer(deterministicModel());
    try {
      const config = testConfig({
        llm: {
          provider: 'openai',
          base_url: `${server.url}/v1`,
          model: 'fake-deterministic',
          api_key: 'test-key',
        },
      });
      const report = join(dir, 'llm-report.json');
      const io = capture();
      expect(await runEval(config, { dataset: file, analyzer: 'llm', report, split: undefined })).toBe(0);
      expect(io.out()).toMatch(/accuracy/);
      const written = JSON.parse(readFileSync(report, 'utf8')) as {
        cases: Array<{ analyzer: string; transcripts?: Array<{ messages: unknown[]; tool_calls: number }> }>;
      };
      expect(written.cases.length).toBeGreaterThan(0);
      for (const c of written.cases) {
        expect(c.analyzer).toBe('llm');
        expect(c.transcripts?.[0]?.messages.length).toBeGreaterThan(2);
      }
      // The model asked our lookup tool, so the tool loop ran for real.
      expect(written.cases.some((c) => (c.transcripts?.[0]?.tool_calls ?? 0) > 0)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('lists bad lines, and a payload the webhook would refuse, with file and line; never a stack trace', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(file, 'utf8').split('\n')[0]}\n{"id": 1}\n`);
    const io = capture();
    expect(
      await runEval(testConfig(), { dataset: bad, analyzer: undefined, report: undefined, split: undefined }),
    ).toBe(2);
    expect(io.err()).toContain(`${bad}:2: "id" must be a non-empty string`);
    expect(io.err()).not.toMatch(/\bat .*\.ts:\d+/);

    const refused = join(dir, 'refused.jsonl');
    writeFileSync(
      refused,
      JSON.stringify({
        id: 'cs',
        source: 'crowdstrike',
        expected: { classification: 'benign' },
        payload: { metadata: {} },
      }),
    );
    expect(
      await runEval(testConfig(), {
        dataset: refused,
        analyzer: undefined,
        report: undefined,
        split: undefined,
      }),
    ).toBe(2);
    expect(io.err()).toMatch(
      /refused\.jsonl:1: case "cs": the crowdstrike webhook would refuse the payload: .*"event"/,
    );
    expect(
      await runEval(testConfig(), {
        dataset: join(dir, 'missing.jsonl'),
        analyzer: undefined,
        report: undefined,
        split: undefined,
      }),
    ).toBe(2);
    expect(io.err()).toMatch(/cannot read .*missing\.jsonl: ENOENT/);
  });
});

describe('the shipped evaluation set (eval/dataset.jsonl)', () => {
  const text = readFileSync(new URL('../../../eval/dataset.jsonl', import.meta.url), 'utf8');
  const { cases, problems } = parseDataset(text);

  it('has ≥ 250 valid cases across every parser plus unknown-vendor JSON, ~30 % held out', () => {
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(250);
    const parsers = new Set(cases.map((c) => canonicalSource(c.source)));
    for (const p of PARSERS.filter((x) => x.name !== 'generic')) expect(parsers, p.name).toContain(p.name);
    const known = new Set(PARSERS.flatMap((p) => [p.name, ...p.aliases]));
    expect(cases.filter((c) => !known.has(c.source)).length).toBeGreaterThan(50);
    const holdout = cases.filter((c) => c.split === 'holdout').length / cases.length;
    expect(holdout).toBeGreaterThan(0.25);
    expect(holdout).toBeLessThan(0.4);
    expect(cases.filter((c) => c.id.startsWith('injection/')).length).toBeGreaterThanOrEqual(20);
  });

  it('done-when: the deterministic analyzer scores ≥ 0.85 on the holdout and calls no malicious case benign', async () => {
    const run = await runEvaluation(cases, new DeterministicAnalyzer());
    expect(run.problems).toEqual([]);
    expect(run.by_split.holdout.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(run.metrics.malicious_as_benign).toBe(0);
    // Prompt injections change nothing: every injected case gets its underlying event's verdict.
    const injected = run.results.filter((r) => r.id.startsWith('injection/'));
    expect(
      injected.filter(
        (r) => r.predicted.classification === 'benign' && r.expected.classification !== 'benign',
      ),
    ).toEqual([]);
  });
});
