/**
 * @modelmesh/cdk — the Connector Development Kit: base classes (a protocol-neutral HTTP base and the
 * OpenAI-shaped one over it), specialized classes for common backends, composable mixins, transports and helpers.
 * This entry is platform-neutral (no Node built-ins); Node defaults live in `@modelmesh/cdk/node`.
 */

// Transports
export type { Transport, TransportRequest, TransportResponse } from "./transport/types.js";
export { createFetchTransport, type FetchTransportOptions } from "./transport/fetch-transport.js";
export { withProxyUrl, proxiedUrl } from "./transport/proxy-url.js";
export { redactHeaders, isSecretHeader, scrubSecrets } from "./transport/redact-headers.js";
export { classifyLowLevelError, toTransportError, type LowLevelClassification, type TransportPhase } from "./transport/transport-errors.js";
export { readText, readBytes } from "./transport/read-body.js";

// SSE
export { DEFAULT_MAX_EVENT_SIZE, parseSse, SseEventReader, SseLineParser, type SseEvent, type SseParseOptions, type SseProgress } from "./sse/parse-sse.js";
export { chatStream, parseOpenAIChunk, chunkHasOutput, type ChatStreamOptions, type ChunkParser } from "./sse/chat-stream.js";
export { streamErrorFromPayload, malformedChunkError, responseTooLargeError, truncatedStreamError, streamTimeoutError } from "./sse/stream-errors.js";

// Provider base and specialized classes
export { ProviderCatalogue } from "./providers/provider-catalogue.js";
export { HttpProviderBase } from "./providers/http-provider-base.js";
export { ProviderBase, type EndpointKind } from "./providers/provider-base.js";
export type { ProviderHttp, ResolvedCall } from "./providers/provider-http.js";
export { BaseProvider, BrowserBaseProvider, type BrowserProviderConfig } from "./providers/base-provider.js";
export { OpenAICompatibleProvider, OPENAI_BASE_URL, type OpenAICompatibleConfig } from "./providers/openai-compatible-provider.js";
export { HttpApiProvider, type HttpApiProviderConfig } from "./providers/http-api-provider.js";
export {
  getPath,
  setPath,
  mapRequest,
  mapResponse,
  mapStreamChunk,
  DEFAULT_REQUEST_MAPPING,
  DEFAULT_RESPONSE_MAPPING,
  DEFAULT_STREAM_MAPPING,
  DEFAULT_FINISH_REASONS,
  type HttpApiRequestMapping,
  type HttpApiResponseMapping,
  type MappingContext,
} from "./providers/http-api-mapping.js";
export { QuickProvider } from "./providers/quick-provider.js";
export { ProviderInitError } from "./providers/provider-init-error.js";
export { providerConfigFromYaml, checkProviderConfig, CHAT_COMPLETION, type ProviderConfig } from "./providers/provider-config.js";
export { providerConfigSchema, type ProviderConfigBlock } from "./providers/provider-config-schema.js";
export { classifyAnyError, errorIdentity, errorSource, invalidResponseError, unsupportedRequestError, type ErrorSource } from "./providers/provider-errors.js";
export { completionToChunks, splitUsage } from "./providers/wire-helpers.js";
export { copyModelInfo, withCatalogue } from "./providers/model-catalogue.js";
export { DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES, limitResponse } from "./providers/response-limits.js";
export { MAX_UPSTREAM_MESSAGE, MAX_UPSTREAM_RAW, sanitizeUpstreamText } from "./helpers/upstream-text.js";
/** Cost of a call from per-1M prices (core's, re-exported for connector authors). */
export { costOf } from "@modelmesh/core";
export { modelsFromList } from "./providers/model-list.js";

