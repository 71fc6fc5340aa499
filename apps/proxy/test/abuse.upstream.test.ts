/**
 * The proxy against hostile request fields and hostile upstreams, end to end on 127.0.0.1: megabyte model
 * names (answered at once with a typed 400), upstreams sending endless bodies or endless SSE lines
 * (MM_RESPONSE_TOO_LARGE, failing over to a healthy provider; limits set from YAML), this host running out
 * of file descriptors (503 with Retry-After), and clients disconnecting mid-stream (no idle upstream socket
 * left per disconnect). Bounded counts; every wait is for an event, bounded in time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ProviderError } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorReply } from "../src/http/errors.js";
import { start } from "./support/harness.js";

const KB = 1024;
const MB = 1024 * 1024;
const KEY = "sk-upstream-abuse-upstream-0123456789";

/** A scriptable upstream counting its sockets and the responses its clients abandoned. */
interface Upstream {
  url: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  openSockets(): number;
  aborted: number;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const state: Upstream = { url: "", handler: (_req, res) => void res.writeHead(404).end(), openSockets: () => sockets.size, aborted: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.on("close", () => {
        if (!res.writableFinished) state.aborted++;
      });
      state.handler(req, res);
    });
  });
  // A long advertised keep-alive: the proxy keeps idle sockets that long, so a leaked one stays visible.
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Writes `prefix`, then one buffer again and again (with back-pressure) until the client leaves or `limit` bytes. */
function endless(res: ServerResponse, prefix: string, filler: string, limit: number): () => number {
  const bytes = Buffer.from(filler);
  let written = Buffer.byteLength(prefix);
  let stopped = false;
  res.on("close", () => (stopped = true));
  res.write(prefix);
  const pump = () => {
    while (!stopped && written < limit) {
      written += bytes.byteLength;
      if (!res.write(bytes)) return void res.once("drain", pump);
    }
    if (!stopped) res.end();
  };
  pump();
  return () => written;
}

