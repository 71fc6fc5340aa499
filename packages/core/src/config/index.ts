/**
 * Config: the one snake_case schema, `${env:…}` / `${secrets:…}` interpolation, the loader and the
 * reference checks. Re-exported from the package entry; explicit names only.
 */
export { formatDuration, formatSize, parseDuration, parseSize, tryParseDuration, tryParseSize } from "./duration.js";
export { parseStreamCommit } from "./schema-primitives.js";
export { CORS_ORIGIN, isValidCron, isValidTimeZone } from "./validators.js";
export {
  CONFIG_SECTIONS,
  defineConfig,
  meshConfigSchema,
  type ConnectorsConfig,
  type DiscoveryConfig,
  type MeshConfig,
  type MeshConfigInput,
  type ModelConfig,
  type ObservabilityConfig,
  type PoolConfig,
  type ProviderEntry,
  type ProxyConfig,
  type RoutingConfig,
  type SecretsConfig,
  type StorageConfig,
} from "./schema.js";
export { vendorModelId } from "./schema-model.js";
export { DEFAULT_SELECTION_STRATEGY } from "./schema-pool.js";
export {
  DEFAULT_SECRET_STORE,
  interpolateConfig,
  scanReferences,
  type ConfigReference,
  type EnvRecord,
  type InterpolateOptions,
  type InterpolationResult,
  type ReferencePart,
  type SecretResolver,
  type SecretResolverContext,
} from "./interpolate.js";
export { loadConfig, parseConfigObject, type LoadConfigOptions, type ParseConfigOptions } from "./load.js";
export { validateReferences, type ReferenceCheckResult, type ValidateReferencesOptions } from "./references.js";
export { formatPath, type ConfigIssueDraft, type ConfigPath } from "./issues.js";
