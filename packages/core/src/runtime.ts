/**
 * `@modelmesh/core/runtime` — the part of core a running mesh needs, without the config schema, the YAML
 * loader or the connector registry: router, state ledger and stores, capability tree, events, errors, the
 * OpenAI-shaped client, and the functions that assemble a mesh from a validated config
 * (`assembleMesh`, `buildPools`, …). Free of zod, yaml and Node APIs, for browsers, workers and edge
 * runtimes (`@modelmesh/browser`); `createMesh` in the root entry builds on the same functions.
 */

declare const __PACKAGE_VERSION__: string;
/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// OpenAI wire types
export type {
  ChatAssistantMessage,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionDelta,
  ChatCompletionMessage,
  ChatCompletionParams,
  ChatCompletionRequest,
  ChatContentPart,
  ChatContentPartFile,
  ChatContentPartImage,
  ChatContentPartInputAudio,
  ChatContentPartRefusal,
  ChatContentPartText,
  ChatFinishReason,
  ChatFunctionMessage,
  ChatLogprobs,
  ChatTokenLogprob,
  ChatMessage,
  ChatResponseFormat,
  ChatSystemMessage,
  ChatTool,
  ChatToolCall,
  ChatToolCallDelta,
  ChatToolChoice,
  ChatToolMessage,
  ChatUserMessage,
  CompletionUsage,
} from "./wire/chat.js";
export type {
  Embedding,
  EmbeddingParams,
  EmbeddingRequest,
  EmbeddingResponse,
  ImageData,
  ImageGenerationParams,
  ImageGenerationRequest,
  ImagesResponse,
  ModelList,
  ModelListEntry,
  SpeechParams,
  SpeechRequest,
  SpeechResponse,
  TranscriptionParams,
  TranscriptionRequest,
  TranscriptionResponse,
} from "./wire/media.js";

// Connector interfaces
export type {
  AttemptTimeouts,
  BatchJob,
  CallOptions,
  ErrorClassification,
  ModelDelivery,
  ModelFeatures,
  ModelInfo,
  ModelPricing,
  ProviderConnectorV1,
  RateLimitInfo,
  ResponseLimits,
  ResponseMeta,
  TokenUsage,
} from "./connectors/provider.js";
export { DEFAULT_PROVIDER_CAPABILITIES, providerCapabilities } from "./connectors/provider.js";
export type {
  AttemptOutcome,
  CircuitState,
  DeactivationDecision,
  DeactivationPolicyV1,
  DeactivationReason,
  RecoveryPolicyV1,
  RecoveryTrigger,
  RotationPolicySet,
  RouteIdentity,
  RouteSnapshot,
  RouteStatus,
  SelectionContext,
  SelectionResult,
  SelectionStrategyV1,
} from "./connectors/rotation.js";
export type {
  AggregateStats,
  DiscoveryConnectorV1,
  DiscoveryHost,
  EntryMetadata,
  HealthReport,
  LiveStorageConnector,
  LockHandle,
  ObservabilityConnectorV1,
  ProbeResult,
  RequestLogEntry,
  SecretStoreConnectorV1,
  Severity,
  StorageConnectorV1,
  StorageEntry,
  SyncResult,
  SyncStatus,
  TraceEntry,
} from "./connectors/services.js";
export { hasLiveStore } from "./connectors/services.js";

// Errors
export {
  ModelMeshError,
  codeForCategory,
  isModelMeshError,
  formatMessage,
  type ErrorCategory,
  type ModelMeshErrorCode,
  type ModelMeshErrorOptions,
} from "./errors/model-mesh-error.js";
export {
  ConfigError,
  DeadlineExceededError,
  ProviderError,
  RoutingError,
  StreamInterruptedError,
  type ConfigErrorCode,
  type ConfigIssue,
} from "./errors/errors.js";
export { LOCAL_RESOURCE_CODES, LOCAL_RESOURCE_RETRY_AFTER_MS, isLocalFailure, localResourceCode } from "./errors/local-resource.js";
export {
  classifyHttpError,
  extractErrorDetail,
  parseResetDuration,
  parseRetryAfter,
  readRateLimitHeaders,
} from "./errors/classify-http-error.js";

// Events and time
export {
  MeshEventBus,
  type AttemptEndEvent,
  type AttemptErrorEvent,
  type AttemptStartEvent,
  type MeshEvent,
  type MeshEventListener,
  type MeshEventType,
  type ProviderDeactivatedEvent,
  type ProviderRecoveredEvent,
  type QuotaExhaustedEvent,
  type StoreStatusEvent,
  type ProviderHealthEvent,
  type RegistrySyncEvent,
  type RequestEndEvent,
  type RequestStartEvent,
  type RotationEvent,
  type RouteDeactivatedEvent,
  type RouteProbeEvent,
  type RouteRecoveredEvent,
  type RouteSelectedEvent,
  type StreamCommitEvent,
  type StreamEndEvent,
  type WarningEvent,
} from "./events/events.js";

export { createManualClock, sleep, systemClock, type Clock, type ManualClock, type TimerOptions } from "./internal/clock.js";
export { LazyAbort, watchSignal, type AbortWatch } from "./internal/abort.js";
export { costOf } from "./internal/pricing.js";

// Routing trace
export type {
  AttemptAction,
  FilterStage,
  ResolutionKind,
  RoutingTrace,
  TraceAttempt,
  TraceCandidate,
} from "./router/trace.js";

