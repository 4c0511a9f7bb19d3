/** Small async helpers shared by the contract suites (sleep and polling: test/helpers/harness.ts). */
import { sleep, waitUntil } from '../helpers/harness.ts';

export { sleep };

/** Polls `condition` every `intervalMs` until it holds; rejects after `timeoutMs` (default 3000). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 3000, intervalMs = 10, what = 'condition' } = {},
): Promise<void> {
  await waitUntil(condition, timeoutMs, what, intervalMs);
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves with `true` if `promise` settles within `ms`, else `false`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
