/**
 * The official `openai` SDK's test code runs unchanged against MeshClient, and both agree on the answers.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, type MeshClient } from "../src/index.js";
import { sdkChat, sdkEmbeddings, sdkStream } from "./support/sdk-code.js";

let mock: MockProvider;
let sdk: OpenAI;
let mesh: MeshClient;

beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "mock-chat" }, { id: "mock-embed" }] });
  sdk = new OpenAI({ baseURL: mock.url, apiKey: "sk-test", maxRetries: 0 });
  mesh = create({
    env: {},
    config: {
      providers: {
        local: {
          connector: "openai-compatible",
          config: { base_url: mock.url, api_key: "sk-test" },
          models: [
            { id: "mock-chat", capabilities: ["chat-completion"] },
            { id: "mock-embed", capabilities: ["text-embeddings"] },
          ],
        },
      },
    },
  });
  await mesh.ready();
});
afterAll(async () => {
  await mesh?.close();
  await mock?.close();
});

describe("openai SDK test code, unchanged", () => {
  it("chat: same answer through the SDK and through MeshClient", async () => {
    const direct = await sdkChat(sdk, "mock-chat");
    const routed = await sdkChat(mesh, "chat-completion");
    expect(routed.choices[0]!.message.content).toBe(direct.choices[0]!.message.content);
    expect(routed.model).toBe("mock-chat");
    expect(getTrace(routed)?.final?.routeId).toBe("local/local.mock-chat");
  });

  it("stream: same text", async () => {
    expect(await sdkStream(mesh, "chat-completion")).toBe(await sdkStream(sdk, "mock-chat"));
  });

  it("embeddings: same vectors", async () => {
    expect(await sdkEmbeddings(mesh, "text-embeddings")).toEqual(await sdkEmbeddings(sdk, "mock-embed"));
  });

  it("a concrete model id works as the model name too", async () => {
    const completion = await sdkChat(mesh, "local.mock-chat");
    expect(getTrace(completion)?.resolution?.kind).toBe("model");
  });

  it("models.list() lists pools and models", async () => {
    const page = await mesh.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain("local.mock-chat");
    expect(ids).toContain("text-generation");
    const iterated: string[] = [];
    for await (const model of page) iterated.push(model.id);
    expect(iterated).toEqual(ids);
  });
});
