/**
 * Honest streaming (ARCHITECTURE §2.8) at the router level: failures before the commit point fail over
 * invisibly; after commit a cut or a stall is a typed error, never a clean end.
 */
import { afterEach, describe, expect, it } from "vitest";
import { StreamInterruptedError, type ChatCompletionChunk, type Mesh } from "../src/index.js";
import { startUpstream, type Step, type Upstream } from "./support/upstream.js";
import { chatModel, meshFor, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(a: Step[], b: Step[] = [{ stream: ["from", " b"] }]) {
  const ua = await startUpstream({ "model-a": a });
  const ub = await startUpstream({ "model-b": b });
  open.push(ua, ub);
  const mesh = await meshFor({
    providers: { pa: { connector: "test.fetch.v1", config: { base_url: ua.url } }, pb: { connector: "test.fetch.v1", config: { base_url: ub.url } } },
    models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb") },
    pools: { chat: { capability: "chat-completion", retry: { max_attempts: 0 } } },
    routing: { timeouts: { connect: "2s", first_token: "1500ms", idle: "800ms" } },
  });
  open.push(mesh);
  return { ua, ub, mesh };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ text: string; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { text: chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), chunks };
}

describe("streaming", () => {
  it("relays a healthy stream completely, with the usage chunk", async () => {
    const { mesh } = await setup([{ stream: ["Hello", ",", " world"] }]);
    const { value, trace } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    const { text, chunks } = await collect(value);
    expect(text).toBe("Hello, world");
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 3 });
    expect(trace.final?.modelId).toBe("pa.model-a");
  });

  it("a cut before the first token fails over invisibly", async () => {
    const { ua, ub, mesh } = await setup([{ stream: ["never"], cutAfter: 0 }]);
    const { value, trace } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    expect((await collect(value)).text).toBe("from b");
    expect(ua.calls).toHaveLength(1);
    expect(ub.calls).toHaveLength(1);
    expect(trace.attempts.map((a) => a.action)).toEqual(["rotate", "success"]);
  });

  it("a silent first token (TTFT timeout) fails over before commit", async () => {
    const { mesh } = await setup([{ stream: ["late"], stallAfter: 0 }]);
    const { value, trace } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    expect((await collect(value)).text).toBe("from b");
    expect(trace.attempts[0]!.error).toMatchObject({ category: "timeout", code: "MM_TIMEOUT_FIRST_TOKEN" });
  });

  it("a cut after commit is a typed StreamInterruptedError, never a clean end", async () => {
    const { ub, mesh } = await setup([{ stream: ["one", " two", " three", " four"], cutAfter: 2 }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    let text = "";
    const error = await (async () => {
      for await (const chunk of value) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(text).toBe("one two");
    expect(StreamInterruptedError.is(error)).toBe(true);
    expect(error.code).toBe("MM_STREAM_INTERRUPTED");
    expect(error.deliveredChars).toBe(7);
    expect(ub.calls).toHaveLength(0); // no duplicate output from a restart elsewhere
  });

  it("a stall after commit ends with a typed idle-timeout interruption", async () => {
    const { mesh } = await setup([{ stream: ["a", "b", "c"], stallAfter: 1 }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    const error = await collect(value).catch((e) => e);
    expect(StreamInterruptedError.is(error)).toBe(true);
    expect(error.metadata).toMatchObject({ causeCategory: "timeout", causeCode: "MM_TIMEOUT_IDLE" });
  });

  it("a stream ending without [DONE] after finish_reason is finalised at once with usage", async () => {
    const { mesh } = await setup([{ stream: ["complete", " answer"], noDone: true }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    const { text, chunks } = await collect(value);
    expect(text).toBe("complete answer");
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    expect(chunks.at(-1)!.usage?.total_tokens).toBe(5);
  });

  it("a consumer that stops early releases the route (next request is served normally)", async () => {
    const { mesh } = await setup([{ stream: ["a", "b", "c", "d"] }, { reply: "again" }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    for await (const chunk of value) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const next = await mesh.router.chat({ model: "chat", messages: user("again") });
    expect(next.value.model).toBe("model-a");
    const snapshot = await mesh.ledger.snapshot({ routeId: "pa/pa.model-a", providerId: "pa", modelId: "pa.model-a", upstreamModel: "model-a", order: 0 });
    expect(snapshot.inFlight).toBe(0);
  });

  it("opt-in resume: a cut after commit continues on a prefill-capable model, overlap removed, usage merged", async () => {
    const ua = await startUpstream({ "model-a": [{ stream: ["The", " quick", " brown", " never"], cutAfter: 3 }] });
    const ub = await startUpstream({ "model-b": [{ stream: [" brown", " fox", " jumps."] }] });
    open.push(ua, ub);
    const mesh = await meshFor({
      providers: { pa: { connector: "test.fetch.v1", config: { base_url: ua.url } }, pb: { connector: "test.fetch.v1", config: { base_url: ub.url } } },
      models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb", { features: { assistant_prefill: true } }) },
      routing: { stream: { resume: true }, timeouts: { idle: "1s" } },
    });
    open.push(mesh);
    const { value, trace } = await mesh.router.chatStream({ model: "chat-completion", messages: user("finish the sentence"), stream: true });
    const { text, chunks } = await collect(value);
    expect(text).toBe("The quick brown fox jumps.");
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const prefill = ub.calls[0]!.body.messages as Array<{ role: string; content: string }>;
    expect(prefill.at(-1)).toEqual({ role: "assistant", content: "The quick brown" });
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(3);
    expect(trace.final?.routeId).toBe("pb/pb.model-b");
    expect(trace.warnings.join(" ")).toMatch(/resumed on pb\/pb.model-b/);
  });

  it("without a prefill-capable model, resume is impossible and the interruption is typed", async () => {
    const { mesh } = await setup([{ stream: ["one", " two", " three"], cutAfter: 2 }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true }, { resume: true });
    const error = await collect(value).catch((e) => e);
    expect(StreamInterruptedError.is(error)).toBe(true);
  });
});
