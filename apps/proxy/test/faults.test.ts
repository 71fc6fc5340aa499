/**
 * Every fault kind of the mock provider (the table of packages/modelmesh/test/faults.test.ts), driven through
 * the proxy with the official `openai` SDK as the client (maxRetries 0): each call ends in a complete answer
 * or a clean error, inside the deadline. For streams the SDK either yields the full text or throws — a stream
 * cut after it started is an SSE error event, never a clean end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { faultCatalogue, POST_COMMIT_FAULT_KINDS, startMockProvider, type Fault, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start } from "./support/harness.js";

const PROMPT = "tell me five words now";
const FULL = `echo: ${PROMPT}`;
const DEADLINE_MS = 2500;

const FAULTS = faultCatalogue();

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

async function streamed(client: OpenAI): Promise<Outcome> {
  let text = "";
  try {
    const stream = await client.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: PROMPT }] });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return { kind: "answer", text };
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

describe.each([
  ["plain", plain],
  ["stream", streamed],
] as const)("%s requests through the proxy", (_mode, call) => {
  let faulty: MockProvider;
  let healthy: MockProvider;
  beforeAll(async () => {
    faulty = await startMockProvider();
    healthy = await startMockProvider();
  });
  afterAll(async () => {
    await faulty.close();
    await healthy.close();
  });

  it.each(FAULTS)("single provider, $name: a complete answer or a clean error", async ({ fault }) => {
    faulty.reset();
    faulty.fault({ fault });
    const { outcome, ms } = await run([faulty.url], call);
    expect(ms).toBeLessThan(DEADLINE_MS + 1500);
    if (outcome.kind === "answer") expect(outcome.text).toBe(FULL);
    else expect(outcome.code).toBeTruthy();
  });

  it.each(FAULTS)("with a healthy fallback, $name: the fallback completes the answer (or a caller error surfaces)", async ({ fault }) => {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault });
    const { outcome, ms } = await run([faulty.url, healthy.url], call);
    expect(ms).toBeLessThan(DEADLINE_MS + 1500);
    if (fault.kind === "content-policy") {
      expect(outcome).toMatchObject({ kind: "error", status: 400, code: "content_filter" });
    } else if (outcome.kind === "error") {
      // Only an interruption after output was committed may end in an error: never a silent truncation.
      expect(outcome.code).toBe("stream_interrupted");
      expect(POST_COMMIT_FAULT_KINDS).toContain(fault.kind);
    } else {
      expect(outcome.text).toBe(FULL);
    }
  });
});

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
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }] }) });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(response.headers.get("x-modelmesh-attempts")).toBe("1");
      expect(response.headers.get("x-modelmesh-trace-id")).toMatch(/^mmp-/);
    } finally {
      await proxy.close();
    }
  });
});
