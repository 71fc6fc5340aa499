/**
 * Providers and the undici transport against hostile or broken upstreams on 127.0.0.1: endless bodies and
 * endless SSE lines (size limits, MM_RESPONSE_TOO_LARGE), error text full of internal addresses and header
 * dumps, the proxy host running out of file descriptors (MM_LOCAL_RESOURCE), and client aborts that must not
 * leave idle upstream sockets behind.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ConfigError, ConnectorRegistry, createMesh, isModelMeshError, type Mesh } from "@modelmesh/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "../../src/connectors/index.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible-provider.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../src/providers/response-limits.js";
import { createFetchTransport } from "../../src/transport/fetch-transport.js";
import { toTransportError } from "../../src/transport/transport-errors.js";
import type { Transport } from "../../src/transport/types.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";

/** The per-origin socket cap set in the cap test. */
const CAP = 16;

const KB = 1024;
const MB = 1024 * 1024;
const KEY = "sk-hostile-test-key-0123456789abcdef";
const user = (content: string) => [{ role: "user" as const, content }];

/** A running upstream whose handler each test sets; it counts sockets and bytes written. */
interface Upstream {
  url: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  requests: number;
  openSockets(): number;
  connections: number;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const state: Upstream = {
    url: "",
    handler: (_req, res) => void res.writeHead(404).end(),
    requests: 0,
    openSockets: () => sockets.size,
    connections: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.requests++;
      state.handler(req, res);
    });
  });
  // A long advertised keep-alive: undici keeps idle sockets for it, so a leaked one stays visible.
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket: Socket) => {
    state.connections++;
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

/**
 * Writes `prefix`, then `filler` again and again (honouring back-pressure) until the peer goes away or
 * `limit` bytes were written. Returns a getter for the bytes written.
 */
function endless(res: ServerResponse, prefix: string, filler: string, limit: number): () => number {
  let written = 0;
  let stopped = false;
  res.on("close", () => (stopped = true));
  // One buffer written again and again: the server side allocates nothing per write (it shares this process's RSS).
  const bytes = Buffer.from(filler);
  const pump = () => {
    while (!stopped && written < limit) {
      written += bytes.byteLength;
      if (!res.write(bytes)) return void res.once("drain", pump);
    }
    if (!stopped) res.end();
  };
  written += Buffer.byteLength(prefix);
  res.write(prefix);
  pump();
  return () => written;
}

/** Polls `check` every 10 ms until true, failing after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `work` while sampling RSS every 5 ms; returns its error (if any) and the peak RSS growth in bytes. */
async function withPeakRss(work: () => Promise<unknown>): Promise<{ error: unknown; growth: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  let error: unknown;
  try {
    await work();
  } catch (caught) {
    error = caught;
  } finally {
    clearInterval(timer);
  }
  return { error, growth: Math.max(peak, process.memoryUsage.rss()) - before };
}

const completion = (content: string) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

let upstream: Upstream;
const transport = createUndiciTransport({ keepAliveTimeoutMs: 60_000 });
const timeouts = { connectMs: 5_000, firstTokenMs: 20_000, idleMs: 10_000 };
const provider = () => new OpenAICompatibleProvider({ id: "p0", baseUrl: upstream.url, apiKey: KEY, transport });

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await transport.close();
  await upstream.close();
});

