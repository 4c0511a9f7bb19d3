import type { EmailAnalysis, Finding, FindingSeverity } from './email.types.ts';

/**
 * The score of an analysis, 0..100 (docs/EMAIL-ANALYSIS.md "Scoring"):
 *
 *   score = clamp(Σ per code [ points(worst finding) + ¼ × points(each other finding), at most
 *           2 × points(worst) ] − 15 if AUTH_PASS, 0, 100)
 *
 * with points critical 40, high 25, medium 12, low 5, info 0. Repeats of one code add little (ten
 * shortened links are not ten times as bad as one). Verdict: ≥ 60 malicious, ≥ 25 suspicious,
 * else benign. A passing SPF+DKIM+DMARC lowers the score but never clears strong findings: a phisher
 * sending from a domain of their own passes all three.
 */
export const POINTS: Readonly<Record<FindingSeverity, number>> = Object.freeze({
  critical: 40,
  high: 25,
  medium: 12,
  low: 5,
  info: 0,
});
export const AUTH_PASS_BONUS = 15;
export const MALICIOUS_SCORE = 60;
export const SUSPICIOUS_SCORE = 25;

export function scoreFindings(findings: readonly Finding[]): {
  score: number;
  verdict: EmailAnalysis['verdict'];
} {
  const byCode = new Map<string, number[]>();
  for (const f of findings) {
    const list = byCode.get(f.code) ?? [];
    list.push(POINTS[f.severity]);
    byCode.set(f.code, list);
  }
  let total = 0;
  for (const points of byCode.values()) {
    points.sort((a, b) => b - a);
    const [worst = 0, ...rest] = points;
    total += Math.min(2 * worst, worst + rest.reduce((s, p) => s + p / 4, 0));
  }
  if (byCode.has('AUTH_PASS')) total -= AUTH_PASS_BONUS;
  const score = Math.max(0, Math.min(100, Math.round(total)));
  const verdict =
    score >= MALICIOUS_SCORE ? 'malicious' : score >= SUSPICIOUS_SCORE ? 'suspicious' : 'benign';
  return { score, verdict };
}
