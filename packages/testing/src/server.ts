/**
 * `@modelmesh/testing/server` — a fault-injecting, OpenAI-compatible mock provider on a real local socket
 * (Node only). Connector and router tests point a real client at `mock.url` and script failures with
 * `mock.fault(...)`; every request is recorded in `mock.calls`.
 */

// Server
export { startMockProvider } from "./server/mock-provider.js";
export type {
  MockModel,
  MockProvider,
  MockProviderOptions,
  MockReply,
  MockToolCall,
  RateLimitHeadersOptions,
  RecordedCall,
} from "./server/types.js";

// Faults
export type { Fault, FaultKind, FaultRule } from "./server/fault-types.js";

// Deterministic model behaviour, for computing expected values in tests
export { countWords, tokenize } from "./server/tokenize.js";
export { mockEmbedding } from "./server/media.js";
export { faultCatalogue, POST_COMMIT_FAULT_KINDS, type CatalogueFault } from "./server/fault-catalogue.js";
export type { MockChatMessage, MockChatRequest, MockUsage, OpenAIErrorBody } from "./server/wire.js";
