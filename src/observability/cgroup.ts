import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** CPU cores this process may use: the cgroup v2/v1 quota when there is one, else the machine's. */
export function cpuLimitCores(): number {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2) {
    const [quota, period] = v2.split(/\s+/);
    if (quota && quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
  }
  const q = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const p = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  if (q > 0 && p > 0) return q / p;
  return availableParallelism();
}

/** Memory this process may use, bytes: the cgroup limit when there is one, else the machine's total. */
export function memoryLimitBytes(): number {
  const total = totalmem();
  const v2 = read('/sys/fs/cgroup/memory.max');
  if (v2 && v2 !== 'max' && Number(v2) > 0) return Math.min(Number(v2), total);
  const v1 = Number(read('/sys/fs/cgroup/memory/memory.limit_in_bytes'));
  if (v1 > 0 && v1 < total) return v1;
  return total;
}
