/**
 * @modelmesh/storage-redis — the state ledger's store on Redis (shared by every proxy instance) and the
 * `modelmesh.redis.v1` storage connector. Nothing runs at import time.
 */
declare const __PACKAGE_VERSION__: string;

/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

export { createRedisStateStore, RedisStateStore, type RedisStateStoreOptions } from "./redis-state-store.js";
export {
  createRedisStorage,
  REDIS_STORAGE_ID,
  RedisStorage,
  redisConnectionConfigSchema,
  redisStorageConfigSchema,
  redisStorageConnector,
  type RedisStorageConfig,
  type RedisStorageOptions,
} from "./redis-storage.js";
export { redactUrl, STORE_UNAVAILABLE_CODE, StoreUnavailableError, StoreValueError, type StoreUnavailableErrorOptions } from "./errors.js";
export type { RedisClient } from "./connection.js";
export { redisStorageConnector as connector } from "./redis-storage.js";
