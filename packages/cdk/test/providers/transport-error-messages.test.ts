/**
 * Transport failures never name the upstream URL in their message (messages reach clients, e.g. through the
 * proxy): the message names the phase and the system code, and, once the provider has seen it, the provider
 * id and the model. The URL, without query or credentials, is kept in `metadata.url` for logs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "@modelmesh/core";
import { createFetchTransport } from "../../src/transport/fetch-transport.js";
import type { Transport } from "../../src/transport/types.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";
import { VARIANTS } from "./support/variants.js";
import { caught, chunk, collect, frame, sendSse, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

let server: ScriptedServer;
/** The origin of a server that was started and closed again: connecting to it is refused. */
let refusedOrigin: string;
beforeAll(async () => {
  server = await startScriptedServer();
  const gone = await startScriptedServer();
  refusedOrigin = gone.origin;
  await gone.close();
});
afterAll(() => server.close());

const undici = createUndiciTransport({ keepAliveTimeoutMs: 1_000 });
afterAll(() => undici.close());

const TRANSPORTS: Array<[string, Transport]> = [
  ["fetch", createFetchTransport()],
  ["undici", undici],
];

function expectNoAddress(message: string): void {
  expect(message).not.toContain("127.0.0.1");
  expect(message).not.toContain("http://");
  expect(message).not.toMatch(/:\d{2,5}\//);
}

describe.each(TRANSPORTS)("transport errors: %s", (_name, transport) => {
  it("a refused connection: the message names the phase and system code, metadata.url the address", async () => {
    const error = await caught(() => transport({ method: "POST", url: `${refusedOrigin}/v1/chat/completions?key=SECRET`, headers: {} }));
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_NETWORK", category: "network" });
    expect(error.message).toBe("[modelmesh] [transport] request failed (ECONNREFUSED)");
    expectNoAddress(error.message);
    expect(error.metadata).toMatchObject({ phase: "connect", systemCode: "ECONNREFUSED", url: `${refusedOrigin}/v1/chat/completions` });
  });

  it("a connect timeout: no address in the message, the address without query in metadata.url", async () => {
    server.handler = () => {};
    const error = await caught(() => transport({ method: "GET", url: `${server.origin}/slow?key=SECRET`, headers: {}, headersTimeoutMs: 100 }));
    expect(error).toMatchObject({ code: "MM_TIMEOUT_CONNECT", category: "timeout" });
    expectNoAddress(error.message);
    expect(error.message).toContain("no response headers within 100 ms");
    expect(error.metadata).toMatchObject({ phase: "connect", timeoutMs: 100, url: `${server.origin}/slow` });
  });
});

describe.each(VARIANTS)("provider errors of a transport failure: %s", (_name, create) => {
  const request = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };
  const timeouts = { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000 };

  it("a refused connection names the provider and the model, not the URL (complete and stream)", async () => {
    const provider = create({ id: "p1", baseUrl: `${refusedOrigin}/v1`, apiKey: "sk-transport-key-0123456789" });
    for (const call of [() => provider.complete(request, { timeouts }), () => collect(provider.stream(request, { timeouts }))]) {
      const error = await caught(call);
      expect(error).toMatchObject({ code: "MM_NETWORK", category: "network", retryable: true, provider: "p1", model: "gpt-test" });
      expect(error.message).toBe("[modelmesh] [provider p1] request to model gpt-test failed (ECONNREFUSED)");
      expect(error.metadata.url).toBe(`${refusedOrigin}/v1/chat/completions`);
    }
  });

  it("a connection broken mid-stream names the provider and the model, not the URL", async () => {
    server.handler = (_req, res) => {
      sendSse(res, [frame(chunk("a"))], { end: false });
      res.write(frame(chunk("b")), () => setImmediate(() => res.socket?.resetAndDestroy()));
    };
    const provider = create({ id: "p1", baseUrl: server.baseUrl, apiKey: "sk-transport-key-0123456789" });
    const error = await caught(() => collect(provider.stream(request, { timeouts })));
    expect(error).toMatchObject({ code: "MM_NETWORK", category: "network", provider: "p1", model: "gpt-test" });
    expect(error.message).toMatch(/^\[modelmesh\] \[provider p1\] connection broke while reading the response of model gpt-test/);
    expectNoAddress(error.message);
    expect(error.metadata).toMatchObject({ phase: "body", url: `${server.baseUrl}/chat/completions` });
  });

  it("a connect timeout names the provider and the model, not the URL", async () => {
    server.handler = () => {};
    const provider = create({ id: "p1", baseUrl: server.baseUrl, apiKey: "sk-transport-key-0123456789" });
    const error = await caught(() => provider.complete(request, { timeouts: { ...timeouts, connectMs: 100 } }));
    expect(error).toMatchObject({ code: "MM_TIMEOUT_CONNECT", provider: "p1", model: "gpt-test" });
    expect(error.message).toBe("[modelmesh] [provider p1] no response headers for model gpt-test within 100 ms. Raise timeouts.connect or check the upstream");
    expect(error.metadata.url).toBe(`${server.baseUrl}/chat/completions`);
  });
});
