// Action connectors on PGlite and on the real PostgreSQL 15 server, through the service that seals
// credentials: audit rows in the same transaction (never a secret), key rotation, optimistic writes.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { SqlConnectorStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { ConnectorSecrets } from '../../src/core/response/connector-secrets.ts';
import { ConnectorService } from '../../src/core/response/connectors.service.ts';
import { SecretBox } from '../../src/core/webhooks/secret-box.ts';
import { CONNECTOR_KINDS } from '../../src/extensions/actions/kinds/index.ts';
import { GuardedHttp } from '../../src/extensions/actions/http/outbound.ts';
import type { ConnectorKind } from '../../src/ports/action-connector.port.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_conn');
const FW = { kind: 'firewall_webhook', config: { url: 'http://127.0.0.1:9/hook' } };

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`connectors on ${backend.name}`, () => {
    let db: SqlDatabase;
    let bus: InProcessEventBus;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const service = (box: SecretBox | null) =>
      new ConnectorService({
        store: new SqlConnectorStore(db),
        bus,
        log: SILENT_LOGGER,
        kinds: CONNECTOR_KINDS,
        secrets: new ConnectorSecrets(box, 'set response.connectors.encryption_key'),
        http: new GuardedHttp({ allowPrivateNetworks: true, allowHttp: true, allowHosts: [] }),
      });
    const auditRows = async (name: string) =>
      (
        await sql<{ action: string; details: unknown; actor: string }>`
          SELECT action, details, actor FROM audit_log WHERE details->>'name' = ${name} ORDER BY seq`.execute(
          db.primary,
        )
      ).rows;

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      bus = new InProcessEventBus();
    });
    afterAll(async () => {
      await bus?.close();
      await db?.close();
      await backend.cleanup();
    });

    it('creates, replaces and deletes with audit rows; credentials sealed, never in the row or the audit', async () => {
      const s = service(new SecretBox(oldKey));
      const events: string[] = [];
      await bus.subscribe((e) => {
        if (e.type === 'connectors_changed') events.push((e.data as { name: string }).name);
      });
      const secret = 'fw-secret-value-0123456789';
      const created = await s.put('edge-fw', { ...FW, secrets: { signing_secret: secret } }, 'user:alice');
      expect(created).toMatchObject({
        created: true,
        connector: { name: 'edge-fw', secrets_set: ['signing_secret'], version: 1, updated_by: 'user:alice' },
      });
      expect(JSON.stringify(created)).not.toContain(secret);
      const row = await new SqlConnectorStore(db).get('edge-fw');
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(row!.keyId).toBe(new SecretBox(oldKey).keyId);
      // Partial update keeps the credential; a disabled, dry-run connector with one action type.
      const replaced = await s.put(
        'edge-fw',
        { ...FW, enabled: false, dry_run: true, action_types: ['block_ip'] },
        'user:bob',
      );
      expect(replaced.connector).toMatchObject({
        enabled: false,
        dry_run: true,
        action_types: ['block_ip'],
        version: 2,
      });
      const loaded = (await s.loadConnectors()).loaded.find((c) => c.name === 'edge-fw')!;
      expect(loaded.secrets).toEqual({ signing_secret: secret });
      // A new value is a rotation row.
      await s.put('edge-fw', { ...FW, secrets: { signing_secret: 'fw-secret-value-rotated-1' } }, 'user:bob');
      await s.delete('edge-fw', 'user:carol');
      await expect(s.get('edge-fw')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const audit = await auditRows('edge-fw');
      expect(audit.map((a) => a.action)).toEqual([
        'connector.created',
        'connector.secrets_rotated',
        'connector.updated',
        'connector.updated',
        'connector.secrets_rotated',
        'connector.deleted',
      ]);
      expect(audit.map((a) => a.actor)).toEqual([
        'user:alice',
        'user:alice',
        'user:bob',
        'user:bob',
        'user:bob',
        'user:carol',
      ]);
      expect(JSON.stringify(audit)).not.toContain('fw-secret-value');
      expect(events.filter((n) => n === 'edge-fw')).toHaveLength(4);
    });

    it('a row sealed under an old key opens after rotation and is resealed on the next write', async () => {
      await service(new SecretBox(oldKey)).put(
        'rotating',
        { ...FW, secrets: { signing_secret: 'secret-before-rotation' } },
        'u',
      );
      const rotated = service(new SecretBox(newKey, [oldKey]));
      expect(
        (await rotated.loadConnectors()).loaded.find((c) => c.name === 'rotating')!.secrets.signing_secret,
      ).toBe('secret-before-rotation');
      await rotated.put('rotating', { ...FW, enabled: true }, 'u');
      const row = await new SqlConnectorStore(db).get('rotating');
      expect(row!.keyId).toBe(new SecretBox(newKey).keyId);
      // Only the new key now: still opens.
      expect((await service(new SecretBox(newKey)).loadConnectors()).loaded.map((c) => c.name)).toContain(
        'rotating',
      );
      // Without the key it was sealed with, it is reported broken, and a partial update is a 409.
      const lost = service(new SecretBox(randomBytes(32)));
      expect((await lost.loadConnectors()).broken.rotating).toMatch(/cannot be opened/);
      await expect(lost.put('rotating', { ...FW }, 'u')).rejects.toMatchObject({ code: 'CONFLICT' });
      // Sending every credential again replaces them.
      await lost.put('rotating', { ...FW, secrets: { signing_secret: 'a-brand-new-secret-000' } }, 'u');
    });

    it('an envelope copied onto another connector fails to open (the name is bound in)', async () => {
      const s = service(new SecretBox(oldKey));
      await s.put('fw-a', { ...FW, secrets: { signing_secret: 'secret-of-a-0123456789' } }, 'u');
      await s.put('fw-b', { ...FW, secrets: { signing_secret: 'secret-of-b-0123456789' } }, 'u');
      await sql`UPDATE connectors SET secrets_sealed = (SELECT secrets_sealed FROM connectors WHERE name = 'fw-a')
        WHERE name = 'fw-b'`.execute(db.primary);
      const { loaded, broken } = await s.loadConnectors();
      expect(loaded.find((c) => c.name === 'fw-a')).toBeDefined();
      expect(broken['fw-b']).toMatch(/cannot be opened/);
    });

    it('without a key: a connector with credentials is ENCRYPTION_KEY_MISSING (409); one without is stored', async () => {
      const s = service(null);
      await expect(
        s.put('nokey', { ...FW, secrets: { signing_secret: 'x'.repeat(20) } }, 'u'),
      ).rejects.toMatchObject({
        code: 'ENCRYPTION_KEY_MISSING',
      });
      await expect(s.get('nokey')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses bad input with stable codes', async () => {
      const s = service(new SecretBox(oldKey));
      const sec = { signing_secret: 'y'.repeat(20) };
      await expect(s.put('Bad Name', { ...FW, secrets: sec }, 'u')).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      await expect(s.put('x', { kind: 'nope', config: {} }, 'u')).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      await expect(
        s.put('x', { ...FW, action_types: ['isolate_host'], secrets: sec }, 'u'),
      ).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      await expect(
        s.put('x', { ...FW, config: { url: FW.config.url, other: 1 }, secrets: sec }, 'u'),
      ).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      await expect(s.put('x', { ...FW }, 'u')).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { problems: [{ field: 'secrets.signing_secret', message: 'required' }] },
      });
      const strict = new ConnectorService({
        store: new SqlConnectorStore(db),
        bus,
        log: SILENT_LOGGER,
        kinds: CONNECTOR_KINDS,
        secrets: new ConnectorSecrets(new SecretBox(oldKey)),
        http: new GuardedHttp({ allowPrivateNetworks: false, allowHttp: false, allowHosts: [] }),
      });
      await expect(
        strict.put(
          'x',
          { kind: 'firewall_webhook', config: { url: 'https://169.254.169.254/hook' }, secrets: sec },
          'u',
        ),
      ).rejects.toMatchObject({ code: 'BLOCKED_URL', details: { field: 'config.url' } });
      // A URL given as a credential (incoming webhooks) and an SMTP-style host are checked too; the
      // message never repeats the credential.
      const hookKind: ConnectorKind = {
        kind: 'hook_test',
        title: 'test',
        actionTypes: ['notify'],
        settings: [
          { name: 'host', required: false, description: '' },
          { name: 'port', required: false, description: '' },
        ],
        secrets: [{ name: 'webhook_url', required: false, description: '' }],
        validate: () => [],
        create: () => {
          throw new Error('not built here');
        },
      };
      const withHook = new ConnectorService({
        store: new SqlConnectorStore(db),
        bus,
        log: SILENT_LOGGER,
        kinds: [hookKind],
        secrets: new ConnectorSecrets(new SecretBox(oldKey)),
        http: new GuardedHttp({ allowPrivateNetworks: false, allowHttp: false, allowHosts: [] }),
      });
      const leaked = 'https://10.1.2.3/hook/s3cr3t-path';
      const blocked = await withHook
        .put('hook', { kind: 'hook_test', secrets: { webhook_url: leaked } }, 'u')
        .catch((e: unknown) => e);
      expect(blocked).toMatchObject({ code: 'BLOCKED_URL', details: { field: 'secrets.webhook_url' } });
      expect(JSON.stringify(blocked) + String((blocked as Error).message)).not.toContain('s3cr3t');
      await expect(
        withHook.put('hook', { kind: 'hook_test', config: { host: '127.0.0.1', port: 25 } }, 'u'),
      ).rejects.toMatchObject({
        code: 'BLOCKED_URL',
        details: { field: 'config.host' },
      });
      await expect(s.get('x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}
