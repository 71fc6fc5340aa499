/**
 * A minimal fetch-based provider for the rotation tests (the pattern of core's test support): it speaks
 * OpenAI JSON and SSE to the mock provider and classifies errors with core's own classifier. `afterResponse`
 * runs when response headers arrive, so a test can advance a fake clock to give a model a latency.
 */
import {
  ProviderError,
  classifyHttpError,
  isModelMeshError,
  readRateLimitHeaders,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ErrorClassification,
  type ModelInfo,
  type ProviderConnectorV1,
} from "@modelmesh/core";

export function createFetchProvider(
  id: string,
  baseUrl: string,
  models: ModelInfo[] = [],
  afterResponse?: (model: string) => void,
): ProviderConnectorV1 & { requests: number } {
  const headersOf = (response: Response) => Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
  async function post(request: ChatCompletionRequest, options: CallOptions): Promise<Response> {
    let response: Response;
    // Connect/headers timeout, enforced here as a real transport would.
    const headersTimeout = AbortSignal.timeout(options.timeouts.connectMs);
    try {
      response = await fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.any([options.signal, headersTimeout]),
      });
    } catch (cause) {
      if (headersTimeout.aborted && !options.signal.aborted) {
        throw new ProviderError({ code: "MM_TIMEOUT_CONNECT", category: "timeout", message: `[modelmesh] [${id}] no response headers within ${options.timeouts.connectMs} ms`, provider: id, cause });
      }
      throw new ProviderError({ code: "MM_NETWORK", category: "network", message: `[modelmesh] [${id}] ${(cause as Error).message}`, provider: id, cause });
    }
    afterResponse?.(request.model);
    const headers = headersOf(response);
    options.onResponse?.({ status: response.status, headers, rateLimit: readRateLimitHeaders(headers, Date.now()) });
    if (!response.ok) {
      const c = classifyHttpError(response.status, headers, await response.text(), Date.now());
      throw new ProviderError({ code: "MM_SERVER", category: c.category, retryable: c.retryable, status: c.status, retryAfterMs: c.retryAfterMs, message: `[modelmesh] [${id}] ${c.message}`, provider: id });
    }
    return response;
  }
  const provider = {
    specificationVersion: "v1" as const,
    id,
    connectorId: "test.fetch.v1",
    requests: 0,
    async complete(request: ChatCompletionRequest, options: CallOptions): Promise<ChatCompletion> {
      provider.requests++;
      const response = await post(request, options);
      return (await response.json()) as ChatCompletion;
    },
    async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncIterable<ChatCompletionChunk> {
      provider.requests++;
      const response = await post({ ...request, stream: true }, options);
      const decoder = new TextDecoder();
      let buffer = "";
      let sawDone = false;
      let sawFinish = false;
      try {
        for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(bytes, { stream: true });
          let index: number;
          while ((index = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, index).split("\n").filter((line) => line.startsWith("data:")).map((line) => line.replace(/^data: ?/, "")).join("\n");
            buffer = buffer.slice(index + 2);
            if (frame === "") continue;
            if (frame === "[DONE]") {
              sawDone = true;
              return;
            }
            const chunk = JSON.parse(frame) as ChatCompletionChunk;
            if (chunk.choices.some((c) => c.finish_reason)) sawFinish = true;
            yield chunk;
          }
        }
      } catch (cause) {
        if (isModelMeshError(cause)) throw cause;
        throw new ProviderError({ code: "MM_NETWORK", category: "network", message: `[modelmesh] [${id}] stream read failed`, provider: id, cause });
      }
      if (!sawDone && !sawFinish) throw new ProviderError({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted", message: `[modelmesh] [${id}] stream ended without [DONE]`, provider: id });
    },
    getCapabilities: () => ["generation.text-generation.chat-completion"],
    supports: () => true,
    listModels: async () => models,
    getModelInfo: async (modelId: string) => models.find((m) => m.id === modelId)!,
    checkQuota: async () => ({ requests: provider.requests, tokens: 0, costUsd: 0 }),
    getRateLimits: async () => ({}),
    getPricing: async () => undefined,
    reportUsage: () => {},
    classifyError(error: unknown): ErrorClassification {
      if (isModelMeshError(error)) return { category: error.category, retryable: error.retryable, status: error.status, message: error.message };
      return { category: "network", retryable: true, message: String(error) };
    },
    isRetryable: (error: unknown) => provider.classifyError(error).retryable,
    close: async () => {},
  };
  return provider;
}
