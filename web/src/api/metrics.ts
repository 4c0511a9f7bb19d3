import { useQuery } from '@tanstack/react-query';
import { request } from './client.ts';

/** One sample of the Prometheus text format: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export const metricValue = (samples: Sample[], name: string): number | undefined =>
  samples.find((s) => s.name === name)?.value;

/** This API process's /metrics (public unless metrics.token is set: then an error state). */
export function useMetrics() {
  return useQuery({
    queryKey: ['metrics'],
    queryFn: async () => parseMetrics(await request<string>('/metrics', {})),
    refetchInterval: 15_000,
  });
}
