/** The provider object: ProviderV4 shape, embeddings through the mesh, bad input, per-call ModelMesh options. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@ai-sdk/provider";
import { embed, embedMany, generateText, NoSuchModelError } from "ai";
import { createModelMesh, MAX_EMBEDDINGS_PER_CALL } from "../src/index.js";
import { chatCalls, startTestMesh, type TestMesh } from "./support/mesh.js";

let mesh: TestMesh;
let modelmesh: ReturnType<typeof createModelMesh>;

beforeAll(async () => {
  mesh = await startTestMesh();
  modelmesh = createModelMesh({ client: mesh.client });
});
afterAll(() => mesh?.close());
beforeEach(() => {
  mesh.primary.reset();
  mesh.backup.reset();
});

describe("createModelMesh", () => {
  it("returns a ProviderV4: callable, languageModel, chat, embeddingModel; models report v4 and the name", () => {
    expect(modelmesh.specificationVersion).toBe("v4");
    for (const model of [modelmesh("chat"), modelmesh.languageModel("chat"), modelmesh.chat("chat")]) {
      expect(model).toMatchObject({ specificationVersion: "v4", provider: "modelmesh.chat", modelId: "chat" });
    }
    expect(createModelMesh({ client: mesh.client, name: "mesh-eu" })("fast").provider).toBe("mesh-eu.chat");
    expect(modelmesh.textEmbeddingModel("vectors").modelId).toBe("vectors");
    expect(modelmesh.embeddingModel("vectors")).toMatchObject({ specificationVersion: "v4", provider: "modelmesh.embedding", maxEmbeddingsPerCall: MAX_EMBEDDINGS_PER_CALL });
  });

  it("image models and empty names are NoSuchModelError", () => {
    expect(() => modelmesh.imageModel("dall-e")).toThrow(NoSuchModelError);
    expect(() => modelmesh("")).toThrow(NoSuchModelError);
    expect(() => modelmesh.embeddingModel(" ")).toThrow(NoSuchModelError);
  });

  it("a missing or config-shaped client is an InvalidArgumentError saying to pass a client", () => {
    expect(() => createModelMesh({} as never)).toThrow(InvalidArgumentError);
    expect(() => createModelMesh({} as never)).toThrow(/needs \{ client \}/);
    expect(() => createModelMesh({ client: { providers: {} } } as never)).toThrow(/Pass the client, not a config/);
    const Provider = modelmesh as unknown as new (id: string) => unknown;
    expect(() => new Provider("chat")).toThrow(/without `new`/);
  });

  it("supportedUrls: http(s) images by default, overridable", () => {
    expect(modelmesh("chat").supportedUrls["image/*"]![0]!.test("https://example.test/a.png")).toBe(true);
    expect(createModelMesh({ client: mesh.client, supportedUrls: {} })("chat").supportedUrls).toEqual({});
  });
});

describe("embeddings", () => {
  it("embed and embedMany route through the mesh's embeddings pool", async () => {
    const one = await embed({ model: modelmesh.embeddingModel("vectors"), value: "hello world", maxRetries: 0 });
    expect(one.embedding).toHaveLength(8);
    expect(one.usage.tokens).toBe(2);
    expect((one.providerMetadata?.modelmesh as { route: { provider: string } }).route.provider).toBe("primary");
    const many = await embedMany({ model: modelmesh.embeddingModel("vectors"), values: ["a", "b c", "d"], maxRetries: 0 });
    expect(many.embeddings).toHaveLength(3);
    const bodies = mesh.primary.calls.filter((c) => c.path.endsWith("/embeddings")).map((c) => c.body);
    expect(bodies).toEqual([
      { model: "mock-embed", input: ["hello world"] },
      { model: "mock-embed", input: ["a", "b c", "d"] },
    ]);
  });
});

describe("per-call ModelMesh options", () => {
  it("providerOptions.modelmesh.user and parallelToolCalls reach the body; an unknown key is rejected before any request", async () => {
    await generateText({ model: modelmesh("chat"), prompt: "u", providerOptions: { modelmesh: { user: "end-user-7" } }, maxRetries: 0 });
    expect(chatCalls(mesh.primary)[0]!.body).toMatchObject({ user: "end-user-7" });
    await expect(generateText({ model: modelmesh("chat"), prompt: "u", providerOptions: { modelmesh: { deadline: 5 } }, maxRetries: 0 })).rejects.toThrow(/unknown option providerOptions\.modelmesh\.deadline/);
    expect(chatCalls(mesh.primary)).toHaveLength(1);
  });

  it("providerOptions.modelmesh.timeout is the request deadline", async () => {
    mesh.primary.fault({ fault: { kind: "no-response" } });
    mesh.backup.fault({ fault: { kind: "no-response" } });
    const started = Date.now();
    const error = await generateText({ model: modelmesh("chat"), prompt: "slow", providerOptions: { modelmesh: { timeout: 300 } }, maxRetries: 0 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    expect((error as { data?: { code?: string } }).data?.code).toMatch(/^MM_(DEADLINE_EXCEEDED|TIMEOUT_)/);
  });

  it("an image URL part is sent as an OpenAI image_url, not downloaded", async () => {
    const result = await generateText({
      model: modelmesh("chat"),
      messages: [{ role: "user", content: [{ type: "text", text: "describe" }, { type: "image", image: new URL("https://images.example.test/cat.png") }] }],
      maxRetries: 0,
    });
    expect(result.text).toBe("echo: describe");
    expect(chatCalls(mesh.primary)[0]!.body).toMatchObject({
      messages: [{ role: "user", content: [{ type: "text", text: "describe" }, { type: "image_url", image_url: { url: "https://images.example.test/cat.png" } }] }],
    });
  });
});

describe("embedding headers", () => {
  it("headers other than user-agent reach the client with a warning", async () => {
    const result = await embed({ model: modelmesh.embeddingModel("vectors"), value: "x", headers: { "x-session-key": "s-1" }, maxRetries: 0 });
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: "compatibility", feature: "headers" }));
    const [call] = mesh.primary.calls.filter((c) => c.path.endsWith("/embeddings"));
    expect(call!.headers).not.toHaveProperty("x-session-key");
  });
});

describe("chat headers", () => {
  it("reach ModelMesh, not the upstream, with a warning", async () => {
    const result = await generateText({ model: modelmesh("chat"), prompt: "h", headers: { "x-session-key": "s-2" }, maxRetries: 0 });
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: "compatibility", feature: "headers" }));
    expect(chatCalls(mesh.primary)[0]!.headers).not.toHaveProperty("x-session-key");
  });
});