describe("response size limits: MM_RESPONSE_TOO_LARGE", () => {
  it("an endless JSON body stops at the default 32 MB: a typed error, reading stopped, RSS growth bounded by the limit", async () => {
    let written = () => 0;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      written = endless(res, '{"choices":[{"index":0,"message":{"role":"assistant","content":"', "a".repeat(64 * KB), 400 * MB);
    };
    const started = Date.now();
    const outcome = await withPeakRss(() => provider().complete({ model: "m", messages: user("hi") }, { timeouts }));
    expect(outcome.error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", category: "server", retryable: false, provider: "p0", model: "m" });
    expect((outcome.error as Error).message).toMatch(/larger than 32MB/);
    // Reading stopped near the limit (kernel buffers hold a few MB more), not at the server's 400 MB bound.
    expect(written()).toBeLessThan(2 * DEFAULT_MAX_RESPONSE_BYTES);
    // What is live at the peak is about the limit (the chunks read); RSS also keeps the allocator's slack from
    // the socket read buffers already freed (measured: 1.8–2.7× the limit). Without the limit it grows by the
    // whole body (400 MB here).
    expect(outcome.growth, `RSS grew by ${Math.round(outcome.growth / MB)} MB`).toBeLessThan(4 * DEFAULT_MAX_RESPONSE_BYTES);
    expect(Date.now() - started).toBeLessThan(timeouts.idleMs);
  });

  it("a declared content-length over the limit is refused before any of the body is read", async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(2 * MB) });
      res.write("{"); // and then nothing: a reader waiting for the body would hit the idle timeout
    };
    const started = Date.now();
    const error = await provider()
      .complete({ model: "m", messages: user("hi") }, { timeouts, responseLimits: { maxResponseBytes: MB } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", metadata: { limitBytes: MB } });
    expect(Date.now() - started).toBeLessThan(timeouts.idleMs / 2);
  });

  it("an endless SSE line ends the stream with MM_RESPONSE_TOO_LARGE at 1 MB, not with a 'stalled' timeout", async () => {
    let written = () => 0;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      written = endless(res, "data: ", "x".repeat(16 * KB), 400 * MB);
    };
    const started = Date.now();
    const outcome = await withPeakRss(async () => {
      for await (const _ of provider().stream({ model: "m", messages: user("hi") }, { timeouts })) {
        // no event ever completes
      }
    });
    expect(outcome.error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", category: "server", provider: "p0" });
    expect((outcome.error as Error).message).toMatch(/stream event is larger than 1MB/);
    expect((outcome.error as Error).message).not.toMatch(/stalled/);
    expect(Date.now() - started).toBeLessThan(timeouts.idleMs);
    await until(() => upstream.openSockets() === 0, 2_000, "the stream's socket was closed");
    expect(written()).toBeLessThan(32 * MB);
    // One event is at most 1 MB: the stream holds nothing near the body limit (measured growth: 0–3 MB).
    expect(outcome.growth, `RSS grew by ${Math.round(outcome.growth / MB)} MB`).toBeLessThan(16 * MB);
  });

  it("an event trickling in too slowly to reach the limit times out saying bytes were arriving, not 'stalled'", async () => {
    let firstChunk = false;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`${firstChunk ? chunk("hello") : ""}data: `);
      // 100 bytes every 20 ms, never a line end: far below 1 MB before the 300 ms timers fire.
      const timer = setInterval(() => res.write("t".repeat(100)), 20);
      res.on("close", () => clearInterval(timer));
    };
    const run = async (): Promise<Error & { metadata: { pendingBytes?: number } }> => {
      try {
        for await (const _ of provider().stream({ model: "m", messages: user("hi") }, { timeouts: { ...timeouts, firstTokenMs: 300, idleMs: 300 } })) {
          // at most the first chunk; the trickling event never completes
        }
      } catch (error) {
        return error as Error & { metadata: { pendingBytes?: number } };
      }
      throw new Error("the stream ended without an error");
    };
    const beforeOutput = await run();
    expect(beforeOutput).toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN", category: "timeout" });
    expect(beforeOutput.message).toMatch(/no first token within 300 ms, though \d+ bytes of an unfinished event arrived/);
    expect(beforeOutput.metadata.pendingBytes).toBeGreaterThan(100);
    firstChunk = true;
    const afterOutput = await run();
    expect(afterOutput).toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout" });
    expect(afterOutput.message).toMatch(/no complete event for 300 ms, though \d+ bytes of an unfinished event arrived/);
    expect(afterOutput.message).not.toMatch(/stalled/);
    await until(() => upstream.openSockets() === 0, 2_000, "the streams' sockets were closed");
  });

  it("providers.<name>.limits from YAML reach the provider; a bad size is a ConfigError naming the key", async () => {
    upstream.handler = (req, res) => {
      if (req.url?.endsWith("/chat/completions")) {
        // Non-streamed: a valid 100 KB completion. Streamed: one valid 40 KB event.
        const stream = req.headers.accept === "text/event-stream";
        if (!stream) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion("z".repeat(100 * KB))));
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(`${chunk("y".repeat(40 * KB), "stop")}data: [DONE]\n\n`);
      }
    };
    const yaml = (limits: string) => `
providers:
  p0:
    connector: openai-compatible
    config: { base_url: "${upstream.url}", api_key: "${KEY}" }
    models: [{ id: m, capabilities: [chat-completion] }]
${limits}
`;
    const registry = () => new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] });
    const defaults = await createMesh(yaml(""), { registry: registry(), transport, env: {} });
    const limited = await createMesh(yaml("    limits: { max_response_size: 64KB, max_event_size: 16KB }"), { registry: registry(), transport, env: {} });
    try {
      // Defaults (32 MB / 1 MB): both answers pass.
      expect((await defaults.router.chat({ model: "m", messages: user("hi") })).value.choices[0]!.message.content).toHaveLength(100 * KB);
      const streamed = await defaults.router.chatStream({ model: "m", messages: user("hi"), stream: true });
      for await (const _ of streamed.value) {
        // drained
      }
      // The configured limits: both fail, typed, with the limit in the message.
      const chat = await limited.router.chat({ model: "m", messages: user("hi") }).catch((e: unknown) => e);
      expect(chat).toMatchObject({ code: "MM_ROUTING_EXHAUSTED", category: "server" });
      expect((chat as { attempts: unknown[] }).attempts[0]).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", metadata: { limitBytes: 64 * KB } });
      const stream = await limited.router.chatStream({ model: "m", messages: user("hi"), stream: true }).catch((e: unknown) => e);
      expect((stream as { attempts: unknown[] }).attempts[0]).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", metadata: { limitBytes: 16 * KB } });
    } finally {
      await defaults.close();
      await limited.close();
    }
    const bad = await createMesh(yaml("    limits: { max_response_size: lots, max_evnt_size: 1MB }"), { registry: registry(), transport, env: {} }).catch((e: unknown) => e);
    expect(ConfigError.is(bad)).toBe(true);
    expect((bad as ConfigError).issues).toEqual([
      expect.objectContaining({ path: "providers.p0.limits.max_response_size", message: expect.stringMatching(/expected a size/) }),
      expect.objectContaining({ path: "providers.p0.limits.max_evnt_size", message: "unknown key" }),
    ]);
  });

  it("fails over: a provider sending an endless body is left for a healthy one", async () => {
    const healthy = await startUpstream();
    healthy.handler = (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion("from the healthy one")));
    upstream.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      endless(res, '{"choices":[', " ".repeat(64 * KB), 400 * MB);
    };
    const mesh: Mesh = await createMesh(
      {
        providers: {
          hostile: { connector: "openai-compatible", config: { base_url: upstream.url, api_key: KEY }, models: [{ id: "m", capabilities: ["chat-completion"] }], limits: { max_response_size: "1MB" } },
          healthy: { connector: "openai-compatible", config: { base_url: healthy.url, api_key: KEY }, models: [{ id: "m", capabilities: ["chat-completion"] }] },
        },
        pools: { chat: { capability: "chat-completion", models: ["hostile.m", "healthy.m"] } },
      },
      { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), transport, env: {} },
    );
    try {
      const { value, trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
      expect(value.choices[0]!.message.content).toBe("from the healthy one");
      expect(trace.attempts.map((a) => [a.providerId, a.error?.code, a.action])).toEqual([
        ["hostile", "MM_RESPONSE_TOO_LARGE", "rotate"],
        ["healthy", undefined, "success"],
      ]);
    } finally {
      await mesh.close();
      await healthy.close();
    }
  });
});

