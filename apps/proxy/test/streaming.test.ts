/**
 * The streaming contract on the wire: headers at commit, an SSE error event and no `[DONE]` after a failure,
 * client disconnects that abort the upstream call without leaking sockets, and the concurrent-stream cap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start } from "./support/harness.js";
import { startSlowUpstream, waitFor, type SlowUpstream } from "./support/slow-upstream.js";

const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "one two three four" }], ...extra });

describe("failures after the stream started", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());

  it.each([
    [{ kind: "cut-after", tokens: 2 }],
    [{ kind: "stall-after", tokens: 2 }],
    [{ kind: "malformed-chunk", afterTokens: 1, count: 3 }],
    [{ kind: "error-in-stream", afterTokens: 1 }],
  ] as const)("%o: an SSE error event ends the response, without [DONE]", async (fault) => {
    mock.reset();
    mock.fault({ fault });
    const { proxy } = await start(meshConfig([mock.url]));
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-modelmesh-provider")).toBe("p0");
      const events = (await response.text()).split("\n\n").filter(Boolean);
      expect(events).not.toContain("data: [DONE]");
      const last = JSON.parse(events.at(-1)!.slice("data: ".length));
      expect(last.error).toMatchObject({ type: "server_error", code: "stream_interrupted", modelmesh_code: "MM_STREAM_INTERRUPTED" });
      expect(last.error.message).toMatch(/interrupted/);
      expect(events.length).toBeGreaterThan(1); // content was delivered before the failure
    } finally {
      await proxy.close();
    }
  });

  it("one malformed event is skipped: the stream completes with [DONE] and the whole answer", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 1 } });
    const { proxy } = await start(meshConfig([mock.url]));
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
      expect(response.status).toBe(200);
      const events = (await response.text()).split("\n\n").filter(Boolean);
      expect(events.at(-1)).toBe("data: [DONE]");
      const text = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)).choices[0]?.delta?.content ?? "").join("");
      expect(text).toBe("echo: one two three four");
    } finally {
      await proxy.close();
    }
  });

  it("the SDK throws instead of ending the truncated stream cleanly", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "cut-after", tokens: 2 } });
    const { proxy } = await start(meshConfig([mock.url]));
    let text = "";
    try {
      const stream = await sdk(proxy).chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "one two three four" }] });
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })().catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.code).toBe("stream_interrupted");
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toBe("echo: one two three four");
    } finally {
      await proxy.close();
    }
  });
});

describe("client disconnects and stream caps", () => {
  let slow: SlowUpstream;
  beforeAll(async () => {
    slow = await startSlowUpstream({ tokens: 500, intervalMs: 10 });
  });
  afterAll(() => slow.close());

  it("a client that disconnects mid-stream aborts the upstream call; no socket is left open", async () => {
    const { proxy } = await start(meshConfig([slow.url], { routing: { timeouts: { idle: "2s" } } }));
    try {
      const controller = new AbortController();
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body(), signal: controller.signal });
      const reader = response.body!.getReader();
      await reader.read(); // the stream committed and is flowing
      await reader.read();
      expect(slow.openSockets()).toBe(1);
      controller.abort();
      await waitFor(() => slow.abortedResponses() === 1 && slow.openSockets() === 0);
      const ready = await (await fetch(`${proxy.url}/readyz`)).json();
      expect(ready).toMatchObject({ streams: 0, inFlight: 1 }); // only the /readyz request itself
    } finally {
      await proxy.close();
    }
  });

  it("a client that disconnects while a plain request waits aborts the upstream call too", async () => {
    const before = slow.abortedResponses();
    const { proxy } = await start(meshConfig([slow.url]));
    try {
      const controller = new AbortController();
      const pending = fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }] }), signal: controller.signal }).catch((e) => e);
      await waitFor(() => slow.openSockets() === 1);
      controller.abort();
      await pending;
      await waitFor(() => slow.abortedResponses() === before + 1 && slow.openSockets() === 0);
    } finally {
      await proxy.close();
    }
  });

  it("caps concurrent streams with a 429 and a clear error", async () => {
    const { proxy } = await start(meshConfig([slow.url], { proxy: { limits: { max_concurrent_streams: 1 } }, routing: { timeouts: { idle: "2s" } } }));
    try {
      const controller = new AbortController();
      const first = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body(), signal: controller.signal });
      await first.body!.getReader().read();
      const second = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
      expect(second.status).toBe(429);
      expect(second.headers.get("retry-after")).toBe("1");
      expect((await second.json()).error).toMatchObject({ code: "concurrent_streams_exceeded", type: "rate_limit_error" });
      // Plain requests are not streams and still pass.
      const plainRequest = await fetch(`${proxy.url}/readyz`);
      expect(plainRequest.status).toBe(200);
      controller.abort();
      await waitFor(async () => (await (await fetch(`${proxy.url}/readyz`)).json()).streams === 0);
      const third = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
      expect(third.status).toBe(200);
      await third.body?.cancel();
    } finally {
      await proxy.close();
    }
  });
});