// Capability tree
export type { CapabilityTreeView } from "./capability/types.js";
export { CapabilityTree } from "./capability/tree.js";
export { DOCUMENTED_ALIASES, PREDEFINED_POOLS, SHIPPED_TAXONOMY, type PredefinedPool, type Taxonomy, type TaxonomyCategory } from "./capability/taxonomy.js";
export {
  poolMembers,
  resolveVirtualName,
  type MemberModel,
  type NameContext,
  type NamedModel,
  type NamedPool,
  type NameResolution,
  type PoolMembershipSpec,
} from "./capability/resolve-name.js";

// Router
export { Router, routeIdOf, type RouterOptions } from "./router/router.js";
export { envSecret, toEnvName } from "./config/env-name.js";
export { runMiddleware, type BeforeRequestResult, type MiddlewareContext, type RouterMiddleware } from "./router/middleware.js";
export { chatRequirements, estimatePromptTokens, type Requirement } from "./router/requirements.js";
export { backoffDelay, seededRandom } from "./router/backoff.js";
export { createStickUntilFailure, STICK_UNTIL_FAILURE_ID } from "./router/stick-until-failure.js";
export { createPrioritySelection, PRIORITY_SELECTION_ID, type PrioritySelectionOptions } from "./router/priority-selection.js";
export { isCommitChunk, type StreamCommit, type StreamOutcome } from "./router/stream-guard.js";
export { DEFAULT_FIRST_TOKEN_MS, DEFAULT_REASONING_FIRST_TOKEN_MS, type FirstTokenSetting } from "./router/first-token.js";
export { decide, mostMeaningful, type Decision } from "./router/decide.js";
export type {
  QuotaClock,
  QuotaLimits,
  RequestOptions,
  RetrySettings,
  Routed,
  RouterModel,
  RouterPool,
  RouterProvider,
  RoutingDefaults,
} from "./router/types.js";

// State ledger
export {
  updateState,
  type IncrementOp,
  type StateSnapshot,
  type StateSnapshotEntry,
  type StateStore,
  type StateWriteOptions,
  type UpdateStateOptions,
  type UpdateStateResult,
  type VersionedValue,
} from "./state/state-store.js";
export { MemoryStateStore, type MemoryStateStoreOptions } from "./state/memory-store.js";
export { FallbackStateStore, isStoreUnavailable, type FallbackStateStoreOptions, type StoreFailurePolicy, type StoreStatus } from "./state/fallback-store.js";
export { windowBounds, windowEnd, windowStart, type QuotaWindow, type QuotaWindowKind } from "./state/quota-windows.js";
export {
  COOLDOWN_RECOVERY_ID,
  THRESHOLD_DEACTIVATION_ID,
  createCooldownRecovery,
  createThresholdDeactivation,
  type CooldownRecoveryOptions,
  type ThresholdDeactivationOptions,
} from "./state/policies.js";
export { StateLedger } from "./state/ledger.js";
export { AvailabilityIndex, type OutOfService } from "./state/availability-index.js";
export { QUOTA_REASONS } from "./state/route-record.js";
export type {
  AcquireRefusalKind,
  AcquireResult,
  FailureReport,
  LedgerPolicies,
  LedgerRouteSnapshot,
  ProviderDescriptor,
  ProviderStatus,
  QuotaUsage,
  RecordResult,
  RouteDescriptor,
  StateLedgerOptions,
  SuccessReport,
} from "./state/ledger-types.js";
export { StateSync, type StateSyncOptions, type SyncPolicy } from "./state/sync.js";

// Assembling a mesh from a validated config
export {
  assembleMesh,
  buildPools,
  gatherModels,
  probeLeaseMs,
  routerProviderOf,
  startLocalState,
  type AssembleMeshParts,
  type LocalStateOptions,
  type MeshRuntime,
  type MeshState,
  type PoolPoliciesFactory,
  type RuntimeConfig,
} from "./mesh/assemble.js";
export { PoolRegistry, type PoolRegistryOptions, type PoolResolution } from "./mesh/pools.js";
export { cooldownRecoveryConnector, prioritySelectionConnector, stickUntilFailureConnector, thresholdDeactivationConnector, type PoolPolicyConfig } from "./mesh/builtins.js";
export type { ConnectorContext } from "./registry/registry.js";
export { DEFAULT_POOL_ENTRY, DEFAULT_ROUTING, defaultPoolEntry } from "./config/defaults.js";
export { formatDuration, parseDuration, tryParseDuration, formatSize, parseSize, tryParseSize } from "./config/duration.js";
export type { MeshConfig, ModelConfig, PoolConfig, ProviderEntry } from "./config/schema.js";

// The OpenAI-shaped client
export { MeshClient, type ChatCompletionsCreate, type ChatCompletionCreateParamsNonStreaming, type ChatCompletionCreateParamsStreaming, type MeshRequestOptions, type ModelPage, type TranscriptionCreateParams } from "./client/client.js";
export { MeshStream } from "./client/stream.js";
export { getTrace } from "./client/trace.js";
export { toSdkCompletion, type MeshChatCompletion, type MeshChatCompletionChunk, type MeshChatCompletionMessage } from "./client/openai-shapes.js";
export type { Uploadable } from "./client/uploadable.js";