const completion = (content: string) =>
  JSON.stringify({ id: "c1", object: "chat.completion", created: 0, model: "m", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** Healthy answers: a completion, or a stream of two chunks. */
function healthy(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.accept === "text/event-stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    return void res.end(`${chunk("hello")}${chunk(" there", "stop")}data: [DONE]\n\n`);
  }
  res.writeHead(200, { "content-type": "application/json" }).end(completion("hello there"));
}

/** YAML with providers `p0…` at the given URLs (each optionally with a `limits:` block) and the `chat` pool over them in order. */
function yaml(providers: Array<{ url: string; limits?: string }>): string {
  const entries = providers
    .map(
      ({ url, limits }, i) =>
        `  p${i}:\n    connector: openai-compatible\n    config: { base_url: "${url}", api_key: "${KEY}" }\n` +
        `    models: [{ id: m, capabilities: [chat-completion] }]\n${limits ? `    limits: ${limits}\n` : ""}`,
    )
    .join("");
  const members = providers.map((_, i) => `p${i}.m`).join(", ");
  return (
    `providers:\n${entries}` +
    `pools:\n  chat:\n    capability: chat-completion\n    models: [${members}]\n    retry: { max_attempts: 1, initial_delay: 5ms, max_delay: 20ms }\n` +
    `routing:\n  deadline: 20s\n  timeouts: { connect: 2s, first_token: 10s, idle: 10s }\n`
  );
}

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

/** Polls `check` every 10 ms until true, failing after `ms`. */
async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let hostile: Upstream;
let good: Upstream;
beforeAll(async () => {
  hostile = await startUpstream();
  good = await startUpstream();
  good.handler = healthy;
});
afterAll(async () => {
  await Promise.all([hostile?.close(), good?.close()]);
});

describe("oversized model names", () => {
  it("a 1 MB and a 100 KB `model` get a typed 400 at once, never echoed, as fast as an ordinary unknown model", async () => {
    const { proxy } = await start(yaml([{ url: good.url }]));
    try {
      // The baseline: ordinary unknown names, with close-match suggestions computed.
      let baseline = 0;
      for (const name of ["chta", "p0.n", "gpt-4o"]) {
        const started = performance.now();
        const response = await post(proxy.url, { model: name, messages: [{ role: "user", content: "hi" }] });
        baseline = Math.max(baseline, performance.now() - started);
        expect(response.status).toBe(404);
        expect((await response.json()).error.modelmesh_code).toBe("MM_UNKNOWN_MODEL");
      }
      for (const size of [MB, 100 * KB]) {
        const name = `${"q".repeat(size - 1)}z`;
        const started = performance.now();
        const response = await post(proxy.url, { model: name, messages: [{ role: "user", content: "hi" }] });
        const ms = performance.now() - started;
        const body = (await response.json()) as { error: { message: string; code: string; modelmesh_code: string } };
        expect(response.status).toBe(400);
        expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_request", modelmesh_code: "MM_INVALID_REQUEST" });
        expect(body.error.message).toContain("the limit is 256");
        expect(body.error.message.length).toBeLessThan(400);
        // Generous: 20× the slowest ordinary request and never under 200 ms; the old code took seconds to minutes.
        expect(ms, `${size} bytes: ${ms} ms, baseline ${baseline} ms`).toBeLessThan(Math.max(200, 20 * baseline));
      }
      // The proxy is still responsive.
      expect((await post(proxy.url, { model: "chat", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});

describe("hostile upstreams: MM_RESPONSE_TOO_LARGE (limits from YAML)", () => {
  it("an endless JSON body: 502 MM_RESPONSE_TOO_LARGE quickly; with a healthy second provider the request fails over", async () => {
    let written = () => 0;
    hostile.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      written = endless(res, '{"choices":[{"message":{"content":"', "a".repeat(64 * KB), 300 * MB);
    };
    const alone = await start(yaml([{ url: hostile.url, limits: "{ max_response_size: 2MB }" }]));
    try {
      const started = Date.now();
      const response = await post(alone.proxy.url, { model: "chat", messages: [{ role: "user", content: "hi" }] });
      const body = await response.json();
      expect(response.status).toBe(502);
      expect(body.error).toMatchObject({ type: "server_error", modelmesh_code: "MM_ROUTING_EXHAUSTED" });
      expect(body.error.message).toMatch(/larger than 2MB/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(written()).toBeLessThan(64 * MB);
    } finally {
      await alone.proxy.close();
    }
    const pair = await start(yaml([{ url: hostile.url, limits: "{ max_response_size: 2MB }" }, { url: good.url }]));
    try {
      const response = await post(pair.proxy.url, { model: "chat", messages: [{ role: "user", content: "hi" }] });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-modelmesh-provider")).toBe("p1");
      expect((await response.json()).choices[0].message.content).toBe("hello there");
    } finally {
      await pair.proxy.close();
    }
  });

  it("an endless SSE line: the stream fails over before anything is sent to the client; alone, a 502 MM_RESPONSE_TOO_LARGE", async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      endless(res, "data: ", "x".repeat(16 * KB), 300 * MB);
    };
    const pair = await start(yaml([{ url: hostile.url, limits: "{ max_event_size: 256KB }" }, { url: good.url }]));
    try {
      const started = Date.now();
      const response = await post(pair.proxy.url, { model: "chat", stream: true, messages: [{ role: "user", content: "hi" }] });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-modelmesh-provider")).toBe("p1");
      const text = await response.text();
      expect(text).toContain('"content":"hello"');
      expect(text.trim().endsWith("data: [DONE]")).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await pair.proxy.close();
    }
    const alone = await start(yaml([{ url: hostile.url }]));
    try {
      const response = await post(alone.proxy.url, { model: "chat", stream: true, messages: [{ role: "user", content: "hi" }] });
      const body = await response.json();
      expect(response.status).toBe(502);
      // The default event limit (1 MB) applies without a limits block; the error says so instead of "stalled".
      expect(body.error.message).toMatch(/stream event is larger than 1MB/);
      expect(body.error.message).not.toMatch(/stalled/);
    } finally {
      await alone.proxy.close();
    }
  });
});

describe("this host out of file descriptors (MM_LOCAL_RESOURCE)", () => {
  it("answers 503 with Retry-After and a stable code, not a 500 or an upstream failure", () => {
    const error = new ProviderError({
      code: "MM_LOCAL_RESOURCE",
      category: "internal",
      retryable: false,
      retryAfterMs: 1_000,
      message: "[modelmesh] [provider p0] could not open a connection for model m: this host is out of a local resource (EMFILE); the upstream is not at fault",
      provider: "p0",
    });
    const reply = errorReply(error);
    expect(reply.status).toBe(503);
    expect(reply.headers["retry-after"]).toBe("1");
    expect(reply.body.error).toMatchObject({ type: "server_error", code: "local_resource_exhausted", modelmesh_code: "MM_LOCAL_RESOURCE" });
  });
});

describe("client disconnects mid-stream", () => {
  it("100 clients leaving mid-stream leave no idle upstream sockets behind", async () => {
    const slow = await startUpstream();
    slow.handler = (req, res) => {
      if (req.headers.accept !== "text/event-stream") return healthy(req, res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk("first"));
      const timer = setInterval(() => res.write(chunk(" more")), 200);
      res.on("close", () => clearInterval(timer));
    };
    const { proxy } = await start(yaml([{ url: slow.url }]));
    try {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const controller = new AbortController();
          const response = await post(proxy.url, { model: "chat", stream: true, messages: [{ role: "user", content: "hi" }] }, controller.signal);
          const reader = response.body!.getReader();
          await reader.read(); // committed and flowing
          controller.abort();
          await reader.read().catch(() => undefined);
        }),
      );
      await until(() => slow.aborted === 100, 10_000, () => `aborted upstream responses: ${slow.aborted}`);
      // One more exchange through the same upstream pool: the reconnects the aborts caused are made by now.
      expect((await post(proxy.url, { model: "chat", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
      await until(() => slow.openSockets() <= 1, 3_000, () => `open upstream sockets: ${slow.openSockets()}`);
    } finally {
      await proxy.close();
      await slow.close();
    }
  });
});
