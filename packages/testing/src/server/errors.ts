/**
 * OpenAI-style error bodies. Messages and codes copy what api.openai.com sends, because connectors classify
 * errors from exactly these fields (docs/ARCHITECTURE.md §2.6).
 */
import type { OpenAIErrorBody } from "./wire.js";

/** Builds the `{ error: { message, type, param, code } }` envelope. */
export function openAIError(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** 401 body. The sent key is never echoed, unlike OpenAI's masked key, so secrets cannot leak into logs. */
export const invalidApiKey = (): OpenAIErrorBody =>
  openAIError("Incorrect API key provided.", "invalid_request_error", "invalid_api_key");

/** 429 rate-limit body. */
export const rateLimitExceeded = (model: string | undefined): OpenAIErrorBody =>
  openAIError(
    `Rate limit reached for ${model ?? "requests"}. Please try again later.`,
    "requests",
    "rate_limit_exceeded",
  );

/** 429 quota body; the `insufficient_quota` type/code is what distinguishes it from a rate limit. */
export const insufficientQuota = (): OpenAIErrorBody =>
  openAIError(
    "You exceeded your current quota, please check your plan and billing details.",
    "insufficient_quota",
    "insufficient_quota",
  );

/** 404 body for an unknown model. */
export const modelNotFound = (model: string): OpenAIErrorBody =>
  openAIError(
    `The model \`${model}\` does not exist or you do not have access to it.`,
    "invalid_request_error",
    "model_not_found",
    "model",
  );

/** 400 body for a prompt that does not fit; `limit` / `requested` are filled in when known. */
export const contextLengthExceeded = (limit?: number, requested?: number): OpenAIErrorBody =>
  openAIError(
    limit !== undefined && requested !== undefined
      ? `This model's maximum context length is ${limit} tokens. However, you requested ${requested} tokens. ` +
          "Please reduce the length of the messages."
      : "This model's maximum context length was exceeded. Please reduce the length of the messages.",
    "invalid_request_error",
    "context_length_exceeded",
    "messages",
  );

/** 400 content-policy body. */
export const contentPolicyViolation = (): OpenAIErrorBody =>
  openAIError(
    "Your request was rejected as a result of our safety system.",
    "invalid_request_error",
    "content_policy_violation",
  );

/** 400 body for a conversation ending with an assistant message, for models that refuse prefill. */
export const prefillRejected = (): OpenAIErrorBody =>
  openAIError(
    "This model does not support assistant message prefill. The conversation must end with a user message.",
    "invalid_request_error",
    "prefill_not_supported",
    "messages",
  );

/** 5xx body. */
export const serverError = (status: number): OpenAIErrorBody =>
  status === 503
    ? openAIError("The server is overloaded or not ready yet.", "server_error", "service_unavailable")
    : openAIError(`The server had an error while processing your request (mock status ${status}).`, "server_error");

/** 400 body for a request the server cannot use. */
export const invalidRequest = (message: string, param: string | null = null): OpenAIErrorBody =>
  openAIError(message, "invalid_request_error", null, param);

/** 404 body for an unknown route, worded like OpenAI's. */
export const unknownRoute = (method: string, path: string): OpenAIErrorBody =>
  openAIError(`Invalid URL (${method} ${path})`, "invalid_request_error");
