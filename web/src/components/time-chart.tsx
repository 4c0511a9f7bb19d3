import { useId } from 'react';

/** One series of a chart: its label, the CSS class that colours it (styles.css, both themes), values per bucket. */
export interface Series {
  key: string;
  label: string;
  className: string;
  values: number[];
}

const W = 400;
const H = 160;
const PAD = { left: 40, right: 8, top: 8, bottom: 22 };

/** A round upper bound for the axis: 1, 2, 5 × 10^n. */
function niceMax(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.key}>
          <svg width="12" height="12" aria-hidden="true" focusable="false">
            <rect width="12" height="12" rx="2" className={s.className} />
          </svg>
          {s.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * Counts over time as inline SVG (no chart library; geometry in presentation attributes, colours by
 * class: the CSP forbids style attributes). `stacked` draws stacked bars, otherwise one line per series.
 * The same figures follow in a table inside <details>, for screen readers and for exact values.
 */
export function TimeChart({
  title,
  labels,
  series,
  stacked,
}: {
  title: string;
  /** One short label per bucket (hour or date). */
  labels: string[];
  series: Series[];
  stacked: boolean;
}) {
  const id = useId();
  const n = labels.length;
  const totals = labels.map((_, i) =>
    stacked
      ? series.reduce((t, s) => t + (s.values[i] ?? 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, n);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const every = Math.ceil(n / 8);
  const summary = series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ');
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-t`}
        aria-describedby={`${id}-d`}
        className="chart-svg"
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>Totals over the window: {summary}. The data table below lists each bucket.</desc>
        {[0, max / 2, max].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 4} y={y(v) + 4} textAnchor="end" className="chart-axis">
              {v}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text
              key={l + i}
              x={PAD.left + slot * (i + 0.5)}
              y={H - 6}
              textAnchor="middle"
              className="chart-axis"
            >
              {l}
            </text>
          ) : null,
        )}
        {stacked
          ? labels.map((l, i) => {
              let base = 0;
              return (
                <g key={l + i}>
                  {series.map((s) => {
                    const v = s.values[i] ?? 0;
                    if (v === 0) return null;
                    const top = y(base + v);
                    const h = y(base) - top;
                    base += v;
                    return (
                      <rect
                        key={s.key}
                        x={PAD.left + slot * i + slot * 0.12}
                        width={slot * 0.76}
                        y={top}
                        height={h}
                        className={s.className}
                      >
                        <title>{`${l}: ${s.label} ${v}`}</title>
                      </rect>
                    );
                  })}
                </g>
              );
            })
          : series.map((s) => (
              <polyline
                key={s.key}
                fill="none"
                strokeWidth="2"
                className={`chart-line ${s.className}`}
                points={s.values.map((v, i) => `${PAD.left + slot * (i + 0.5)},${y(v)}`).join(' ')}
              />
            ))}
      </svg>
      <figcaption>
        <Legend series={series} />
        <details>
          <summary>Data table: {title}</summary>
          <table className="plain small">
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                {series.map((s) => (
                  <th key={s.key} scope="col">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((l, i) => (
                <tr key={l + i}>
                  <th scope="row">{l}</th>
                  {series.map((s) => (
                    <td key={s.key}>{s.values[i] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
