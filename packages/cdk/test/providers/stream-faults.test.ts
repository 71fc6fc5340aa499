import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "@modelmesh/core";
import { VARIANTS } from "./support/variants.js";
import { caught, chunk, collect, frame, sendSse, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const request = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };
const fast = { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000 };

describe.each(VARIANTS)("stream faults over a real socket: %s", (_name, create) => {
  const make = () => create({ id: "p1", baseUrl: server.baseUrl, apiKey: "sk-fault-key-0123456789" });

  it("an error object inside a 200 stream throws a classified ProviderError", async () => {
    server.handler = (_req, res) =>
      sendSse(res, [frame(chunk("a")), frame({ error: { message: "This model's maximum context length is 4096 tokens", code: "context_length_exceeded" } })]);
    const error = await caught(() => collect(make().stream(request, { timeouts: fast })));
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ category: "context_length", code: "MM_CONTEXT_LENGTH", provider: "p1", model: "gpt-test" });
  });

  it("a malformed event is skipped and reported through onWarning; the stream completes", async () => {
    server.handler = (_req, res) => sendSse(res, [frame(chunk("a")), 'data: {"id": "x", "choices": [{\n\n', frame(chunk("b", "stop")), "data: [DONE]\n\n"]);
    const warnings: string[] = [];
    const chunks = await collect(make().stream(request, { timeouts: fast, onWarning: (message) => warnings.push(message) }));
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(["a", "b"]);
    expect(warnings).toEqual(["skipped malformed stream event 1 (the stream fails at 3): not JSON"]);
  });

  it("three malformed events throw MM_INVALID_RESPONSE (stream_interrupted) with provider and model", async () => {
    const bad = 'data: {"id": "x", "choices": [{\n\n';
    server.handler = (_req, res) => sendSse(res, [frame(chunk("a")), bad, bad, bad, frame(chunk("b", "stop")), "data: [DONE]\n\n"]);
    const warnings: string[] = [];
    const error = await caught(() => collect(make().stream(request, { timeouts: fast, onWarning: (message) => warnings.push(message) })));
    expect(error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false, provider: "p1", model: "gpt-test" });
    expect(error.message).toContain("3 malformed events");
    expect(warnings).toHaveLength(2);
  });

  it("a body closed without [DONE] after a finish_reason ends cleanly, at once", async () => {
    server.handler = (_req, res) => sendSse(res, [frame(chunk("a")), frame(chunk(undefined, "stop"))]);
    const chunks = await collect(make().stream(request, { timeouts: fast }));
    expect(chunks.map((c) => c.choices[0]?.finish_reason)).toEqual([null, "stop"]);
  });

  it("a body closed without [DONE] and without finish_reason throws MM_STREAM_INTERRUPTED", async () => {
    server.handler = (_req, res) => sendSse(res, [frame(chunk("a")), frame(chunk("b"))]);
    const seen: unknown[] = [];
    const error = await caught(async () => {
      for await (const c of make().stream(request, { timeouts: fast })) seen.push(c);
    });
    expect(seen).toHaveLength(2);
    expect(error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("a connection reset mid-stream throws MM_NETWORK with the socket error as cause", async () => {
    server.handler = (_req, res) => {
      sendSse(res, [frame(chunk("a"))], { end: false });
      res.write(frame(chunk("b")), () => setImmediate(() => res.socket?.resetAndDestroy()));
    };
    const seen: unknown[] = [];
    const error = await caught(async () => {
      for await (const c of make().stream(request, { timeouts: fast })) seen.push(c);
    });
    expect(error).toMatchObject({ code: "MM_NETWORK", category: "network", retryable: true, provider: "p1" });
    expect(error.cause).toBeDefined();
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it("a stall after the first token throws MM_TIMEOUT_IDLE and closes the connection", async () => {
    let closed!: Promise<void>;
    server.handler = (req, res) => {
      closed = new Promise((resolve) => req.socket.once("close", () => resolve()));
      sendSse(res, [frame(chunk("a"))], { end: false });
    };
    const seen: unknown[] = [];
    const error = await caught(async () => {
      for await (const c of make().stream(request, { timeouts: { ...fast, idleMs: 100 } })) seen.push(c);
    });
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout", retryable: false });
    await closed;
  });

  it("no content before firstTokenMs throws MM_TIMEOUT_FIRST_TOKEN", async () => {
    server.handler = (_req, res) => {
      sendSse(res, [frame({ ...chunk(undefined), choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] })], { end: false });
    };
    const error = await caught(() => collect(make().stream(request, { timeouts: { ...fast, firstTokenMs: 150 } })));
    expect(error).toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN", category: "timeout" });
  });

  it("missing response headers throw MM_TIMEOUT_CONNECT (stream and complete)", async () => {
    server.handler = () => {};
    const timeouts = { ...fast, connectMs: 120 };
    const streamError = await caught(() => collect(make().stream(request, { timeouts })));
    expect(streamError).toMatchObject({ code: "MM_TIMEOUT_CONNECT", category: "timeout", retryable: false, provider: "p1" });
    const completeError = await caught(() => make().complete(request, { timeouts }));
    expect(completeError).toMatchObject({ code: "MM_TIMEOUT_CONNECT", category: "timeout" });
  });

  it("a body that never completes throws MM_TIMEOUT_RESPONSE for non-streamed calls", async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":');
    };
    const error = await caught(() => make().complete(request, { timeouts: { ...fast, firstTokenMs: 150 } }));
    expect(error).toMatchObject({ code: "MM_TIMEOUT_RESPONSE", category: "timeout" });
  });

  it("a refused connection throws MM_NETWORK (network, retryable)", async () => {
    const closedServer = await startScriptedServer();
    const baseUrl = closedServer.baseUrl;
    await closedServer.close();
    const provider = create({ id: "p2", baseUrl });
    const error = await caught(() => provider.complete(request, { timeouts: fast }));
    expect(error).toMatchObject({ code: "MM_NETWORK", category: "network", retryable: true, provider: "p2" });
    expect(provider.classifyError(error)).toMatchObject({ category: "network", retryable: true });
  });
});
