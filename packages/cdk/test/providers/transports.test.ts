import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BrowserBaseProvider } from "../../src/providers/base-provider.js";
import { createFetchTransport } from "../../src/transport/fetch-transport.js";
import { withProxyUrl } from "../../src/transport/proxy-url.js";
import type { Transport } from "../../src/transport/types.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";
import { caught, completion, sendJson, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const undici = createUndiciTransport({ keepAliveTimeoutMs: 1_000 });
afterAll(() => undici.close());

const TRANSPORTS: Array<[string, Transport]> = [
  ["fetch", createFetchTransport()],
  ["undici", undici],
];

describe.each(TRANSPORTS)("transport: %s", (_name, transport) => {
  it("delivers the body incrementally (the first bytes arrive before the server finishes)", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.handler = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first|");
      await released;
      res.end("second");
    };
    const response = await transport({ method: "GET", url: `${server.origin}/incremental`, headers: {} });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain");
    const iterator = response.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(new TextDecoder().decode(first.value)).toBe("first|");
    release();
    let rest = "";
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) rest += new TextDecoder().decode(step.value);
    expect(rest).toBe("second");
  });

  it("rejects a second read of the same body", async () => {
    server.handler = (_req, res) => sendJson(res, 200, { ok: true });
    const response = await transport({ method: "GET", url: `${server.origin}/x`, headers: {} });
    expect(await response.text()).toBe('{"ok":true}');
    expect(() => response.body[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it("sends method, headers and body as given", async () => {
    server.handler = (_req, res) => sendJson(res, 201, completion("x"));
    const response = await transport({ method: "PUT", url: `${server.origin}/put?q=1`, headers: { "x-custom": "yes" }, body: new TextEncoder().encode("bytes") });
    expect(response.status).toBe(201);
    await response.cancel();
    const seen = server.requests.at(-1)!;
    expect(seen).toMatchObject({ method: "PUT", path: "/put?q=1" });
    expect(seen.headers["x-custom"]).toBe("yes");
    expect(seen.body.toString()).toBe("bytes");
  });

  it("times out waiting for headers with MM_TIMEOUT_CONNECT (no query string in the message)", async () => {
    server.handler = () => {};
    const error = await caught(() => transport({ method: "GET", url: `${server.origin}/slow?key=SECRET`, headers: {}, headersTimeoutMs: 100 }));
    expect(error).toMatchObject({ code: "MM_TIMEOUT_CONNECT", category: "timeout" });
    expect(error.message).not.toContain("SECRET");
  });

  it("rejects with the abort reason before headers and while reading the body", async () => {
    const before = new AbortController();
    server.handler = () => before.abort(new Error("stop-1"));
    await expect(transport({ method: "GET", url: `${server.origin}/a`, headers: {}, signal: before.signal })).rejects.toThrow("stop-1");

    const during = new AbortController();
    server.handler = (_req, res) => {
      res.writeHead(200);
      res.write("partial");
    };
    const response = await transport({ method: "GET", url: `${server.origin}/b`, headers: {}, signal: during.signal });
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    during.abort(new Error("stop-2"));
    await expect(iterator.next()).rejects.toThrow("stop-2");
  });

  it("maps a refused connection to MM_NETWORK", async () => {
    const gone = await startScriptedServer();
    await gone.close();
    expect(await caught(() => transport({ method: "GET", url: gone.origin, headers: {} }))).toMatchObject({ code: "MM_NETWORK", category: "network" });
  });
});

describe("CORS proxy", () => {
  it("withProxyUrl and createFetchTransport({ proxyUrl }) append the full target URL as path", async () => {
    server.handler = (_req, res) => sendJson(res, 200, {});
    const target = "https://api.example.com/v1/models";
    await (await withProxyUrl(createFetchTransport(), `${server.origin}/`)({ method: "GET", url: target, headers: {} })).text();
    await (await createFetchTransport({ proxyUrl: server.origin })({ method: "GET", url: target, headers: {} })).text();
    expect(server.requests.slice(-2).map((r) => r.path)).toEqual([`/${target}`, `/${target}`]);
  });

  it("BrowserBaseProvider routes through proxyUrl", async () => {
    server.handler = (_req, res) => sendJson(res, 200, completion("via proxy"));
    const provider = new BrowserBaseProvider({ baseUrl: "https://api.openai.com/v1", apiKey: "sk-browser-key-123456", proxyUrl: server.origin });
    const answer = await provider.complete({ model: "gpt-4o", messages: [] });
    expect(answer.choices[0]?.message.content).toBe("via proxy");
    expect(server.requests.at(-1)?.path).toBe("/https://api.openai.com/v1/chat/completions");
  });

  it("createFetchTransport uses an injected fetch", async () => {
    const fake = vi.fn(async () => new Response("hi", { status: 200, headers: { "X-Up": "1" } }));
    const response = await createFetchTransport({ fetch: fake as unknown as typeof fetch })({ method: "GET", url: "https://x.test/", headers: {} });
    expect(await response.text()).toBe("hi");
    expect(response.headers["x-up"]).toBe("1");
    expect(fake).toHaveBeenCalledOnce();
  });
});