describe("upstream error text in messages", () => {
  const DUMP = [
    "upstream connect error or disconnect/reset before headers. reset reason: overflow",
    "GET /internal/v1/chat/completions HTTP/1.1",
    "Host: inference-7.svc.cluster.local:8443",
    "X-Forwarded-For: 10.12.0.7",
    "X-Envoy-Upstream-Service-Time: 12",
    `Authorization: Bearer ${KEY}`,
    "see http://10.12.0.9:9000/debug/requests?id=42 or [fd00::1]:8080",
  ].join("\n");

  it("a 502 with a header dump and 64 KB of text: a short message without URLs, addresses or headers; the raw text, redacted, in metadata", async () => {
    upstream.handler = (_req, res) => void res.writeHead(502, { "content-type": "text/plain" }).end(`${DUMP}\n${"p".repeat(64 * KB)}`);
    const error = await provider().complete({ model: "m", messages: user("hi") }, { timeouts }).catch((e: unknown) => e);
    expect(isModelMeshError(error)).toBe(true);
    if (!isModelMeshError(error)) return;
    expect(error).toMatchObject({ code: "MM_SERVER", status: 502 });
    expect(error.message).toMatch(/^\[modelmesh\] \[provider p0\] HTTP 502 for model m: upstream connect error or disconnect\/reset before headers/);
    expect(error.message.length).toBeLessThan(400);
    for (const leak of ["10.12.0", "cluster.local", "http://", "X-Forwarded", "X-Envoy", "Authorization", "fd00", KEY, "/internal/v1", "\n"]) {
      expect(error.message, leak).not.toContain(leak);
    }
    const raw = String(error.metadata.upstreamBody);
    expect(raw).toContain("X-Envoy-Upstream-Service-Time: 12");
    expect(raw).not.toContain(KEY);
    expect(raw.length).toBeLessThanOrEqual(64 * KB);
  });

  it("a JSON error and an error event inside a stream are cleaned the same way", async () => {
    const message = `model overloaded at https://lb.internal.example:7443/v1/chat (node 192.168.4.20:31337); retry later`;
    upstream.handler = (req, res) => {
      if (req.headers.accept === "text/event-stream") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        return void res.end(`data: ${JSON.stringify({ error: { message, type: "server_error" } })}\n\n`);
      }
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { message, type: "server_error" } }));
    };
    const plain = await provider().complete({ model: "m", messages: user("hi") }, { timeouts }).catch((e: unknown) => e);
    const streamed = await (async () => {
      for await (const _ of provider().stream({ model: "m", messages: user("hi") }, { timeouts })) {
        // the error event comes first
      }
    })().catch((e: unknown) => e);
    for (const error of [plain, streamed]) {
      expect(isModelMeshError(error)).toBe(true);
      if (!isModelMeshError(error)) continue;
      expect(error.message).toContain("model overloaded at <url> (node <address>); retry later");
      expect(error.message).not.toMatch(/192\.168|lb\.internal|https:/);
      expect(String(error.metadata.upstreamBody)).toContain("192.168.4.20:31337");
    }
  });
});

