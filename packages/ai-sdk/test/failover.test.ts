/**
 * Failover, errors and aborts through the AI SDK: the first route fails (500, a dropped connection, a stream
 * that dies before its first token) and the second answers; every route fails; the caller aborts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APICallError, generateText, streamText } from "ai";
import type { RequestEndEvent, StreamEndEvent } from "@modelmesh/core";
import { createModelMesh, type ModelMeshErrorData, type ModelMeshRouteMetadata } from "../src/index.js";
import { chatCalls, startTestMesh, type TestMesh } from "./support/mesh.js";

let mesh: TestMesh;
let modelmesh: ReturnType<typeof createModelMesh>;

// A fresh mesh per test: route state (standby, circuit breakers) must not leak from one failure test to the next.
beforeEach(async () => {
  mesh = await startTestMesh();
  modelmesh = createModelMesh({ client: mesh.client });
});
afterEach(() => mesh?.close());

/** Resolves once `check` holds, polling; fails after a bounded deadline. */
async function until(check: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The next `request-end` event of the client. */
function nextRequestEnd(): Promise<RequestEndEvent> {
  return new Promise((resolve) => {
    const off = mesh.client.on("request-end", (event) => {
      off();
      resolve(event as RequestEndEvent);
    });
  });
}

/** The next `stream-end` event of the client. */
function nextStreamEnd(): Promise<StreamEndEvent> {
  return new Promise((resolve) => {
    const off = mesh.client.on("stream-end", (event) => {
      off();
      resolve(event as StreamEndEvent);
    });
  });
}

const routeOf = (metadata: unknown) => (metadata as { modelmesh: ModelMeshRouteMetadata }).modelmesh;

describe("failover", () => {
  it("generateText: the first route answers 500, the second answers; providerMetadata shows the failover", async () => {
    mesh.primary.fault({ fault: { kind: "status", status: 500 } });
    const result = await generateText({ model: modelmesh("chat"), prompt: "fail over", maxRetries: 0 });
    expect(result.text).toBe("echo: fail over");
    const route = routeOf(result.providerMetadata);
    expect(route.failover).toBe(true);
    expect(route.route).toMatchObject({ provider: "backup" });
    // the pool retries a 5xx once on the same route (retry.max_attempts: 1), then rotates
    const failed = route.attempts.slice(0, -1);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.every((a) => a.provider === "primary" && !a.ok && a.error?.code === "MM_SERVER" && a.error.status === 500)).toBe(true);
    expect(route.attempts.at(-1)).toMatchObject({ provider: "backup", ok: true, error: null });
    expect(route.attemptCount).toBe(chatCalls(mesh.primary).length + 1);
    expect(chatCalls(mesh.backup)).toHaveLength(1);
  });

  it("generateText: the first route drops the connection before answering", async () => {
    mesh.primary.fault({ fault: { kind: "reset-before-headers" } });
    const result = await generateText({ model: modelmesh("chat"), prompt: "dropped", maxRetries: 0 });
    expect(result.text).toBe("echo: dropped");
    const route = routeOf(result.providerMetadata);
    expect(route.failover).toBe(true);
    expect(route.attempts[0]!.error).toMatchObject({ category: "network" });
  });

  it("streamText: the first route's stream dies before its first token; the second streams the answer", async () => {
    mesh.primary.fault({ fault: { kind: "cut-after", tokens: 0 } });
    const result = streamText({ model: modelmesh("chat"), prompt: "stream fail over", maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe("echo: stream fail over");
    expect(await result.finishReason).toBe("stop");
    const route = routeOf(await result.providerMetadata);
    expect(route.failover).toBe(true);
    expect(route.route).toMatchObject({ provider: "backup" });
    expect(chatCalls(mesh.primary)[0]!.stream).toBe(true);
  });

  it("streamText: a 503 before the stream starts fails over too", async () => {
    mesh.primary.fault({ fault: { kind: "status", status: 503 } });
    const result = streamText({ model: modelmesh("chat"), prompt: "stream 503", maxRetries: 0 });
    expect(await result.text).toBe("echo: stream 503");
    expect(routeOf(await result.providerMetadata).attempts[0]!.error).toMatchObject({ status: 503 });
  });
});

describe("errors", () => {
  it("every route fails: generateText rejects with a non-retryable APICallError carrying the ModelMesh code", async () => {
    mesh.primary.fault({ fault: { kind: "status", status: 503 } });
    mesh.backup.fault({ fault: { kind: "status", status: 503 } });
    const error = await generateText({ model: modelmesh("chat"), prompt: "nobody answers", maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.isRetryable).toBe(false);
    expect(apiError.statusCode).toBe(503);
    const data = apiError.data as ModelMeshErrorData;
    expect(data.code).toMatch(/^MM_/);
    expect(apiError.message).toContain(data.code);
    expect(data.attempts.length).toBe(chatCalls(mesh.primary).length + chatCalls(mesh.backup).length);
    expect(new Set(data.attempts.map((a) => a.provider))).toEqual(new Set(["primary", "backup"]));
    expect(data.attempts.every((a) => a.error?.status === 503)).toBe(true);
    expect(apiError.url).toBe("modelmesh:chat/completions?model=chat");
    expect(apiError.message).not.toContain("sk-test");
  });

  it("the AI SDK does not retry a ModelMesh failure (maxRetries left at its default)", async () => {
    mesh.primary.fault({ fault: { kind: "status", status: 503 } });
    mesh.backup.fault({ fault: { kind: "status", status: 503 } });
    const error = await generateText({ model: modelmesh("chat"), prompt: "once" }).catch((e: unknown) => e);
    // the AI SDK wraps errors it retried in a RetryError; a non-retryable one reaches the caller as it is
    expect(APICallError.isInstance(error)).toBe(true);
    const attempts = (error as APICallError).data as ModelMeshErrorData;
    expect(chatCalls(mesh.primary).length + chatCalls(mesh.backup).length).toBe(attempts.attempts.length);
  });

  it("an unknown model name is an APICallError with the ModelMesh code", async () => {
    const error = await generateText({ model: modelmesh("no-such-pool"), prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).data).toMatchObject({ code: "MM_UNKNOWN_MODEL" });
  });

  it("every route fails on a stream: streamText reports the APICallError", async () => {
    mesh.primary.fault({ fault: { kind: "status", status: 500 } });
    mesh.backup.fault({ fault: { kind: "status", status: 500 } });
    const errors: unknown[] = [];
    const result = streamText({ model: modelmesh("chat"), prompt: "x", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    for await (const part of result.fullStream) void part;
    expect(errors).toHaveLength(1);
    expect(APICallError.isInstance(errors[0])).toBe(true);
    const attempts = ((errors[0] as APICallError).data as ModelMeshErrorData).attempts;
    expect(new Set(attempts.map((a) => a.provider))).toEqual(new Set(["primary", "backup"]));
  });

  it("a stream interrupted after output began ends with an error part carrying MM_STREAM_INTERRUPTED", async () => {
    mesh.primary.fault({ fault: { kind: "cut-after", tokens: 2 } });
    const errors: unknown[] = [];
    const result = streamText({ model: modelmesh("chat"), prompt: "one two three four", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect("echo: one two three four".startsWith(text)).toBe(true);
    expect(text).not.toBe("echo: one two three four");
    expect(errors).toHaveLength(1);
    expect((errors[0] as APICallError).data).toMatchObject({ code: "MM_STREAM_INTERRUPTED" });
    expect(chatCalls(mesh.backup)).toHaveLength(0);
  });
});

describe("abort", () => {
  it("aborting generateText cancels the ModelMesh request", async () => {
    mesh.primary.fault({ fault: { kind: "no-response" } });
    const controller = new AbortController();
    const ended = nextRequestEnd();
    const pending = generateText({ model: modelmesh("chat"), prompt: "never answered", abortSignal: controller.signal, maxRetries: 0 }).catch((e: unknown) => e);
    await until(() => chatCalls(mesh.primary).length === 1, "the upstream to receive the request");
    controller.abort();
    const error = (await pending) as Error;
    expect(error.name).toBe("AbortError");
    const event = await ended;
    expect(event.ok).toBe(false);
    expect(event.code).toBe("MM_ABORTED");
    expect(chatCalls(mesh.backup)).toHaveLength(0);
  });

  it("aborting streamText mid-stream cancels the upstream stream", async () => {
    mesh.primary.fault({ fault: { kind: "stall-after", tokens: 2 } });
    const controller = new AbortController();
    const ended = nextStreamEnd();
    const aborted: string[] = [];
    const result = streamText({ model: modelmesh("chat"), prompt: "a b c d e", abortSignal: controller.signal, maxRetries: 0, onAbort: () => void aborted.push("abort") });
    const deltas: string[] = [];
    const types: string[] = [];
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === "text-delta") {
        deltas.push(part.text);
        if (deltas.length === 2) controller.abort();
      }
    }
    expect(deltas).toEqual(["echo:", " a"]);
    expect(types).toContain("abort");
    expect(aborted).toEqual(["abort"]);
    const event = await ended;
    expect(event).toMatchObject({ ok: false, code: "MM_ABORTED" });
  });

  it("cancelling the model's part stream (no abort signal) cancels the upstream stream", async () => {
    // The AI SDK's streamText keeps reading a model stream its caller left (it only stops on abortSignal), so
    // this drives the model directly, as a consumer of LanguageModelV4 does.
    mesh.primary.fault({ fault: { kind: "stall-after", tokens: 2 } });
    const ended = nextStreamEnd();
    const { stream } = await modelmesh("chat").doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "a b c d e" }] }] });
    const reader = stream.getReader();
    let part = await reader.read();
    while (part.value?.type !== "text-delta") part = await reader.read();
    await reader.cancel();
    // ModelMesh ends a stream its consumer left as a clean stop and cancels the upstream; left running, the
    // stalled upstream would end it with MM_TIMEOUT_IDLE instead.
    const event = await ended;
    expect(event.ok).toBe(true);
    expect(event.code).toBeUndefined();
  });
});
