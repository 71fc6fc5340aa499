/**
 * Token-billed media answers (gpt-image-1, gpt-4o-transcribe report `usage.input_tokens` / `output_tokens`):
 * the router records their tokens and cost in the state ledger, the one owner of usage (docs/ARCHITECTURE.md §2.9).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorRegistry, createMesh, type Mesh, type ProviderConnectorV1 } from "../src/index.js";

const open: Mesh[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((mesh) => mesh.close()));
});

/** A provider with only the required members plus image generation and transcription, answering in-process. */
function mediaProvider(id: string): ProviderConnectorV1 {
  const refuse = () => Promise.reject(new Error("chat is not served here"));
  return {
    specificationVersion: "v1",
    id,
    connectorId: "test.media.v1",
    complete: refuse,
    stream: () => ({ [Symbol.asyncIterator]: () => ({ next: refuse }) }),
    listModels: async () => [],
    classifyError: () => ({ category: "server", retryable: true, message: "failed" }),
    close: async () => {},
    generateImage: async () => ({ created: 1, data: [{ b64_json: "AA==" }], usage: { input_tokens: 40, input_tokens_details: { image_tokens: 0, text_tokens: 40 }, output_tokens: 1000, total_tokens: 1040 } }),
    transcribe: async () => ({ text: "hello", usage: { type: "tokens", input_tokens: 300, output_tokens: 5, total_tokens: 305 } }) as never,
  };
}

async function mesh(): Promise<Mesh> {
  const registry = new ConnectorRegistry({
    connectors: [{ id: "test.media.v1", type: "provider", specificationVersion: "v1", runtime: "universal", create: (_config: unknown, context: { instanceId: string }) => mediaProvider(context.instanceId) }],
  });
  const created = await createMesh(
    {
      providers: { media: { connector: "test.media.v1", config: {} } },
      models: {
        "media.image": { provider: "media", model: "gpt-image-1", capabilities: ["generation.image-generation.text-to-image"], pricing: { input_per_million: 5, output_per_million: 40 } },
        "media.stt": { provider: "media", model: "gpt-4o-transcribe", capabilities: ["understanding.audio-understanding.speech-to-text"], pricing: { input_per_million: 6, output_per_million: 10 } },
      },
    },
    { registry, env: {} },
  );
  open.push(created);
  return created;
}

describe("media usage reaches the ledger", () => {
  it("an image answer's tokens and cost are recorded on its route", async () => {
    const m = await mesh();
    await m.router.generateImage({ model: "media.image", prompt: "a cat" });
    const snapshot = await m.ledger.snapshot({ routeId: "media/media.image", providerId: "media", modelId: "media.image", upstreamModel: "gpt-image-1", order: 0 });
    expect(snapshot.usage.tokensDay).toBe(1040);
    expect(snapshot.usage.costDay).toBeCloseTo((40 * 5 + 1000 * 40) / 1_000_000, 10);
  });

  it("a transcription's tokens are recorded on its route", async () => {
    const m = await mesh();
    await m.router.transcribe({ model: "media.stt", file: new Uint8Array([1, 2, 3]), filename: "a.wav" });
    const snapshot = await m.ledger.snapshot({ routeId: "media/media.stt", providerId: "media", modelId: "media.stt", upstreamModel: "gpt-4o-transcribe", order: 0 });
    expect(snapshot.usage.tokensDay).toBe(305);
  });
});
