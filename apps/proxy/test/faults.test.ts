/**
 * The HTTP status, code and headers the official `openai` SDK sees for each upstream failure through the proxy.
 * Every fault kind × plain/stream × commit modes (complete answer or clean error, inside the deadline) is in
 * fault-matrix.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startMockProvider, type Fault, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start } from "./support/harness.js";

const PROMPT = "tell me five words now";

type Outcome = { kind: "answer"; text: string } | { kind: "error"; status: number | undefined; code: string | null | undefined };

function failure(error: unknown): Outcome {
  // Anything but the SDK's APIError (a hang, a TypeError, a silently ended stream) fails the test.
  if (!(error instanceof OpenAI.APIError)) throw error;
  return { kind: "error", status: error.status, code: error.code };
}

async function plain(client: OpenAI): Promise<Outcome> {
  try {
    const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }] });
    return { kind: "answer", text: completion.choices[0]!.message.content ?? "" };
  } catch (error) {
    return failure(error);
  }
}

async function run(urls: string[], call: (client: OpenAI) => Promise<Outcome>): Promise<{ outcome: Outcome; ms: number }> {
  const { proxy } = await start(meshConfig(urls));
  try {
    const started = performance.now();
    const outcome = await call(sdk(proxy));
    return { outcome, ms: performance.now() - started };
  } finally {
    await proxy.close();
  }
}

describe("error statuses the SDK sees", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());

  it.each([
    [{ kind: "rate-limit", retryAfter: 1 } as Fault, 429, "rate_limit_exceeded"],
    [{ kind: "quota-exhausted" } as Fault, 429, "insufficient_quota"],
    [{ kind: "context-length" } as Fault, 400, "context_length_exceeded"],
    [{ kind: "content-policy" } as Fault, 400, "content_filter"],
    [{ kind: "status", status: 503 } as Fault, 502, "upstream_error"],
    [{ kind: "reset-before-headers" } as Fault, 502, "upstream_unreachable"],
    [{ kind: "no-response" } as Fault, 504, "upstream_timeout"],
    [{ kind: "auth" } as Fault, 502, "upstream_auth_failed"],
  ])("%o → %i %s", async (fault, status, code) => {
    mock.reset();
    mock.fault({ fault });
    const { outcome } = await run([mock.url], plain);
    expect(outcome).toMatchObject({ kind: "error", status, code });
  });

  it("a 429 carries Retry-After", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "rate-limit", retryAfter: 30 } });
    const { proxy } = await start(meshConfig([mock.url]));
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }] }) });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(response.headers.get("x-modelmesh-attempts")).toBe("1");
      expect(response.headers.get("x-modelmesh-trace-id")).toMatch(/^mmp-/);
    } finally {
      await proxy.close();
    }
  });
});
