/** End to end: the zero-code YAML block, the mesh, and a real OpenAI-compatible server on 127.0.0.1. */
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../src/run.js";

const KEY = "sk-test-proxy-key-0123456789";
let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "gpt-4o" }], apiKey: KEY });
});
afterAll(() => mock.close());

it("serves a chat and a stream from a YAML-only provider", async () => {
  const result = await run({ UPSTREAM_URL: mock.url, PROXY_KEY: KEY });
  expect(result).toEqual({ chat: "echo: Hello from a config-only provider", stream: "echo: Hello from a config-only provider", providerId: "my-openai-proxy" });
  expect(mock.calls.map((call) => [call.path, call.stream, call.status])).toEqual([
    ["/v1/chat/completions", false, 200],
    ["/v1/chat/completions", true, 200],
  ]);
});

it("fails at start-up, naming the secret, when the key is missing", async () => {
  await expect(run({ UPSTREAM_URL: mock.url })).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
});
