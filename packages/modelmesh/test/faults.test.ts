/**
 * Errors through create() carry their routing trace. Every fault kind of the mock provider × plain/stream × commit
 * modes is in fault-matrix.test.ts.
 */
import { describe, expect, it } from "vitest";
import { startMockProvider } from "@modelmesh/testing/server";
import { create, getTrace, isModelMeshError, type MeshClient } from "../src/index.js";

const DEADLINE_MS = 6000;

function clientFor(urls: string[]): MeshClient {
  return create({
    env: {},
    config: {
      providers: Object.fromEntries(
        urls.map((url, i) => [`p${i}`, { connector: "openai-compatible", config: { base_url: url, api_key: "sk-test" }, models: [{ id: "mock-model", capabilities: ["chat-completion"] }] }]),
      ),
      pools: { chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "50ms" } } },
      routing: { deadline: `${DEADLINE_MS}ms`, timeouts: { connect: "1200ms", first_token: "1500ms", idle: "1000ms" } },
    },
  });
}

describe("trace on errors", () => {
  it("an exhausted request's error carries the trace", async () => {
    const mock = await startMockProvider();
    mock.fault({ fault: { kind: "status", status: 503 } });
    const client = clientFor([mock.url]);
    try {
      const error = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
      expect(isModelMeshError(error)).toBe(true);
      const trace = getTrace(error)!;
      expect(trace.outcome).toBe("error");
      expect(trace.attempts.length).toBeGreaterThanOrEqual(2);
      expect(trace.attempts.every((a) => a.error?.status === 503)).toBe(true);
    } finally {
      await client.close();
      await mock.close();
    }
  });
});