describe("local resource exhaustion (EMFILE): MM_LOCAL_RESOURCE", () => {
  const emfile = () => Object.assign(new Error("connect EMFILE 127.0.0.1:443 - Local (undefined:undefined)"), { code: "EMFILE", errno: -24, syscall: "connect" });

  it("a transport failing with EMFILE gives a typed error; nothing is parked, and the provider serves the next request at once", async () => {
    let failing = true;
    const flaky: Transport = (request) => (failing ? Promise.reject(emfile()) : transport(request));
    upstream.handler = (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion("served")));
    const mesh = await createMesh(
      {
        providers: { pa: { connector: "openai-compatible", config: { base_url: upstream.url, api_key: KEY }, models: [{ id: "m", capabilities: ["chat-completion"] }] } },
        pools: { chat: { capability: "chat-completion", retry: { max_attempts: 2, initial_delay: "1ms", max_delay: "5ms" } } },
      },
      { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), transport: flaky, env: {} },
    );
    try {
      const route = { routeId: "pa/pa.m", providerId: "pa", modelId: "pa.m", upstreamModel: "m", order: 0 };
      // More failures in a row than the deactivation threshold (3): none of them counts.
      for (let n = 0; n < 5; n++) {
        const error = await mesh.router.chat({ model: "chat", messages: user("hi") }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "MM_LOCAL_RESOURCE", category: "internal", retryable: false, retryAfterMs: 1_000 });
        expect((error as Error).message).toMatch(/out of a local resource \(EMFILE\)/);
        expect((error as { trace: { attempts: unknown[] } }).trace.attempts).toHaveLength(1);
        const stream = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true }).catch((e: unknown) => e);
        expect(stream).toMatchObject({ code: "MM_LOCAL_RESOURCE" });
      }
      expect(await mesh.ledger.providerStatus("pa")).toMatchObject({ status: "active" });
      expect(await mesh.ledger.snapshot(route)).toMatchObject({ status: "active", consecutiveFailures: 0 });
      failing = false;
      const started = Date.now();
      const { value, trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
      expect(value.choices[0]!.message.content).toBe("served");
      expect(trace.attempts).toHaveLength(1);
      expect(trace.warnings.filter((w) => /waited/.test(w))).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await mesh.close();
    }
  });

  it("fetch's wrapped EMFILE and the other local codes classify the same way; a refused connection stays a network failure", () => {
    const url = "http://127.0.0.1:1/v1/chat/completions";
    for (const code of ["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "EADDRNOTAVAIL"]) {
      const wrapped = new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
      expect(toTransportError(wrapped, { url, phase: "connect" }), code).toMatchObject({ code: "MM_LOCAL_RESOURCE", category: "internal", metadata: { systemCode: code, local: true } });
    }
    expect(toTransportError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), { url, phase: "connect" })).toMatchObject({ code: "MM_NETWORK", category: "network" });
    // The fetch transport reports the same.
    const fetchWithEmfile = (() => Promise.reject(new TypeError("fetch failed", { cause: emfile() }))) as unknown as typeof fetch;
    return expect(createFetchTransport({ fetch: fetchWithEmfile })({ method: "GET", url, headers: {} })).rejects.toMatchObject({ code: "MM_LOCAL_RESOURCE" });
  });
});

