export { ConfigError, loadConfig, parseDuration, selectedModes, webhookSourceOrigin } from './load.ts';
export type { Config, LoadOptions } from './load.ts';
export { ConfigSchema } from './schema.ts';
export type { RawConfig } from './schema.ts';
