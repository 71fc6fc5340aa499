/**
 * The subset of the Gemini Developer API wire format (`generativelanguage.googleapis.com/v1beta`) that this
 * connector sends and reads. Field names are the REST API's camelCase JSON names, exactly as on the wire (the
 * API also accepts snake_case; we always send camelCase, as `@google/genai` does). Types only: nothing here
 * runs. Reference: https://ai.google.dev/api/generate-content
 */

/** Raw bytes of a media part, base64-encoded. */
export interface GeminiInlineData {
  /** IANA media type, e.g. `image/png`. */
  mimeType: string;
  /** Base64 data (no `data:` prefix). */
  data: string;
}

/** A media part referenced by URI (Files API URI, `gs://` or a public https URL). */
export interface GeminiFileData {
  /** The URI. */
  fileUri: string;
  /** IANA media type; required by the API for most URIs. */
  mimeType?: string;
}

/** A function call the model made. Gemini sends it whole, never in fragments. */
export interface GeminiFunctionCall {
  /** Function name (matches a declaration). */
  name: string;
  /** Arguments as a JSON object (not a string, unlike OpenAI). */
  args?: Record<string, unknown>;
  /** Call id; only some models/versions send one. */
  id?: string;
}

/** The result of a function call, sent back by the client. */
export interface GeminiFunctionResponse {
  /** Name of the function that was called. */
  name: string;
  /** The result; must be a JSON object (a protobuf Struct). */
  response: Record<string, unknown>;
  /** Call id, when the call had one. */
  id?: string;
}

/** One part of a content turn. Exactly one of the data fields is set. */
export interface GeminiPart {
  /** Plain text. */
  text?: string;
  /** Media sent inline, base64. */
  inlineData?: GeminiInlineData;
  /** Media referenced by URI. */
  fileData?: GeminiFileData;
  /** A call the model made (model turns only). */
  functionCall?: GeminiFunctionCall;
  /** A call's result (user turns only). */
  functionResponse?: GeminiFunctionResponse;
  /** True for a thought summary (only with `thinkingConfig.includeThoughts`); never shown as content. */
  thought?: boolean;
  /** Opaque signature of the model's reasoning attached to a part. */
  thoughtSignature?: string;
}

/** A turn. Roles are `user` and `model` only; tool results travel in `user` turns. */
export interface GeminiContent {
  /** Absent on `systemInstruction`. */
  role?: "user" | "model";
  /** One or more parts; Gemini rejects an empty list. */
  parts: GeminiPart[];
}

/**
 * Gemini's Schema object: an OpenAPI 3.0 subset. `type` is upper-case (`OBJECT`, `STRING`, …) as the SDK
 * sends it; nullability is `nullable: true`, not a `"null"` type.
 */
export interface GeminiSchema {
  type?: "TYPE_UNSPECIFIED" | "STRING" | "NUMBER" | "INTEGER" | "BOOLEAN" | "ARRAY" | "OBJECT" | "NULL";
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  minItems?: string | number;
  maxItems?: string | number;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  minProperties?: string | number;
  maxProperties?: string | number;
  minLength?: string | number;
  maxLength?: string | number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: GeminiSchema[];
  propertyOrdering?: string[];
  default?: unknown;
  example?: unknown;
}

/** A function the model may call. */
export interface GeminiFunctionDeclaration {
  /** `[a-zA-Z_][a-zA-Z0-9_.-]{0,63}`. */
  name: string;
  /** What the function does (the model reads it). */
  description?: string;
  /** Arguments schema in the OpenAPI subset (see {@link GeminiSchema}); omitted when there are none. */
  parameters?: GeminiSchema;
}

/** A tool: this connector only sends function declarations. */
export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  [key: string]: unknown;
}

/** How the model may use the declared functions. */
export interface GeminiToolConfig {
  functionCallingConfig: {
    /** `AUTO` (default), `ANY` (must call one), `NONE` (must not call). */
    mode: "AUTO" | "ANY" | "NONE";
    /** With `ANY`: the functions it may choose from. */
    allowedFunctionNames?: string[];
  };
}

