import {
  ProviderError,
  classifyHttpError,
  codeForCategory,
  formatMessage,
  isModelMeshError,
  type ErrorCategory,
  type ErrorClassification,
} from "@modelmesh/core";
import { redactHeaders, errorIdentity, errorSource, invalidResponseError, unsupportedRequestError as unsupportedRequest } from "@modelmesh/cdk";

/**
 * Bedrock errors → ModelMesh categories (docs/ARCHITECTURE.md §2.6). Pure: no I/O. The exception type comes
 * from `x-amzn-errortype` (`ThrottlingException:http://internal.amazon.com/…`), the body's `__type`
 * (`com.amazonaws…#ValidationException`), or a stream frame's `:exception-type` (`throttlingException`).
 * Core's `classifyHttpError` classifies the status and wording; the exception type refines it. Reference:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 */

/** The connector id, used as the message prefix of errors raised before any provider context exists. */
export const BEDROCK_CONNECTOR_ID = "aws.bedrock.v1";

/** Who raised an error and how to scrub upstream text (the provider's error context). */
export interface BedrockErrorContext {
  provider?: string;
  model?: string;
  /** Makes upstream text fit for a message (secrets removed, cut short). */
  scrub?: (text: string) => string;
  /** Removes secrets only. */
  redact?: (text: string) => string;
}

/** "Input is too long for requested model", "too many input tokens", "prompt is too long". */
const CONTEXT_WORDING = /too long|too many (input )?tokens|context (window|length)|maximum (input|context)|input length/i;
/** Guardrail and content-filter wording. */
const CONTENT_WORDING = /guardrail|content filter|blocked|responsible ai/i;

/** Category of a Bedrock exception type, or undefined for an unknown one (then the status decides). */
export function classifyBedrockErrorType(type: string | undefined, message: string): { category: ErrorCategory; retryable: boolean; status: number } | undefined {
  switch (type) {
    case "ThrottlingException": // 429: too many requests or tokens per minute
      return { category: "rate_limit", retryable: true, status: 429 };
    case "ServiceQuotaExceededException": // 400: the account's quota (e.g. tokens per day); retrying does not help
      return { category: "quota_exhausted", retryable: false, status: 400 };
    case "ModelNotReadyException": // 429: the model is being loaded (cold start); the route recovers soon
    case "ServiceUnavailableException": // 503
    case "InternalServerException": // 500
    case "ModelStreamErrorException": // 424: the model failed mid-stream
    case "ModelErrorException": // 424: the model failed processing the request
      return { category: "server", retryable: true, status: type === "ModelNotReadyException" ? 429 : type === "ServiceUnavailableException" ? 503 : type === "InternalServerException" ? 500 : 424 };
    case "ModelTimeoutException": // 408: the model took too long
      return { category: "server", retryable: true, status: 408 };
    case "AccessDeniedException": // 403: no permission, or no model access granted
    case "UnrecognizedClientException": // 403: unknown access key
    case "InvalidSignatureException": // 403
    case "IncompleteSignatureException":
    case "MissingAuthenticationTokenException":
    case "ExpiredTokenException": // 403: temporary credentials expired
    case "UnauthorizedException":
      return { category: "auth", retryable: false, status: 403 };
    case "ResourceNotFoundException": // 404: unknown model id or inference profile
    case "ConflictException":
      return { category: "invalid_request", retryable: false, status: type === "ResourceNotFoundException" ? 404 : 409 };
    case "ValidationException": {
      if (CONTEXT_WORDING.test(message)) return { category: "context_length", retryable: false, status: 400 };
      if (CONTENT_WORDING.test(message)) return { category: "content_filter", retryable: false, status: 400 };
      return { category: "invalid_request", retryable: false, status: 400 };
    }
    default:
      return undefined;
  }
}

/**
 * Normalizes an exception type: `ThrottlingException:http://internal…` → `ThrottlingException`,
 * `com.amazon.coral.service#ValidationException` → `ValidationException`, `throttlingException` →
 * `ThrottlingException` (stream frames use the member name).
 */
export function normalizeErrorType(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let type = raw.trim();
  const colon = type.indexOf(":");
  if (colon !== -1) type = type.slice(0, colon);
  const hash = type.lastIndexOf("#");
  if (hash !== -1) type = type.slice(hash + 1);
  if (type === "") return undefined;
  return type[0]!.toUpperCase() + type.slice(1);
}

/** `{message, __type}` of a Bedrock error body (`message` or `Message`). */
function errorFields(body: unknown): { type?: string; message: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  if (typeof value !== "object" || value === null) return { message: "" };
  const record = value as Record<string, unknown>;
  const message = typeof record.message === "string" ? record.message : typeof record.Message === "string" ? record.Message : "";
  const type = normalizeErrorType(typeof record.__type === "string" ? record.__type : undefined);
  return { ...(type !== undefined ? { type } : {}), message };
}

/**
 * Builds the `ProviderError` of a non-2xx response: core's status classification, refined by the exception
 * type. `Retry-After` becomes `retryAfterMs`; the metadata keeps the redacted headers, the type and the
 * request id (`x-amzn-requestid`).
 */
