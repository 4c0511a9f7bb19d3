export function writeReport(): string {
  return 'docs/BENCHMARKS.md';
}
