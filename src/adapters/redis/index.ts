export { RedisCache } from './redis.cache.ts';
export type { RedisCacheOptions } from './redis.cache.ts';
export { RedisConnection, quitClient, reconnectDelay } from './redis.connection.ts';
export type {
  DuplicateOptions,
  RedisArchitecture,
  RedisClient,
  RedisConnectionOptions,
  RedisConnectionStatus,
} from './redis.connection.ts';
export { toAppError, translated, withDeadline } from './redis.errors.ts';
export { RedisEventBus, toPublicId, toStreamId } from './redis.event-bus.ts';
export type { RedisEventBusOptions } from './redis.event-bus.ts';
export { RedisKeyspace } from './redis.keyspace.ts';
export { RedisLeaderElector } from './redis.leader-elector.ts';
export type { RedisLeaderElectorOptions } from './redis.leader-elector.ts';
export { RedisRateLimiter } from './redis.rate-limiter.ts';
export type { RedisRateLimiterOptions } from './redis.rate-limiter.ts';
