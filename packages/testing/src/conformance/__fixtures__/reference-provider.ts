/**
 * Test fixture (not exported): a small, correct `ProviderConnectorV1` written against the raw interface with
 * `fetch` and core's helpers only (no CDK), so the testing package proves its suite passes a correct
 * connector and fails each deliberately broken variant (see `broken.ts`).
 */
import {
  classifyHttpError,
  codeForCategory,
  isModelMeshError,
  ProviderError,
  readRateLimitHeaders,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ErrorClassification,
  type ModelInfo,
  type ModelPricing,
  type ProviderConnectorV1,
} from "@modelmesh/core";

const CHAT = "generation.text-generation.chat-completion";

/** Config of {@link ReferenceProvider}. */
export interface ReferenceConfig {
  baseUrl: string;
  apiKey: string;
  model: string;
  pricing?: ModelPricing;
}

function timeoutError(code: "MM_TIMEOUT_CONNECT" | "MM_TIMEOUT_FIRST_TOKEN" | "MM_TIMEOUT_IDLE", ms: number | undefined): ProviderError {
  return new ProviderError({ code, category: "timeout", retryable: false, message: `[modelmesh] [reference] ${code} after ${ms} ms` });
}

function networkError(cause: unknown): ProviderError {
  return new ProviderError({ code: "MM_NETWORK", category: "network", message: "[modelmesh] [reference] the connection failed", cause });
}

/** A timer that aborts a controller with a reason; `arm` restarts it. */
class Watchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;
  reason: ProviderError | undefined;
  constructor(private readonly controller: AbortController) {}
  /** Arms the timer; without `ms` the caller bounds the wait (the router's attempt scope), so nothing is armed. */
  arm(ms: number | undefined, error: ProviderError): void {
    this.disarm();
    if (ms === undefined) return;
    this.#timer = setTimeout(() => {
      this.reason = error;
      this.controller.abort(error);
    }, ms);
  }
  disarm(): void {
    clearTimeout(this.#timer);
  }
}

