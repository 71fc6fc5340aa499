/** Asks the custom REST provider for a completion and a stream, directly through its ProviderConnectorV1 API. */
import type { CallOptions } from "@modelmesh/core";
import { InferenceProvider } from "./inference-provider.js";

const CHAT = "generation.text-generation.chat-completion";

/** What the example prints. */
export interface CustomRestResult {
  chat: string;
  stream: string;
  /** Requests and tokens the provider accounted for. */
  quota: { requests: number; tokens: number; costUsd: number };
}

/**
 * Runs the example against an inference service at `baseUrl` (`http://…/v1`).
 * @example
 * const result = await run({ baseUrl: server.baseUrl, apiKey: "sk-…", model: "inference-large" });
 */
export async function run(options: { baseUrl: string; apiKey: string; model: string }): Promise<CustomRestResult> {
  const provider = new InferenceProvider({
    id: "inference",
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    models: [{ id: options.model, capabilities: [CHAT], pricing: { inputPerMillion: 0.5, outputPerMillion: 1.5 } }],
  });
  const call = (): CallOptions => ({ signal: new AbortController().signal, deadline: Date.now() + 30_000, timeouts: { connectMs: 5_000, firstTokenMs: 10_000, idleMs: 10_000 }, requestId: "example", attempt: 1 });
  try {
    const request = { model: options.model, messages: [{ role: "user" as const, content: "Summarise the quarterly report" }], max_tokens: 256 };
    const completion = await provider.complete(request, call());
    let stream = "";
    for await (const chunk of provider.stream(request, call())) stream += chunk.choices[0]?.delta?.content ?? "";
    const quota = await provider.checkQuota();
    return { chat: completion.choices[0]?.message.content ?? "", stream, quota: { requests: quota.requests, tokens: quota.tokens, costUsd: quota.costUsd } };
  } finally {
    await provider.close();
  }
}