export function bedrockHttpError(status: number, headers: Record<string, string>, body: string, context: BedrockErrorContext, now: number): ProviderError {
  const fields = errorFields(body);
  const type = normalizeErrorType(headers["x-amzn-errortype"]) ?? fields.type;
  const base = classifyHttpError(status, headers, { message: fields.message }, now);
  const refined = classifyBedrockErrorType(type, fields.message);
  const category = refined?.category ?? base.category;
  const retryable = refined?.retryable ?? base.retryable;
  const scrub = context.scrub ?? ((text: string) => text);
  const forModel = context.model ? ` for model ${context.model}` : "";
  const reason = scrub(fields.message || base.message).slice(0, 300);
  const requestId = headers["x-amzn-requestid"];
  return new ProviderError({
    code: codeForCategory(category),
    category,
    retryable,
    status,
    message: formatMessage(errorSource(context, BEDROCK_CONNECTOR_ID), `HTTP ${status}${forModel}: ${type ? `${type}: ` : ""}${reason}`),
    ...errorIdentity(context),
    ...(base.retryAfterMs !== undefined ? { retryAfterMs: base.retryAfterMs } : {}),
    metadata: {
      responseHeaders: redactHeaders(headers),
      ...(type !== undefined ? { upstreamCode: type } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    },
  });
}

/**
 * Classifies an `:message-type: exception` frame of a ConverseStream body (`:exception-type:
 * throttlingException`, payload `{"message": …}`), or an `:message-type: error` frame (`:error-code`,
 * `:error-message`). The type stands in for the missing status; an unknown type is a `server` error.
 */
export function bedrockStreamError(rawType: string | undefined, payload: unknown, context: BedrockErrorContext, now: number): ProviderError {
  const fields = errorFields(payload);
  const type = normalizeErrorType(rawType) ?? fields.type;
  const classified = classifyBedrockErrorType(type, fields.message) ?? { category: "server" as const, retryable: true, status: 500 };
  const base = classifyHttpError(classified.status, {}, { message: fields.message }, now);
  const scrub = context.scrub ?? ((text: string) => text);
  return new ProviderError({
    code: codeForCategory(classified.category),
    category: classified.category,
    retryable: classified.retryable,
    message: formatMessage(errorSource(context, BEDROCK_CONNECTOR_ID), `exception inside the stream: ${type ?? "error"}: ${scrub(fields.message || base.message).slice(0, 300)}`),
    ...errorIdentity(context),
    metadata: { phase: "stream", ...(type !== undefined ? { upstreamCode: type } : {}) },
  });
}

/**
 * Classifies an error of the official AWS SDK (`ThrottlingException` and friends: `name` is the exception
 * type, `$metadata.httpStatusCode` the status; stream exceptions carry no status) by its type. Undefined for
 * anything else (ModelMesh errors keep their own category).
 */
export function classifyBedrockApiError(error: unknown, now: number): ErrorClassification | undefined {
  if (isModelMeshError(error) || typeof error !== "object" || error === null) return undefined;
  const record = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown }; $fault?: unknown };
  if (typeof record.name !== "string") return undefined;
  const message = typeof record.message === "string" ? record.message : "";
  const classified = classifyBedrockErrorType(normalizeErrorType(record.name), message);
  // An unknown exception name counts only on an SDK error (one with `$metadata`), whose status then decides.
  const statusValue = record.$metadata?.httpStatusCode;
  if (classified === undefined && (record.$metadata === undefined || typeof statusValue !== "number")) return undefined;
  const status = typeof statusValue === "number" ? statusValue : classified?.status;
  const base = status !== undefined ? classifyHttpError(status, {}, { message }, now) : undefined;
  const category = classified?.category ?? base!.category;
  return {
    category,
    retryable: classified?.retryable ?? base!.retryable,
    ...(status !== undefined ? { status } : {}),
    message: formatMessage(BEDROCK_CONNECTOR_ID, `${record.name}: ${message}`.slice(0, 300)),
    code: codeForCategory(category),
  };
}

/** A request Converse cannot express (a remote image URL, `n > 1`, audio input…). Never retried. */
export function unsupportedRequestError(what: string, fix?: string): ProviderError {
  return unsupportedRequest(BEDROCK_CONNECTOR_ID, what, fix);
}

/** A 2xx body that is not a Converse response. */
export function invalidBedrockResponse(what: string, context: BedrockErrorContext, cause?: unknown): ProviderError {
  return invalidResponseError(what, context, cause, BEDROCK_CONNECTOR_ID);
}

/** The credentials source failed or returned something unusable (never quotes what it returned). */
export function credentialsError(what: string, context: BedrockErrorContext, cause?: unknown): ProviderError {
  return new ProviderError({
    code: "MM_AUTH",
    category: "auth",
    retryable: false,
    message: formatMessage(errorSource(context, BEDROCK_CONNECTOR_ID), `AWS credentials: ${what}`, "Check the credentials provider, or set access_key_id / secret_access_key (or api_key)"),
    ...errorIdentity(context),
    ...(cause !== undefined ? { cause } : {}),
  });
}