/** The reference provider. */
export class ReferenceProvider implements ProviderConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "reference";
  readonly connectorId = "test.reference.v1";
  /** The malformed stream event that breaks a stream; the ones before it are skipped with a warning. */
  protected readonly maxMalformedEvents: number = 3;

  constructor(protected readonly config: ReferenceConfig) {}

  async complete(request: ChatCompletionRequest, options: CallOptions): Promise<ChatCompletion> {
    const { response, watchdog, dispose } = await this.send(request, options);
    try {
      watchdog.arm(options.timeouts.firstTokenMs, timeoutError("MM_TIMEOUT_FIRST_TOKEN", options.timeouts.firstTokenMs));
      const text = await response.text().catch((error: unknown) => this.rethrow(error, watchdog, options));
      let completion: ChatCompletion;
      try {
        completion = JSON.parse(text) as ChatCompletion;
      } catch (cause) {
        throw new ProviderError({ code: "MM_INVALID_RESPONSE", category: "server", retryable: false, message: "[modelmesh] [reference] invalid JSON", cause });
      }
      return completion;
    } finally {
      dispose();
    }
  }

  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<ChatCompletionChunk> {
    const { response, watchdog, dispose } = await this.send({ ...request, stream: true, stream_options: { include_usage: true } }, options);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let output = false;
    let finished = false;
    let malformed = 0;
    try {
      for (;;) {
        watchdog.arm(output ? options.timeouts.idleMs : options.timeouts.firstTokenMs, output ? timeoutError("MM_TIMEOUT_IDLE", options.timeouts.idleMs) : timeoutError("MM_TIMEOUT_FIRST_TOKEN", options.timeouts.firstTokenMs));
        const step = await reader.read().catch((error: unknown) => this.rethrow(error, watchdog, options));
        if (step.done) {
          if (!finished) throw new ProviderError({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted", retryable: false, message: "[modelmesh] [reference] stream ended early" });
          break;
        }
        buffer += decoder.decode(step.value, { stream: true }).replace(/\r\n/g, "\n");
        let end: number;
        let done = false;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer.slice(0, end).split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
          buffer = buffer.slice(end + 2);
          if (data === "") continue;
          if (data === "[DONE]") {
            done = true;
            break;
          }
          const chunk = this.parseChunk(data);
          if (chunk === undefined) {
            // A malformed event is skipped and reported; the `maxMalformedEvents`-th breaks the stream.
            malformed += 1;
            if (malformed >= this.maxMalformedEvents) throw new ProviderError({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false, message: `[modelmesh] [reference] ${malformed} malformed chunks` });
            options.onWarning?.(`skipped malformed chunk ${malformed}`);
            continue;
          }
          for (const choice of chunk.choices) {
            if (choice.finish_reason) finished = true;
            if (choice.delta?.content || choice.delta?.tool_calls) output = true;
          }
          yield chunk;
        }
        if (done) break;
      }
    } finally {
      dispose();
      await reader.cancel().catch(() => {});
    }
  }

  /** Parses one event's data; `undefined` for a malformed one (not JSON). */
  protected parseChunk(data: string): ChatCompletionChunk | undefined {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return undefined;
    }
    const record = json as { error?: unknown };
    if (record.error) {
      const result = classifyHttpError(500, {}, json, Date.now());
      throw new ProviderError({ code: codeForCategory(result.category), category: result.category, retryable: result.retryable, message: `[modelmesh] [reference] ${result.message}` });
    }
    return { ...(json as ChatCompletionChunk), object: "chat.completion.chunk" };
  }

  /** POSTs the request; returns the 2xx response, a watchdog for the body, and a disposer. */
  protected async send(body: unknown, options: CallOptions) {
    const controller = new AbortController();
    const forward = () => controller.abort(options.signal.reason);
    options.signal.addEventListener("abort", forward, { once: true });
    const watchdog = new Watchdog(controller);
    const dispose = () => {
      watchdog.disarm();
      options.signal.removeEventListener("abort", forward);
    };
    watchdog.arm(this.connectTimeout(options), timeoutError("MM_TIMEOUT_CONNECT", this.connectTimeout(options)));
    try {
      const response = await fetch(`${this.config.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.config.apiKey}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      }).catch((error: unknown) => this.rethrow(error, watchdog, options));
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      this.report(response.status, headers, options);
      if (response.status >= 400) {
        const text = await response.text().catch(() => "");
        const result = classifyHttpError(response.status, headers, text, Date.now());
        throw new ProviderError({ code: codeForCategory(result.category), category: result.category, retryable: result.retryable, status: response.status, message: `[modelmesh] [reference] HTTP ${response.status}`, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) });
      }
      return { response, watchdog, dispose };
    } catch (error) {
      dispose();
      throw error;
    }
  }

  /** Reports the response (and the limits its headers carry) to the caller: the router learns from it. */
  protected report(status: number, headers: Record<string, string>, options: CallOptions): void {
    const rateLimit = readRateLimitHeaders(headers, Date.now());
    options.onResponse?.({ status, headers, ...(rateLimit ? { rateLimit } : {}) });
  }

  protected connectTimeout(options: CallOptions): number {
    return options.timeouts.connectMs;
  }

  protected rethrow(error: unknown, watchdog: Watchdog, options: CallOptions): never {
    if (options.signal.aborted) throw options.signal.reason;
    if (watchdog.reason) throw watchdog.reason;
    throw networkError(error);
  }

  getCapabilities(): string[] {
    return [CHAT];
  }
  async listModels(): Promise<ModelInfo[]> {
    return [{ id: this.config.model, capabilities: [CHAT], ...(this.config.pricing ? { pricing: this.config.pricing } : {}) }];
  }
  classifyError(error: unknown): ErrorClassification {
    if (isModelMeshError(error)) return { category: error.category, retryable: error.retryable, message: error.message, code: error.code, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === "number") return classifyHttpError(status, {}, "", Date.now());
    const name = (error as { name?: unknown } | null)?.name;
    if (name === "AbortError" || name === "TimeoutError") return { category: "timeout", retryable: false, message: "aborted" };
    if ((error as { code?: unknown } | null)?.code === "ECONNRESET") return { category: "network", retryable: true, message: "reset" };
    return { category: "internal", retryable: false, message: String(error) };
  }
  async close(): Promise<void> {}
}
