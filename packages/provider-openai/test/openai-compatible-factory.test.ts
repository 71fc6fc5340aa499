import { ConfigError, ProviderError, type ChatCompletionRequest } from "@modelmesh/core";
import { createFetchTransport, type Transport } from "@modelmesh/cdk";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createOpenAICompatibleProvider, OpenAIProvider, OPENAI_MODELS } from "../src/index.js";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";
import { collect, TEST_KEY } from "./support/pair.js";

/** `createOpenAICompatibleProvider`: the typed-config, zod-free factory a browser build imports. */

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});
afterEach(() => vi.restoreAllMocks());

const CHAT = "generation.text-generation.chat-completion";
const hi: ChatCompletionRequest = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(ConfigError.is(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("createOpenAICompatibleProvider", () => {
  it("chats, streams and embeds over the global fetch by default", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const provider = createOpenAICompatibleProvider({ id: "local", baseUrl: server.url, apiKey: TEST_KEY, organization: "org-1" });
    expect(provider).toBeInstanceOf(OpenAIProvider);
    expect(provider.id).toBe("local");

    server.reply = () => ({ json: fixture("openai-chat-text") });
    const reply = await provider.complete(hi);
    expect(reply.choices[0]?.message.content).toBe((fixture("openai-chat-text") as { choices: [{ message: { content: string } }] }).choices[0].message.content);

    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    const chunks = await collect(provider.stream(hi));
    expect(chunks.length).toBeGreaterThan(1);

    server.reply = () => ({ json: fixture("openai-embeddings") });
    const vectors = await provider.embed({ model: "text-embedding-3-small", input: "hi" });
    expect(vectors.data.length).toBeGreaterThan(0);

    expect(server.requests.map((request) => request.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]);
    expect(server.requests[0]!.headers).toMatchObject({ authorization: `Bearer ${TEST_KEY}`, "openai-organization": "org-1" });
    expect(server.requests[1]!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(fetchSpy).toHaveBeenCalledTimes(3);
  });

  it("classifies upstream errors as OpenAIProvider does (insufficient_quota is a spent quota, not a rate limit)", async () => {
    server.reply = () => ({ status: 429, json: fixture("openai-error-insufficient-quota") });
    const provider = createOpenAICompatibleProvider({ baseUrl: server.url, apiKey: TEST_KEY });
    const error = await provider.complete(hi).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ category: "quota_exhausted", code: "MM_QUOTA_EXHAUSTED", retryable: false, status: 429 });
    expect(String((error as Error).message)).not.toContain(TEST_KEY);
  });

  it("uses an injected transport, and routes every request through proxyUrl", async () => {
    const seen: string[] = [];
    const fetchTransport = createFetchTransport();
    const transport: Transport = (request) => {
      seen.push(request.url);
      return fetchTransport(request);
    };
    server.reply = () => ({ json: fixture("openai-chat-text") });
    const provider = createOpenAICompatibleProvider(
      { baseUrl: "https://api.example.test/v1", apiKey: TEST_KEY, models: [{ id: "gpt-4o-mini", capabilities: [CHAT] }] },
      { transport, proxyUrl: `${server.url.replace(/\/v1$/, "")}/cors/` },
    );
    await provider.complete(hi);
    expect(seen).toEqual([`${server.url.replace(/\/v1$/, "")}/cors/https://api.example.test/v1/chat/completions`]);
    expect(server.requests[0]!.path).toBe("/cors/https://api.example.test/v1/chat/completions");
    expect(await provider.listModels()).toEqual([{ id: "gpt-4o-mini", capabilities: [CHAT] }]);
  });

  it("defaults to OpenAI's base URL and catalogue", async () => {
    const provider = createOpenAICompatibleProvider({ apiKey: TEST_KEY });
    expect(provider.id).toBe("api.openai.com");
    expect((await provider.listModels()).map((model) => model.id)).toEqual(OPENAI_MODELS.map((model) => model.id));
  });

  it("rejects a bad typed config with one ConfigError naming every path, never echoing a value", () => {
    const secret = "sk-not-a-url-0123456789";
    const error = configError(() =>
      createOpenAICompatibleProvider({
        baseUrl: secret,
        apiKey: 42 as unknown as string,
        models: [{ capabilities: [CHAT] } as never, { id: "m", capabilities: "chat" as never }],
        headers: { "x-tenant": 7 as unknown as string },
        timeoutMs: -1,
        streamUsage: "yes" as unknown as boolean,
      }),
    );
    expect(error.code).toBe("MM_CONFIG_INVALID");
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      ["config.apiKey", "config.baseUrl", "config.headers.x-tenant", "config.models.0.id", "config.models.1.capabilities", "config.streamUsage", "config.timeoutMs"].sort(),
    );
    expect(error.message).not.toContain(secret);
  });

  it("rejects bad options and a non-object config", () => {
    expect(configError(() => createOpenAICompatibleProvider({ apiKey: TEST_KEY }, { proxyUrl: "not a url" })).issues[0]!.path).toBe("options.proxyUrl");
    expect(configError(() => createOpenAICompatibleProvider({ apiKey: TEST_KEY }, { transport: "fetch" as never })).issues[0]!.path).toBe("options.transport");
    expect(configError(() => createOpenAICompatibleProvider(null as never)).issues[0]).toMatchObject({ path: "config", message: "Invalid input: expected object, received null" });
  });
});
