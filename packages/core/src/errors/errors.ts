import type { RoutingTrace } from "../router/trace.js";
import { isModelMeshError, ModelMeshError, type ModelMeshErrorOptions } from "./model-mesh-error.js";

/** Adds a per-class marker so `XxxError.is(e)` works across package copies. */
function marker(name: string): symbol {
  return Symbol.for(`modelmesh.error.${name}`);
}

const PROVIDER = marker("provider");
const CONFIG = marker("config");
const ROUTING = marker("routing");
const STREAM = marker("stream");
const DEADLINE = marker("deadline");

function has(error: unknown, key: symbol): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[key] === true;
}

/** An upstream call failed (HTTP status, network, timeout, bad response). Category drives routing. */
export class ProviderError extends ModelMeshError {
  readonly [PROVIDER] = true;
  constructor(options: ModelMeshErrorOptions) {
    super({ name: "ModelMeshProviderError", ...options });
  }
  /** True for a ProviderError from any copy of this package. */
  static is(error: unknown): error is ProviderError {
    return has(error, PROVIDER);
  }
}

/** One problem found in a config document. */
export interface ConfigIssue {
  /** Dotted path, e.g. `providers.my-proxy.config.base_url`; `""` for the document as a whole. */
  path: string;
  /** What is wrong at that path. */
  message: string;
  /** 1-based line in the source file, when known. */
  line?: number;
  /** 1-based column in the source file, when known. */
  column?: number;
}

/** The codes a {@link ConfigError} carries (docs/errors.md, category `config`). */
const CONFIG_CODES = ["MM_CONFIG_INVALID", "MM_SECRET_MISSING", "MM_CONNECTOR_UNKNOWN", "MM_CONNECTOR_INVALID", "MM_CAPABILITY_INVALID"] as const;
/** A code of category `config`. */
export type ConfigErrorCode = (typeof CONFIG_CODES)[number];

/**
 * The configuration is invalid; `issues` lists every problem with its path (and line). Every failure of
 * category `config` is a ConfigError, whoever raises it (the loader, a connector, a secret store, `create()`),
 * so `ConfigError.is(e)` recognises them all.
 */
export class ConfigError extends ModelMeshError {
  readonly [CONFIG] = true;
  /** Every problem found, in document order. */
  readonly issues: ConfigIssue[];
  /** Source file name, when loaded from a file. */
  readonly file: string | undefined;

  constructor(options: {
    issues: ConfigIssue[];
    file?: string;
    code?: ConfigErrorCode;
    cause?: unknown;
  }) {
    const where = options.file ?? "config";
    const lines = options.issues.map((issue) => {
      const at = issue.line !== undefined ? ` (line ${issue.line}${issue.column !== undefined ? `:${issue.column}` : ""})` : "";
      return `${issue.path === "" ? "" : `${issue.path}: `}${issue.message}${at}`;
    });
    const message =
      lines.length === 1
        ? `[modelmesh] [${where}] ${lines[0]}`
        : `[modelmesh] [${where}] ${lines.length} problems:\n  - ${lines.join("\n  - ")}`;
    super({ name: "ModelMeshConfigError", message, code: options.code ?? "MM_CONFIG_INVALID", category: "config", cause: options.cause });
    this.issues = options.issues;
    this.file = options.file;
  }
  /** True for a ConfigError from any copy of this package. */
  static is(error: unknown): error is ConfigError {
    return has(error, CONFIG);
  }
}

/**
 * Core-internal: a plain ModelMesh error of category `config` (a connector factory may throw one) as a
 * `ConfigError` at `path`, the original as its cause; anything else is returned unchanged.
 */
export function asConfigError(error: unknown, path: string): unknown {
  if (!isModelMeshError(error) || error.category !== "config" || ConfigError.is(error)) return error;
  return new ConfigError({
    code: (CONFIG_CODES as readonly string[]).includes(error.code) ? (error.code as ConfigErrorCode) : "MM_CONFIG_INVALID",
    issues: [{ path, message: error.message.replace(/^\[modelmesh\] \[[^\]]*\] /, "") }],
    cause: error,
  });
}

/** Routing ended without an answer: no candidate qualified, or every attempt failed. Carries the trace. */
export class RoutingError extends ModelMeshError {
  readonly [ROUTING] = true;
  /** The routing trace: candidates, filters, attempts with their errors. */
  readonly trace: RoutingTrace | undefined;
  /** Errors of the attempts made, in order. */
  readonly attempts: ModelMeshError[];

  constructor(options: ModelMeshErrorOptions & { trace?: RoutingTrace; attempts?: ModelMeshError[] }) {
    super({ name: "ModelMeshRoutingError", ...options });
    this.trace = options.trace;
    this.attempts = options.attempts ?? [];
  }
  /** True for a RoutingError from any copy of this package. */
  static is(error: unknown): error is RoutingError {
    return has(error, ROUTING);
  }
}

/** A stream failed after it had committed output to the caller. Never presented as a clean end. */
export class StreamInterruptedError extends ModelMeshError {
  readonly [STREAM] = true;
  /** Number of content characters already delivered before the interruption. */
  readonly deliveredChars: number;
  /** The routing trace of the request. */
  readonly trace: RoutingTrace | undefined;

  constructor(options: Omit<ModelMeshErrorOptions, "code" | "category"> & { deliveredChars: number; trace?: RoutingTrace }) {
    super({ name: "ModelMeshStreamInterruptedError", code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted", retryable: false, ...options });
    this.deliveredChars = options.deliveredChars;
    this.trace = options.trace;
  }
  /** True for a StreamInterruptedError from any copy of this package. */
  static is(error: unknown): error is StreamInterruptedError {
    return has(error, STREAM);
  }
}

/** The end-to-end deadline of a request passed. */
export class DeadlineExceededError extends ModelMeshError {
  readonly [DEADLINE] = true;
  /** The deadline that passed, in milliseconds from the start of the request. */
  readonly deadlineMs: number;
  /** The routing trace of the request. */
  readonly trace: RoutingTrace | undefined;

  constructor(options: { deadlineMs: number; trace?: RoutingTrace; cause?: unknown; model?: string; provider?: string }) {
    super({
      name: "ModelMeshDeadlineExceededError",
      code: "MM_DEADLINE_EXCEEDED",
      category: "timeout",
      retryable: false,
      message: `[modelmesh] [router] the request deadline of ${options.deadlineMs} ms passed before any route answered. Raise the deadline (routing.deadline) or check the upstreams in the trace.`,
      cause: options.cause,
      model: options.model,
      provider: options.provider,
    });
    this.deadlineMs = options.deadlineMs;
    this.trace = options.trace;
  }
  /** True for a DeadlineExceededError from any copy of this package. */
  static is(error: unknown): error is DeadlineExceededError {
    return has(error, DEADLINE);
  }
}
