/**
 * OpenAI chat-completions wire types (snake_case, as on the wire). These are what crosses the mesh:
 * provider connectors translate their vendor format to and from these shapes. Unknown request fields are
 * allowed (index signature) and pass through untouched.
 */

/** A text part of a multi-part message. */
export interface ChatContentPartText {
  type: "text";
  text: string;
}

/** An image part; `url` may be an https URL or a `data:` URL. */
export interface ChatContentPartImage {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

/** An audio input part (base64 data). */
export interface ChatContentPartInputAudio {
  type: "input_audio";
  input_audio: { data: string; format: "wav" | "mp3" | string };
}

/** A file part (base64 data or an uploaded file id). */
export interface ChatContentPartFile {
  type: "file";
  file: { file_data?: string; file_id?: string; filename?: string };
}

/** A refusal part in an assistant message. */
export interface ChatContentPartRefusal {
  type: "refusal";
  refusal: string;
}

/** Any message content part. */
export type ChatContentPart =
  | ChatContentPartText
  | ChatContentPartImage
  | ChatContentPartInputAudio
  | ChatContentPartFile
  | ChatContentPartRefusal;

/** A function tool call made by the assistant. */
export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** System or developer instructions. */
export interface ChatSystemMessage {
  role: "system" | "developer";
  content: string | ChatContentPartText[];
  name?: string;
}

/** A user turn. */
export interface ChatUserMessage {
  role: "user";
  content: string | ChatContentPart[];
  name?: string;
}

/** An assistant turn, possibly with tool calls. A final assistant message is a *prefill*. */
export interface ChatAssistantMessage {
  role: "assistant";
  content?: string | Array<ChatContentPartText | ChatContentPartRefusal> | null;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
  name?: string;
}

/** The result of a tool call. */
export interface ChatToolMessage {
  role: "tool";
  content: string | ChatContentPartText[];
  tool_call_id: string;
}

/** Legacy function result message. */
export interface ChatFunctionMessage {
  role: "function";
  content: string | null;
  name: string;
}

/** Any chat message. */
export type ChatMessage =
  | ChatSystemMessage
  | ChatUserMessage
  | ChatAssistantMessage
  | ChatToolMessage
  | ChatFunctionMessage;

/** A function tool the model may call. */
export interface ChatTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments. */
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

/** Which tool the model must, may or must not call. */
export type ChatToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } };

/** Output format constraint. */
export type ChatResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

/** `POST /chat/completions` body: the declared fields (see {@link ChatCompletionRequest} for pass-through). */
export interface ChatCompletionParams {
  /** Virtual model name (pool, capability, alias or model id) at the mesh edge; vendor model id at a provider. */
  model: string;
  messages: ChatMessage[];
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  stop?: string | string[] | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  user?: string;
  seed?: number | null;
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ChatResponseFormat;
  modalities?: string[] | null;
  metadata?: Record<string, string> | null;
}

/** `POST /chat/completions` body as it crosses the mesh: unknown fields pass through untouched. */
export interface ChatCompletionRequest extends ChatCompletionParams {
  [key: string]: unknown;
}

/** Why the model stopped. */
export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** Token accounting. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number; accepted_prediction_tokens?: number; rejected_prediction_tokens?: number };
}

/** The assistant message of a non-streamed completion. */
export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
}

/** Log probability of one token. */
export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** Log probabilities of a choice. */
export interface ChatLogprobs {
  content: ChatTokenLogprob[] | null;
  refusal: ChatTokenLogprob[] | null;
}

/** One choice of a non-streamed completion. */
export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: ChatFinishReason | null;
  logprobs?: ChatLogprobs | null;
}

/** `POST /chat/completions` response (non-streamed). `model` is the concrete model that answered. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  service_tier?: "auto" | "default" | "flex" | "scale" | "priority" | null;
}

/** A tool-call fragment in a stream; `index` ties fragments together. */
export interface ChatToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/** The incremental part of a stream chunk. */
export interface ChatCompletionDelta {
  role?: "assistant";
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCallDelta[];
}

/** One choice of a stream chunk. */
export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: ChatFinishReason | null;
  logprobs?: ChatLogprobs | null;
}

/** One SSE chunk of a streamed completion. A usage-only final chunk has `choices: []`. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: CompletionUsage | null;
  system_fingerprint?: string;
  service_tier?: "auto" | "default" | "flex" | "scale" | "priority" | null;
}
