import { CLASSIFICATIONS, type Classification } from '../../../contracts/index.ts';

/** One evaluated case: what a labeller expected and what the analyzer said. */
export interface ScoredCase {
  expected: Classification;
  predicted: Classification;
  /** The analyzer's confidence in `predicted`, 0..1. */
  confidence: number;
  expectedType?: string;
  predictedType?: string;
}

/** Precision, recall and F1 of one class; null where the denominator is zero. */
export interface ClassScores {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Cases labelled with this class. */
  support: number;
}

/** One confidence bin of the calibration table. */
export interface CalibrationBin {
  /** Inclusive lower and exclusive upper bound (the last bin includes 1.0). */
  from: number;
  to: number;
  count: number;
  /** Mean confidence of the cases in the bin; null when empty. */
  mean_confidence: number | null;
  /** Share of the bin's cases classified correctly; null when empty. */
  accuracy: number | null;
}

/** Every figure `triage-warden eval` reports (docs/ANALYZER.md, "Evaluation"). */
export interface EvalMetrics {
  cases: number;
  accuracy: number | null;
  per_class: Record<Classification, ClassScores>;
  /** `confusion[expected][predicted]` = number of cases. */
  confusion: Record<Classification, Record<Classification, number>>;
  /** Expected calibration error over {@link CALIBRATION_BINS} equal-width confidence bins. */
  ece: number | null;
  calibration: CalibrationBin[];
  /** Cases labelled malicious that the analyzer called benign, over all cases labelled malicious. */
  malicious_as_benign_rate: number | null;
  malicious_as_benign: number;
  /** Over the cases whose label names an incident type. */
  incident_type_accuracy: number | null;
  incident_type_cases: number;
}

export const CALIBRATION_BINS = 10;

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);

/**
 * Accuracy, per-class precision/recall/F1, the confusion matrix, the expected calibration error and
 * the malicious→benign miss rate of a set of scored cases.
 *
 * ECE: the cases are put into {@link CALIBRATION_BINS} bins by confidence (`[0,0.1)`, …, `[0.9,1.0]`);
 * ECE = Σ over bins of (cases in bin / all cases) × |accuracy in bin − mean confidence in bin|, where
 * accuracy is the share of the bin's cases whose classification matches the label. 0 is perfectly
 * calibrated. Figures are rounded to 4 decimals.
 */
export function computeMetrics(cases: readonly ScoredCase[]): EvalMetrics {
  const confusion = Object.fromEntries(
    CLASSIFICATIONS.map((e) => [e, Object.fromEntries(CLASSIFICATIONS.map((p) => [p, 0]))]),
  ) as Record<Classification, Record<Classification, number>>;
  for (const c of cases) confusion[c.expected][c.predicted]++;
  const correct = cases.filter((c) => c.expected === c.predicted).length;

  const per_class = Object.fromEntries(
    CLASSIFICATIONS.map((k) => {
      const tp = confusion[k][k];
      const predicted = CLASSIFICATIONS.reduce((s, e) => s + confusion[e][k], 0);
      const support = CLASSIFICATIONS.reduce((s, p) => s + confusion[k][p], 0);
      const precision = ratio(tp, predicted);
      const recall = ratio(tp, support);
      const f1 =
        precision === null || recall === null
          ? null
          : precision + recall === 0
            ? 0
            : (2 * precision * recall) / (precision + recall);
      return [k, { precision: round(precision), recall: round(recall), f1: round(f1), support }];
    }),
  ) as Record<Classification, ClassScores>;

  const bins = Array.from({ length: CALIBRATION_BINS }, (_, i) => ({
    from: i / CALIBRATION_BINS,
    to: (i + 1) / CALIBRATION_BINS,
    n: 0,
    conf: 0,
    right: 0,
  }));
  for (const c of cases) {
    const conf = Math.min(1, Math.max(0, c.confidence));
    const b = bins[Math.min(CALIBRATION_BINS - 1, Math.floor(conf * CALIBRATION_BINS))]!;
    b.n++;
    b.conf += conf;
    if (c.expected === c.predicted) b.right++;
  }
  const ece =
    cases.length === 0
      ? null
      : bins.reduce(
          (s, b) => (b.n === 0 ? s : s + (b.n / cases.length) * Math.abs(b.right / b.n - b.conf / b.n)),
          0,
        );

  const malicious = confusion.malicious;
  const labelledMalicious = CLASSIFICATIONS.reduce((s, p) => s + malicious[p], 0);
  const typed = cases.filter((c) => c.expectedType !== undefined);

  return {
    cases: cases.length,
    accuracy: round(ratio(correct, cases.length)),
    per_class,
    confusion,
    ece: round(ece),
    calibration: bins.map((b) => ({
      from: b.from,
      to: b.to,
      count: b.n,
      mean_confidence: round(ratio(b.conf, b.n)),
      accuracy: round(ratio(b.right, b.n)),
    })),
    malicious_as_benign_rate: round(ratio(malicious.benign, labelledMalicious)),
    malicious_as_benign: malicious.benign,
    incident_type_accuracy: round(
      ratio(typed.filter((c) => c.expectedType === c.predictedType).length, typed.length),
    ),
    incident_type_cases: typed.length,
  };
}
