/**
 * Error answers never name internal upstream addresses (issue 10): when an upstream refuses connections or
 * breaks mid-stream, the client sees the provider (and model), never `http://127.0.0.1:PORT/...`; the
 * address stays in the error's metadata, which the proxy logs and never serialises.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, start } from "./support/harness.js";

/** A base URL nothing listens on: a port that was bound, then closed again. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

function expectNoAddress(text: string): void {
  expect(text).not.toContain("127.0.0.1");
  expect(text).not.toContain("http://");
  expect(text).not.toContain("metadata");
}

const chat = (stream: boolean) => JSON.stringify({ model: "chat", stream, messages: [{ role: "user", content: "one two three four" }] });

describe("an upstream that refuses connections", () => {
  let url: string;
  beforeAll(async () => {
    url = await refusedUrl();
  });

  it.each([
    ["plain", false],
    ["stream (fails before any output: a plain JSON error)", true],
  ])("%s: the JSON error names the provider and the model, not the address", async (_mode, stream) => {
    const { proxy } = await start(meshConfig([url]));
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chat(stream) });
      expect(response.status).toBe(502);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      const text = await response.text();
      expectNoAddress(text);
      const { error } = JSON.parse(text) as { error: { message: string; code: string; modelmesh_code: string } };
      expect(error).toMatchObject({ code: "upstream_unreachable", modelmesh_code: "MM_ROUTING_EXHAUSTED" });
      expect(error.message).toContain("[provider p0] request to model mock-model failed (ECONNREFUSED)");
    } finally {
      await proxy.close();
    }
  });
});

describe("an upstream connection that breaks mid-stream", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());

  it("the SSE error event names the provider, not the address; the log line has the address", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "cut-after", tokens: 2 } });
    const { proxy, logs } = await start(meshConfig([mock.url]));
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chat(true) });
      expect(response.status).toBe(200);
      const text = await response.text();
      const events = text.split("\n\n").filter(Boolean);
      expect(events.length).toBeGreaterThan(1); // content was delivered before the break
      const last = events.at(-1)!;
      expectNoAddress(last);
      const { error } = JSON.parse(last.slice("data: ".length)) as { error: { message: string; code: string } };
      expect(error.code).toBe("stream_interrupted");
      expect(error.message).toContain("[provider p0] connection broke while reading the response of model mock-model");
      const line = logs.map((entry) => JSON.parse(entry) as { msg: string; url?: string }).find((entry) => entry.msg === "stream ended with an error after commit");
      expect(line?.url).toBe(`${mock.url}/chat/completions`);
    } finally {
      await proxy.close();
    }
  });
});