/** Sampling and output settings. */
export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  candidateCount?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** `application/json` for JSON mode and structured output. */
  responseMimeType?: string;
  /** Structured output schema in the OpenAPI subset. */
  responseSchema?: GeminiSchema;
  /** Structured output schema as plain JSON Schema (Gemini 2.5 and later). */
  responseJsonSchema?: Record<string, unknown>;
  /** Thinking budget / thought summaries (2.5 models). */
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** `POST models/{model}:generateContent` (and `:streamGenerateContent`) body. */
export interface GeminiGenerateContentRequest {
  /** The conversation. */
  contents: GeminiContent[];
  /** System instructions (text parts, no role). */
  systemInstruction?: GeminiContent;
  /** Function declarations (and native tools passed through `extra_body.google`). */
  tools?: GeminiTool[];
  /** Function calling mode. */
  toolConfig?: GeminiToolConfig;
  /** Sampling and output settings; omitted when empty. */
  generationConfig?: GeminiGenerationConfig;
  /** Per-category block thresholds (only through `extra_body.google`). */
  safetySettings?: Array<{ category: string; threshold: string }>;
  /** `cachedContents/…` resource to prepend (only through `extra_body.google`). */
  cachedContent?: string;
  [key: string]: unknown;
}

/** One candidate answer. */
export interface GeminiCandidate {
  /** The new parts (in a stream: only this event's). Absent when nothing was generated (e.g. SAFETY). */
  content?: { role?: string; parts?: GeminiPart[] };
  /** Absent while a stream is still generating this candidate. */
  finishReason?: string;
  /** Human-readable detail of the finish reason. */
  finishMessage?: string;
  /** Candidate index (with `candidateCount` > 1). */
  index?: number;
  /** Per-category safety ratings. */
  safetyRatings?: unknown[];
}

/** Token accounting of a response (cumulative in streams: every chunk carries the totals so far). */
export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  /** Hidden reasoning tokens of thinking models; billed as output. */
  thoughtsTokenCount?: number;
  /** Tokens of server-side tool results fed back to the model; billed as input. */
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/** `generateContent` response, and one `data:` event of a `streamGenerateContent?alt=sse` stream. */
export interface GeminiGenerateContentResponse {
  /** The answers; absent when the prompt was blocked. */
  candidates?: GeminiCandidate[];
  /** Present (in the first chunk only) when the prompt itself was blocked. */
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string; safetyRatings?: unknown[] };
  /** Token accounting. */
  usageMetadata?: GeminiUsageMetadata;
  /** The model that answered, e.g. `gemini-2.5-flash`. */
  modelVersion?: string;
  /** Id of the response (the same on every event of a stream). */
  responseId?: string;
}

/** `POST models/{model}:embedContent` body (also one entry of `:batchEmbedContents`). */
export interface GeminiEmbedContentRequest {
  /** `models/{model}`; required inside a batch, optional for a single call. */
  model?: string;
  /** The text to embed (text parts only). */
  content: GeminiContent;
  /** `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, … */
  taskType?: string;
  /** Document title (with `RETRIEVAL_DOCUMENT`). */
  title?: string;
  /** Truncates the vector to this many dimensions. */
  outputDimensionality?: number;
}

/** A model as listed by `GET /v1beta/models`. */
export interface GeminiModel {
  /** `models/gemini-2.5-flash`. */
  name: string;
  baseModelId?: string;
  version?: string;
  displayName?: string;
  description?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  /** `generateContent`, `countTokens`, `embedContent`, `batchEmbedContents`, … */
  supportedGenerationMethods?: string[];
  thinking?: boolean;
}

/** Google's error envelope (google.rpc.Status in JSON). */
export interface GoogleErrorBody {
  error: {
    /** HTTP status as a number. */
    code?: number;
    message?: string;
    /** Canonical code name: `RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`, … */
    status?: string;
    /** Typed details (`google.rpc.RetryInfo`, `QuotaFailure`, `ErrorInfo`, `Help`, …). */
    details?: Array<Record<string, unknown>>;
  };
}
