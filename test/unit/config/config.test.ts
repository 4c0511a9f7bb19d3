import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, selectedModes } from '../../../src/config/index.ts';

describe('config', () => {
  it('defaults follow the seed', () => {
    const c = loadConfig({ env: {} });
    expect(c.database).toMatchObject({ max_connections: 15, min_connections: 2, connect_timeout: 30_000 });
    expect(c.orchestrator.concurrency).toEqual({ incidents: 10, llm: 5, enrichment: 20 });
    expect(c.orchestrator.leaderElection).toEqual({
      enabled: true,
      leaseDuration: 15_000,
      renewDeadline: 10_000,
      retryPeriod: 2_000,
    });
    expect(c.server.port).toBe(8080);
    expect(c.data_dir).toBe('./data');
    expect(selectedModes(c)).toEqual({ database: 'pglite', transport: 'in-process' });
    expect(Object.isFrozen(c) && Object.isFrozen(c.database)).toBe(true);
  });

  it('YAML file overlaid by TW_* env, shortcuts and TW_SECTION__KEY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twcfg-'));
    const file = join(dir, 'tw.yaml');
    writeFileSync(
      file,
      'database:\n  primary_url: postgres://a@h/db\n  max_connections: 20\norchestrator:\n  leaderElection:\n    leaseDuration: 20s\n',
    );
    const c = loadConfig({
      file,
      env: {
        TW_DATABASE__MAX_CONNECTIONS: '30',
        TW_REDIS_URL: 'redis://127.0.0.1:6379',
        TW_DATABASE_REPLICA_URL: 'postgres://a@r/db',
        TW_WEBHOOK_SECRET_MICROSOFT_GRAPH: 'x'.repeat(20),
        TW_WEBHOOK_UNSIGNED_ACME: 'true',
        TW_REDIS__SENTINELS: 'a:26379, b:26379',
      },
    });
    expect(c.database.max_connections).toBe(30);
    expect(c.database.read_replica_enabled).toBe(true);
    expect(c.orchestrator.leaderElection.leaseDuration).toBe(20_000);
    expect(c.webhooks.sources['microsoft-graph']?.secret).toBe('x'.repeat(20));
    expect(c.webhooks.sources.acme?.unsigned).toBe(true);
    expect(c.redis.sentinels).toEqual(['a:26379', 'b:26379']);
    expect(selectedModes(c)).toEqual({ database: 'postgres', transport: 'redis' });
  });

  it.each([
    [{ TW_PORT: 'abc' }, 'server.port'],
    [{ TW_DATABASE__MAX_CONNECTIONS: '0' }, 'database.max_connections'],
    [{ TW_REDIS__ARCHITECTURE: 'mesh' }, 'redis.architecture'],
    [{ TW_DATABASE_URL: 'mysql://x' }, 'database.primary_url'],
    [{ TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE: '20s' }, 'orchestrator.leaderElection'],
    [{ TW_DATABASE__MIN_CONNECTIONS: '50' }, 'database.min_connections'],
    [{ TW_DATABASE__READ_REPLICA_ENABLED: 'true' }, 'database.read_replica_enabled'],
    [{ TW_WEBHOOK_SECRET_OKTA: 'short' }, 'webhooks.sources.okta.secret'],
    [{ TW_TRIAGE__DEDUP_WINDOW: 'soon' }, 'triage.dedup_window'],
  ])('a bad value stops start-up naming the key: %o', (env, key) => {
    expect(() => loadConfig({ env })).toThrowError(ConfigError);
    expect(() => loadConfig({ env })).toThrowError(new RegExp(key.replace(/\./g, '\\.')));
  });

  it('unknown keys in the file are refused', () => {
    expect(() => loadConfig({ env: {}, overrides: { database: { max_conections: 3 } } })).toThrowError(
      /database\.max_conections: unknown key/,
    );
  });

  it('durations', () => {
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('365d')).toBe(365 * 86_400_000);
    expect(() => parseDuration('5 minutes')).toThrowError(ConfigError);
  });

  it('docs/CONFIGURATION.md is generated from the schema and current', () => {
    const generated = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/config-doc.ts'], {
      encoding: 'utf8',
    });
    expect(readFileSync('docs/CONFIGURATION.md', 'utf8')).toBe(generated);
  });
});
