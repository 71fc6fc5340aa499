/**
 * Test fixtures for the mixin tests: a scripted OpenAI-shaped HTTP upstream on 127.0.0.1:0 and a tiny
 * provider class that calls it with fetch. Not a test file itself.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  classifyHttpError,
  ProviderError,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionRequest,
  type ErrorCategory,
  type ErrorClassification,
  type ModelMeshErrorCode,
} from "@modelmesh/core";

/** A scripted upstream: per model, a queue of statuses to answer before succeeding. */
export interface Upstream {
  url: string;
  /** Requests received per model. */
  hits: Map<string, number>;
  /** Statuses to return next per model (consumed in order; empty = 200). */
  script: Map<string, Array<number | { status: number; headers?: Record<string, string> }>>;
  /** Statuses returned forever for a model. */
  always: Map<string, number>;
  close(): Promise<void>;
}

/** Starts the upstream. */
export async function startUpstream(): Promise<Upstream> {
  const hits = new Map<string, number>();
  const script = new Map<string, Array<number | { status: number; headers?: Record<string, string> }>>();
  const always = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const request = JSON.parse(body || "{}") as ChatCompletionRequest;
      const model = request.model;
      hits.set(model, (hits.get(model) ?? 0) + 1);
      const next = script.get(model)?.shift() ?? always.get(model);
      const step = typeof next === "number" ? { status: next } : next;
      if (step && step.status !== 200) {
        res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
        res.end(JSON.stringify({ error: { message: `scripted ${step.status}`, type: "server_error" } }));
        return;
      }
      const completion: ChatCompletion = {
        id: `cmpl-${hits.get(model)}`,
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: `hello #${hits.get(model)}` }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      } as ChatCompletion;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(completion));
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    script,
    always,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CODES: Partial<Record<ErrorCategory, ModelMeshErrorCode>> = {
  rate_limit: "MM_RATE_LIMIT",
  quota_exhausted: "MM_QUOTA_EXHAUSTED",
  auth: "MM_AUTH",
  server: "MM_SERVER",
  network: "MM_NETWORK",
};

/** A minimal provider: POSTs the request to the upstream and classifies failures with core's table. */
export class TinyProvider {
  readonly id = "tiny";
  constructor(readonly baseUrl: string) {}

  async complete(request: ChatCompletionRequest, options: CallOptions): Promise<ChatCompletion> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: options.signal,
      });
    } catch (cause) {
      throw new ProviderError({ message: "network failure", code: "MM_NETWORK", category: "network", cause, provider: this.id });
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as ChatCompletion;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const c = classifyHttpError(response.status, headers, text, Date.now());
    throw new ProviderError({
      message: c.message,
      code: CODES[c.category] ?? "MM_INVALID_REQUEST",
      category: c.category,
      retryable: c.retryable,
      status: c.status,
      retryAfterMs: c.retryAfterMs,
      provider: this.id,
      model: request.model,
    });
  }

  classifyError(error: unknown): ErrorClassification {
    if (ProviderError.is(error)) return { category: error.category, retryable: error.retryable, retryAfterMs: error.retryAfterMs, message: error.message };
    return { category: "network", retryable: false, message: "unknown" };
  }
}

/** Call options for tests: a far deadline unless given. */
export function callOptions(overrides: Partial<CallOptions> = {}): CallOptions {
  return {
    signal: new AbortController().signal,
    deadline: Number.POSITIVE_INFINITY,
    timeouts: { connectMs: 10_000, firstTokenMs: 10_000, idleMs: 10_000 },
    requestId: "req-1",
    attempt: 1,
    ...overrides,
  };
}

/** A chat request for `model`. */
export function chat(model: string, text = "hi"): ChatCompletionRequest {
  return { model, messages: [{ role: "user", content: text }] };
}
