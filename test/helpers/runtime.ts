import { loadConfig, type Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Role, type Runtime } from '../../src/runtime/runtime.ts';
import { TEST_ADMIN_KEY } from './auth.ts';
import type { Transports } from '../../src/runtime/transports.ts';
import { waitUntil } from './harness.ts';

export const TEST_SECRETS = {
  crowdstrike: 'crowdstrike-test-secret-0123456789',
  splunk: 'splunk-test-secret-0123456789abc',
  'microsoft-graph': 'graph-test-secret-0123456789abcd',
  defender: 'defender-test-secret-0123456789ab',
  guardduty: 'guardduty-test-secret-0123456789',
  okta: 'okta-test-secret-0123456789abcdef',
  elastic: 'elastic-test-secret-0123456789ab',
  'acme-dlp': 'acme-dlp-test-secret-0123456789a',
} as const;

/** A test configuration: in-memory PGlite unless a database URL is given, fast timings, quiet logs. */
export function testConfig(
  overrides: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Config {
  return loadConfig({
    env,
    overrides: deepMerge(
      {
        data_dir: 'memory://',
        server: { port: 0, host: '127.0.0.1', instance_id: 'test' },
        logging: { level: process.env.TW_TEST_LOG ?? 'silent' },
        intel: { demo_list: true },
        // Suites poll and hammer from one address; the rate-limit suites set their own small limits.
        rate_limits: {
          per_credential: 1_000_000,
          per_ip: 1_000_000,
          webhook_per_ip: 1_000_000,
          login: 1_000_000,
          auth_failures_per_ip: 1_000_000,
        },
        // Every suite runs the real access check; tests send this key with asAdmin().
        auth: { admin_api_key: TEST_ADMIN_KEY },
        orchestrator: {
          job_backoff: '50ms',
          reconcile_interval: '1h',
          metrics_interval: '1h',
          housekeeping_interval: '1h',
        },
        webhooks: {
          sources: {
            ...Object.fromEntries(Object.entries(TEST_SECRETS).map(([k, secret]) => [k, { secret }])),
            'open-source': { unsigned: true },
          },
        },
      },
      overrides,
    ),
  });
}

export async function startRuntime(
  config: Config = testConfig(),
  options: { role?: Role; listen?: boolean; transports?: Transports } = {},
): Promise<Runtime> {
  const log = createLogger({ level: config.logging.level, instance: 'test', role: options.role ?? 'all' });
  const runtime = await createRuntime(config, options.role ?? 'all', log, {
    ...(options.transports ? { transports: options.transports } : {}),
  });
  await runtime.start({ listen: options.listen ?? false });
  return runtime;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Polls `fn` until it returns a truthy value or the timeout passes (then throws with `what`). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return waitUntil(fn, timeoutMs, what, 50);
}
