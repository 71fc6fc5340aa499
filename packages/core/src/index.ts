/**
 * @modelmesh/core — connector interfaces, OpenAI wire types, capability tree, config, connector registry,
 * router, state ledger, events and errors. Platform-neutral: no Node built-ins, runtime deps zod + yaml.
 */

declare const __PACKAGE_VERSION__: string;
/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Everything a running mesh needs (router, ledger, stores, events, errors, capability tree, the OpenAI-shaped
// client, assembling a mesh): the zod- and yaml-free runtime entry, `@modelmesh/core/runtime`.
export * from "./runtime.js";

// Config
export {
  CONFIG_SECTIONS,
  DEFAULT_SECRET_STORE,
  DEFAULT_SELECTION_STRATEGY,
  defineConfig,
  formatDuration,
  formatPath,
  formatSize,
  interpolateConfig,
  CORS_ORIGIN,
  isValidCron,
  isValidTimeZone,
  loadConfig,
  meshConfigSchema,
  parseConfigObject,
  parseDuration,
  parseStreamCommit,
  parseSize,
  scanReferences,
  tryParseDuration,
  tryParseSize,
  validateReferences,
  vendorModelId,
  type ConfigIssueDraft,
  type ConfigPath,
  type ConfigReference,
  type ConnectorsConfig,
  type DiscoveryConfig,
  type EnvRecord,
  type InterpolateOptions,
  type InterpolationResult,
  type LoadConfigOptions,
  type MeshConfig,
  type MeshConfigInput,
  type ModelConfig,
  type ObservabilityConfig,
  type ParseConfigOptions,
  type PoolConfig,
  type ProviderEntry,
  type ProxyConfig,
  type ReferenceCheckResult,
  type ReferencePart,
  type RoutingConfig,
  type SecretResolver,
  type SecretResolverContext,
  type SecretsConfig,
  type StorageConfig,
  type ValidateReferencesOptions,
} from "./config/index.js";

// Connector registry
export {
  ConnectorRegistry,
  isPackageSpecifier,
  type ConnectorContext,
  type ConnectorDescriptor,
  type ConnectorRuntime,
  type ConnectorType,
  type MeshServiceDescriptor,
  type MeshServiceHandle,
  type ModuleImporter,
  type RotationRole,
} from "./registry/registry.js";

// Mesh (config → running router)
export { createMesh, type CreateMeshOptions, type Mesh } from "./mesh/create-mesh.js";
export { CORE_CONNECTORS, registerCoreConnectors } from "./mesh/builtins.js";
export { RECOVERY_SCHEDULER_ID, schedulerKeys } from "./mesh/services.js";
export { KNOWN_CONNECTOR_PACKAGES, knownConnectorPackage } from "./registry/known-connectors.js";
