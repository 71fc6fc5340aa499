/**
 * `@modelmesh/testing` — conformance suites that any connector (shipped or third-party) runs in its own
 * vitest file, one line per connector type. Each suite is also exported as data (`*ConformanceChecks`, the
 * suite objects) so it can run without vitest through `runConformance`. The mock provider server the suites
 * use is `@modelmesh/testing/server`.
 */

// Runner: checks, suites, programmatic runs
export { ConformanceError, ConformanceSkip } from "./conformance/assert.js";
export {
  DEFAULT_CHECK_TIMEOUT_MS,
  failedChecks,
  runConformance,
  type CapabilityFlags,
  type ConformanceCheck,
  type ConformanceResult,
  type ConformanceSuite,
  type SuiteEnvironment,
} from "./conformance/runner.js";
export { describeConformance } from "./conformance/vitest-suite.js";

// Provider suite
export { describeProviderConformance, providerConformance, providerConformanceChecks } from "./conformance/provider/index.js";
export type { ProviderCheck } from "./conformance/provider/contract-checks.js";
export type {
  ProviderCapabilities,
  ProviderCheckContext,
  ProviderConformanceOptions,
  ProviderCreateContext,
  ProviderUpstream,
} from "./conformance/provider/types.js";

// Service suites
export {
  CONFORMANCE_SECRETS,
  describeSecretStoreConformance,
  secretStoreConformance,
  secretStoreConformanceChecks,
  type SecretStoreCapabilities,
  type SecretStoreCheckContext,
  type SecretStoreConformanceOptions,
} from "./conformance/secret-store.js";
export {
  describeStorageConformance,
  storageConformance,
  storageConformanceChecks,
  type StorageCapabilities,
  type StorageCheckContext,
  type StorageConformanceOptions,
} from "./conformance/storage.js";
export {
  describeObservabilityConformance,
  observabilityConformance,
  observabilityConformanceChecks,
  PLANTED_SECRET,
  sampleEvents,
  type ObservabilityCheckContext,
  type ObservabilityConformanceOptions,
} from "./conformance/observability.js";
export {
  describeDiscoveryConformance,
  discoveryConformance,
  discoveryConformanceChecks,
  type DiscoveryCapabilities,
  type DiscoveryCheckContext,
  type DiscoveryConformanceOptions,
  type DiscoveryCreateContext,
  type DiscoveryTarget,
} from "./conformance/discovery.js";

// Rotation suites and fixtures
export {
  DEACTIVATION_REASONS,
  deactivationConformance,
  deactivationConformanceChecks,
  describeDeactivationConformance,
  describeRecoveryConformance,
  describeSelectionConformance,
  recoveryConformance,
  recoveryConformanceChecks,
  selectionConformance,
  selectionConformanceChecks,
  type RotationCheckContext,
  type RotationConformanceOptions,
} from "./conformance/rotation.js";
export { failedOutcome, failingSnapshot, okOutcome, ROTATION_NOW, routeSnapshot, selectionContext, threeCandidates } from "./conformance/rotation-fixtures.js";