// Mixins: function wrappers first, class sugar over the same wrappers
export { compose, isStreamLike, type ProviderCall, type ProviderMiddleware } from "./mixins/middleware.js";
export { computeRetryDelay, defaultRetryClassify, retryMiddleware, type RetryClassification, type RetryOptions } from "./mixins/retry.js";
export { cacheMiddleware, defaultCacheKey, LruTtlCache, type CacheMiddleware, type CacheMiddlewareOptions, type CacheStats, type LruTtlCacheOptions } from "./mixins/cache.js";
export {
  estimateRequestTokens,
  rateLimitMiddleware,
  RateLimitExceededError,
  TokenBucketRateLimiter,
  type RateLimiterOptions,
  type RateLimitMiddleware,
  type RateLimitMiddlewareOptions,
  type RateLimitReservation,
} from "./mixins/rate-limiter.js";
export {
  CIRCUIT_TRIPPING_CATEGORIES,
  CircuitBreaker,
  circuitBreakerMiddleware,
  CircuitOpenError,
  defaultIsCircuitFailure,
  type CircuitBreakerMiddleware,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  type CircuitPermit,
} from "./mixins/circuit-breaker.js";
export { raceTimeout, TimeoutError, timeoutMiddleware, type RaceTimeoutOptions, type TimeoutMiddlewareOptions } from "./mixins/timeout.js";
export { DEFAULT_LATENCY_BUCKETS_MS, MetricsCollector, metricsMiddleware, type MetricsMiddleware, type MetricsMiddlewareOptions, type MetricsOptions, type MetricsSnapshot } from "./mixins/metrics.js";
export { deserialize, loadMsgpack, serialize, SERIALIZATION_CONTENT_TYPES, SERIALIZATION_FORMATS, SerializationError, type MsgpackModule, type SerializationFormat } from "./mixins/serialization.js";
export {
  getMixin,
  withCache,
  withCircuitBreaker,
  withMetrics,
  withMiddleware,
  withRateLimiter,
  withRetry,
  withTimeout,
  type ClassMixinOptions,
  type MixinBase,
  type MixinTarget,
} from "./mixins/with-mixins.js";

// Service base and specialized classes (platform-neutral)
export { BaseRotationPolicy, nextUtcMidnight, type RotationPolicyOptions } from "./services/base-rotation-policy.js";
export { ThresholdRotationPolicy, type ThresholdRotationPolicyOptions } from "./services/threshold-rotation-policy.js";
export { BaseSecretStore, MemorySecretStore, secretMissingError, type SecretStoreOptions } from "./services/base-secret-store.js";
export { EnvSecretStore, toEnvName, type EnvSecretStoreOptions } from "./services/env-secret-store.js";
export { flattenToDotted, parseDotenv, parseTomlSubset, selectPath } from "./services/secret-file-parsers.js";
export { BaseStorage, type StorageOptions, type StoredRecord } from "./services/base-storage.js";
export { BaseObservability, NullObservability, type ObservabilityOptions, type ObservabilityRecord } from "./services/base-observability.js";
export { ConsoleObservability, type ConsoleObservabilityOptions } from "./services/console-observability.js";
export { BaseDiscovery, type DiscoveredModel, type DiscoveryOptions } from "./services/base-discovery.js";
export { HttpHealthDiscovery, type HttpHealthDiscoveryOptions } from "./services/http-health-discovery.js";

// Helpers
export { isSecretKey, REDACTED, redactObject, redactSecret, redactText, type RedactOptions } from "./helpers/redact.js";
export { isPlainObject, mergeConfigs, type Merged } from "./helpers/merge-configs.js";
export { CONNECTOR_ID_PATTERN, defineConnector, type ConnectorDescriptorShape } from "./helpers/define-connector.js";
export { contentHash, stableStringify } from "./helpers/stable-json.js";
export { CircuitStates, DeactivationReasons, DeprecationAction, LogLevel, ModelStatus, RecoveryTriggers, Severities, SEVERITY_ORDER, SyncAction, SyncPolicies } from "./helpers/enums.js";

// Connector descriptors (register them on a ConnectorRegistry; nothing registers at import time)
export { CDK_CONNECTORS } from "./connectors/index.js";