describe("idle upstream sockets after aborted streams", () => {
  // A server of their own: idle sockets that earlier tests left in the shared pool would be counted too.
  let upstream: Upstream;
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(() => upstream.close());

  it("100 streams aborted mid-body leave no idle sockets behind (the pinned undici reconnects for each abort)", async () => {
    const own = createUndiciTransport({ keepAliveTimeoutMs: 60_000 });
    const streaming = new OpenAICompatibleProvider({ id: "p0", baseUrl: upstream.url, apiKey: KEY, transport: own });
    let aborted = 0;
    upstream.handler = (req, res) => {
      if (req.headers.accept !== "text/event-stream") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion("ok")));
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk("first"));
      const timer = setInterval(() => res.write(chunk(" more")), 20);
      res.on("close", () => {
        clearInterval(timer);
        if (!res.writableFinished) aborted++;
      });
    };
    try {
      const before = upstream.connections;
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const controller = new AbortController();
          const iterator = streaming.stream({ model: "m", messages: user("hi") }, { timeouts, signal: controller.signal })[Symbol.asyncIterator]();
          await iterator.next();
          controller.abort(new Error("client went away"));
          await iterator.next().catch(() => undefined);
        }),
      );
      await until(() => aborted === 100, 5_000, "the upstream saw 100 aborted streams");
      // One more exchange on the same pool: the replacement connections the aborts caused are made by now.
      expect((await streaming.complete({ model: "m", messages: user("hi") }, { timeouts })).choices[0]!.message.content).toBe("ok");
      await until(() => upstream.openSockets() <= 1, 2_000, `at most one idle socket (open: ${upstream.openSockets()})`);
      expect(upstream.connections - before).toBeGreaterThanOrEqual(100);
    } finally {
      await own.close();
    }
  });

  it(`caps sockets per origin at \`connections\` (${CAP}); requests beyond it wait for a free one`, async () => {
    const own = createUndiciTransport({ keepAliveTimeoutMs: 60_000, connections: CAP });
    const held: ServerResponse[] = [];
    let releasing = false;
    const answer = (res: ServerResponse) => void res.writeHead(200, { "content-type": "text/plain" }).end("done");
    upstream.handler = (_req, res) => (releasing ? answer(res) : void held.push(res));
    const release = () => {
      releasing = true;
      for (const res of held.splice(0)) answer(res);
    };
    const total = CAP + 20;
    const pending = Array.from({ length: total }, () => own({ method: "POST", url: `${upstream.url}/held`, headers: {}, body: "{}" }).then((r) => r.text()));
    try {
      await until(() => upstream.requests >= CAP, 10_000, "the first requests arrived");
      // A bounded observation window: more requests would arrive now if they had sockets of their own.
      await until(() => upstream.requests > CAP, 500, "").catch(() => undefined);
      expect(upstream.requests).toBe(CAP);
      expect(upstream.openSockets()).toBeLessThanOrEqual(CAP);
      // Freed sockets serve the queued requests: every request completes.
      release();
      expect(await Promise.all(pending)).toEqual(Array(total).fill("done"));
      expect(upstream.requests).toBe(total);
    } finally {
      release();
      await Promise.allSettled(pending);
      await own.close();
    }
  });
});
