/**
 * Asks the custom REST provider for a completion and a stream through a mesh's router, then reads the usage and
 * cost the router recorded in the mesh's state ledger (providers keep no accounts of their own).
 */
import { createMesh } from "@modelmesh/core";
import { InferenceProvider } from "./inference-provider.js";

const CHAT = "generation.text-generation.chat-completion";

/** What the example prints. */
export interface CustomRestResult {
  chat: string;
  stream: string;
  /** Requests, tokens and cost of the route today, as the mesh's state ledger recorded them. */
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
  // The provider's models join the mesh as `inference.<model>`; the mesh closes the provider.
  const mesh = await createMesh({}, { providers: { inference: provider }, env: {} });
  try {
    const modelId = `inference.${options.model}`;
    const request = { model: modelId, messages: [{ role: "user" as const, content: "Summarise the quarterly report" }], max_tokens: 256 };
    const completion = (await mesh.router.chat(request)).value;
    let stream = "";
    for await (const chunk of (await mesh.router.chatStream({ ...request, stream: true })).value) stream += chunk.choices[0]?.delta?.content ?? "";
    const route = { routeId: `inference/${modelId}`, providerId: "inference", modelId, upstreamModel: options.model, order: 0 };
    const usage = await mesh.ledger.quotaUsage(route);
    return { chat: completion.choices[0]?.message.content ?? "", stream, quota: { requests: usage.requestsDay, tokens: usage.tokensDay, costUsd: usage.costDay } };
  } finally {
    await mesh.close();
  }
}
