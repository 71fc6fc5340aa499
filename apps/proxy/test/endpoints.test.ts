/**
 * Every OpenAI endpoint through the proxy with the official SDK, plus routing headers, /v1/models, error
 * bodies, and the guarantee that nothing in a request can choose the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI, { toFile } from "openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { ALL_CAPABILITIES, closeAll, meshConfig, sdk, start, type Started } from "./support/harness.js";
import { toolAwareReply, WEATHER_TOOL } from "./support/replies.js";

let mock: MockProvider;
let other: MockProvider;
let started: Started;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockProvider({ reply: toolAwareReply });
  other = await startMockProvider();
  started = await start(meshConfig([mock.url], {}, { capabilities: ALL_CAPABILITIES }));
  client = sdk(started.proxy);
});
afterAll(() => closeAll(started?.proxy, mock, other));

describe("chat completions", () => {
  it("answers a plain chat and names the route in headers", async () => {
    const { data, response } = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hello there" }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: hello there");
    expect(response.headers.get("x-modelmesh-model")).toBe("p0.mock-model");
    expect(response.headers.get("x-modelmesh-provider")).toBe("p0");
    expect(response.headers.get("x-modelmesh-attempts")).toBe("1");
    expect(response.headers.get("x-modelmesh-pool")).toBe("chat");
    expect(response.headers.get("x-modelmesh-trace-id")).toMatch(/^mmp-/);
  });

  it("streams SSE chunks that end with [DONE], headers written at commit", async () => {
    const response = await fetch(`${started.proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "one two three" }] }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-modelmesh-provider")).toBe("p0");
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const content = events.slice(0, -1).map((e) => JSON.parse(e.slice(6))).map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("echo: one two three");
  });

  it("streams usage only when the client asks for it", async () => {
    const plain = await client.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "a b" }] });
    const chunks = [];
    for await (const chunk of plain) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    const withUsage = await client.chat.completions.create({ model: "chat", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "a b" }] });
    let usage: unknown;
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 2 });
  });

  it("runs a tool call round trip", async () => {
    const first = await client.chat.completions.create({ model: "chat", tools: [WEATHER_TOOL], messages: [{ role: "user", content: "weather?" }] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    const second = await client.chat.completions.create({
      model: "chat",
      tools: [WEATHER_TOOL],
      messages: [{ role: "user", content: "weather?" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "sunny" }],
    });
    expect(second.choices[0]!.message.content).toBe("weather: sunny");
  });
});

describe("media endpoints", () => {
  it("embeddings", async () => {
    const result = await client.embeddings.create({ model: "text-embeddings", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding).toHaveLength(8);
  });

  it("images", async () => {
    const result = await client.images.generate({ model: "text-to-image", prompt: "a cat" });
    expect(result.data?.[0]?.b64_json).toBeTruthy();
  });

  it("speech returns binary audio with its content type", async () => {
    const response = await client.audio.speech.create({ model: "text-to-speech", input: "hi", voice: "alloy" });
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(response.headers.get("x-modelmesh-provider")).toBe("p0");
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("transcriptions parse multipart, JSON and text formats", async () => {
    const file = await toFile(Buffer.alloc(1234, 7), "clip.wav", { type: "audio/wav" });
    const json = await client.audio.transcriptions.create({ model: "speech-to-text", file });
    expect(json.text).toBe("transcribed 1234 bytes");
    const text = await client.audio.transcriptions.create({ model: "speech-to-text", file: await toFile(Buffer.alloc(10), "a.wav"), response_format: "text" });
    expect(String(text)).toContain("transcribed");
    const upstream = mock.calls.filter((c) => c.path.endsWith("/audio/transcriptions")).at(0)!;
    expect(upstream.body).toMatchObject({ model: "mock-model", file: { filename: "clip.wav", size: 1234 } });
  });
});

describe("models, errors and upstream isolation", () => {
  it("lists pools and concrete models", async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain("chat");
    expect(ids).toContain("text-generation");
    expect(ids).toContain("p0.mock-model");
    const pool = page.data.find((m) => m.id === "chat") as unknown as { modelmesh: { members: string[] } };
    expect(pool.modelmesh.members).toEqual(["p0.mock-model"]);
  });

  it("an unknown model is a 404 model_not_found with a trace id", async () => {
    const error = await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe("model_not_found");
    expect(error.headers.get("x-modelmesh-trace-id")).toMatch(/^mmp-/);
  });

  it("a malformed body is a 400 invalid_json", async () => {
    const response = await fetch(`${started.proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("invalid_json");
  });

  it("unknown paths are 404 and wrong methods 405, in the OpenAI error shape", async () => {
    const missing = await fetch(`${started.proxy.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ type: "invalid_request_error", code: "not_found" });
    expect((await fetch(`${started.proxy.url}/v1/chat/completions`)).status).toBe(405);
  });

  it("no header or body field can point the call at another upstream", async () => {
    other.reset();
    const before = mock.calls.length;
    const response = await fetch(`${started.proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-base-url": other.url, "x-forwarded-host": new URL(other.url).host, "openai-base-url": other.url },
      body: JSON.stringify({ model: "chat", base_url: other.url, api_base: other.url, baseURL: other.url, config: { base_url: other.url }, messages: [{ role: "user", content: "where" }] }),
    });
    expect(response.status).toBe(200);
    expect(other.calls).toHaveLength(0);
    expect(mock.calls.length).toBe(before + 1);
    // Client headers are never forwarded upstream either.
    expect(mock.calls.at(-1)!.headers["x-base-url"]).toBeUndefined();
    expect(mock.calls.at(-1)!.headers.authorization).toBe("Bearer ***");
  });
});
