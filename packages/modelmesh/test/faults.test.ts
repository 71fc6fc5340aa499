/**
 * Every fault kind of the mock provider, driven through create(): each call ends in a complete answer or a
 * typed ModelMeshError within its deadline, and no stream that was cut is ever presented as complete.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultCatalogue, POST_COMMIT_FAULT_KINDS, startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, isModelMeshError, type MeshClient } from "../src/index.js";

const PROMPT = "tell me five words now";
const FULL = `echo: ${PROMPT}`;
const DEADLINE_MS = 6000;

const FAULTS = faultCatalogue();

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

type Outcome = { kind: "answer"; text: string } | { kind: "error"; code: string; category: string };

async function plain(client: MeshClient): Promise<Outcome> {
  try {
    const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }] });
    return { kind: "answer", text: completion.choices[0]!.message.content ?? "" };
  } catch (error) {
    if (!isModelMeshError(error)) throw error;
    return { kind: "error", code: error.code, category: error.category };
  }
}

async function streamed(client: MeshClient): Promise<Outcome> {
  let text = "";
  try {
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }], stream: true });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return { kind: "answer", text };
  } catch (error) {
    if (!isModelMeshError(error)) throw error;
    return { kind: "error", code: error.code, category: error.category };
  }
}

async function timed(fn: () => Promise<Outcome>): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  const outcome = await fn();
  return { outcome, ms: performance.now() - started };
}

describe.each([
  ["plain", plain],
  ["stream", streamed],
] as const)("%s requests", (_mode, call) => {
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

  it.each(FAULTS)("single provider, $name: a complete answer or a typed error, inside the deadline", async ({ fault }) => {
    faulty.reset();
    faulty.fault({ fault });
    const client = clientFor([faulty.url]);
    try {
      const { outcome, ms } = await timed(() => call(client));
      expect(ms).toBeLessThan(DEADLINE_MS + 1000);
      if (outcome.kind === "answer") expect(outcome.text).toBe(FULL); // never a truncated answer presented as complete
      else expect(outcome.code).toMatch(/^MM_/);
    } finally {
      await client.close();
    }
  });

  it.each(FAULTS)("with a healthy fallback, $name: the fallback completes the answer (or a caller error surfaces)", async ({ fault }) => {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault });
    const client = clientFor([faulty.url, healthy.url]);
    try {
      const { outcome, ms } = await timed(() => call(client));
      expect(ms).toBeLessThan(DEADLINE_MS + 1000);
      if (fault.kind === "content-policy") {
        expect(outcome).toMatchObject({ kind: "error", category: "content_filter" });
      } else if (outcome.kind === "error") {
        // Only an interruption after output was committed may end in an error: never a silent truncation.
        expect(outcome.code).toBe("MM_STREAM_INTERRUPTED");
        expect(POST_COMMIT_FAULT_KINDS).toContain(fault.kind);
      } else {
        expect(outcome.text).toBe(FULL);
      }
    } finally {
      await client.close();
    }
  });
});

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
