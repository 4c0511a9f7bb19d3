import { InProcessEventBus } from '../adapters/in-process/index.ts';
import { SqlWebhookSourceStore, migrate } from '../adapters/sql/index.ts';
import { webhookSourceOrigin, type Config } from '../config/index.ts';
import { isAppError } from '../contracts/index.ts';
import type { WebhookSourceView } from '../core/webhooks/webhook-source.types.ts';
import { WebhookSourceService } from '../core/webhooks/webhook-sources.service.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { asPortLogger } from '../observability/logger.ts';
import { readLocalSecrets } from '../runtime/local-secrets.ts';
import { webhookSecretBox } from '../runtime/webhook-sources.wiring.ts';
import { openCliDatabase } from './migrate.command.ts';

export interface WebhookSourceArgs {
  action: string | undefined;
  name: string | undefined;
  secret?: string;
  unsigned?: boolean;
  noRequireTimestamp?: boolean;
  rateLimit?: string;
}

const ACTIONS = ['add', 'list', 'rotate', 'retire', 'disable', 'enable', 'remove'] as const;

function row(v: WebhookSourceView): string {
  const flags = [
    v.enabled ? 'enabled' : 'DISABLED',
    v.unsigned ? 'UNSIGNED' : v.has_secret ? 'signed' : 'no secret',
    v.require_timestamp ? 'timestamp required' : 'timestamp optional',
    v.rate_limit ? `${v.rate_limit}/min` : null,
    v.previous_secret_valid_until ? `previous secret valid until ${v.previous_secret_valid_until}` : null,
  ].filter(Boolean);
  return `${v.name.padEnd(24)} ${v.origin.padEnd(9)} ${flags.join(', ')}`;
}

/**
 * `triage-warden webhook-source <add|list|rotate|retire|disable|enable|remove> [source]`: manages
 * webhook sources in the configured database directly (like `migrate`). Running API processes see a
 * change within about a second (their cache TTL). A new secret is printed once, on stdout.
 */
export async function runWebhookSource(
  config: Config,
  log: PinoLogger,
  args: WebhookSourceArgs,
): Promise<number> {
  const action = args.action as (typeof ACTIONS)[number] | undefined;
  if (!action || !ACTIONS.includes(action)) {
    console.error(`usage: triage-warden webhook-source <${ACTIONS.join('|')}> [source] (see --help)`);
    return 2;
  }
  if (action !== 'list' && !args.name) {
    console.error(`triage-warden webhook-source ${action}: name the source`);
    return 2;
  }
  let rateLimit: number | undefined;
  if (args.rateLimit !== undefined) {
    rateLimit = Number(args.rateLimit);
    if (!Number.isInteger(rateLimit) || rateLimit < 1) {
      console.error('--rate-limit must be a whole number of requests per minute, at least 1');
      return 2;
    }
  }
  const { box, reason } = webhookSecretBox(config);
  const db = await openCliDatabase(config);
  const bus = new InProcessEventBus();
  try {
    await migrate(db);
    const sources = new WebhookSourceService({
      store: new SqlWebhookSourceStore(db),
      bus,
      log: asPortLogger(log),
      box,
      ...(reason ? { noKeyReason: reason } : {}),
      configured: config.webhooks.sources,
      configuredOrigin: (n) => webhookSourceOrigin(config, n),
      local: readLocalSecrets(config.data_dir) ?? {},
      rotationGraceMs: config.webhooks.rotation_grace,
    });
    const name = args.name!;
    switch (action) {
      case 'list':
        for (const v of await sources.list()) console.log(row(v));
        return 0;
      case 'add': {
        const created = await sources.create({
          name,
          ...(args.secret !== undefined ? { secret: args.secret } : {}),
          ...(args.unsigned ? { unsigned: true } : {}),
          require_timestamp: !args.noRequireTimestamp,
          ...(rateLimit !== undefined ? { rate_limit: rateLimit } : {}),
        });
        console.log(row(created.source));
        if (created.secret && args.secret === undefined)
          console.log(`secret (shown once, store it in the sender now): ${created.secret}`);
        return 0;
      }
      case 'rotate': {
        const rotated = await sources.rotate(name, args.secret);
        console.log(row(rotated.source));
        if (args.secret === undefined)
          console.log(`new secret (shown once, store it in the sender now): ${rotated.secret}`);
        return 0;
      }
      case 'retire':
        console.log(row(await sources.retire(name)));
        return 0;
      case 'disable':
      case 'enable':
        console.log(row(await sources.update(name, { enabled: action === 'enable' })));
        return 0;
      case 'remove':
        await sources.remove(name);
        console.log(`removed ${name}`);
        return 0;
    }
  } catch (err) {
    if (isAppError(err)) {
      console.error(`triage-warden webhook-source ${action}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await bus.close();
    await db.close();
  }
}
