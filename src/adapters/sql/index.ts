export type { PoolStats, SqlDatabase } from './database.ts';
export { SqlIncidentStore } from './incident.repository.ts';
export { MIGRATIONS } from './migrations.ts';
export type { Migration } from './migrations.ts';
export { migrate } from './migrator.ts';
export type { DB } from './schema.ts';
export { SqlIdentityStore } from './identity.repository.ts';
export { SqlLlmTranscriptStore } from './llm-transcript.repository.ts';
export { SqlReplayGuard, SqlWebhookSourceStore } from './webhook-source.repository.ts';
