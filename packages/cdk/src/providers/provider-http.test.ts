/**
 * The objects `ProviderHttp.send` hands out keep their contract with shared accessors: the transport request's
 * `signal` and the response meta's `headers` are own enumerable properties read on demand (a spread copies
 * them), and the raw response headers are never reachable from the meta.
 */
import { LazyAbort, systemClock, type ProviderError, type ResponseMeta } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import type { TransportRequest, TransportResponse } from "../transport/types.js";
import { ProviderHttp, type ResolvedCall } from "./provider-http.js";

const RAW_SECRET = "sk-raw-secret-value-0123456789";

function http(seen: TransportRequest[]): ProviderHttp {
  const response: TransportResponse = {
    status: 200,
    headers: { "content-type": "application/json", "set-cookie": `session=${RAW_SECRET}`, "x-request-id": "req-1" },
    body: (async function* () {
      yield new TextEncoder().encode('{"ok":true}');
    })(),
    text: async () => '{"ok":true}',
    cancel: async () => {},
  };
  return new ProviderHttp({
    transport: () => async (request) => {
      seen.push(request);
      return response;
    },
    clock: systemClock,
    errorContext: () => ({ provider: "p", scrub: (text: string) => text }),
    toProviderError: () => new Error("unexpected") as ProviderError,
  });
}

describe("ProviderHttp.send", () => {
  it("gives the transport a request whose signal is the call's, created only when read, and copied by a spread", async () => {
    const seen: TransportRequest[] = [];
    const abort = new LazyAbort();
    let signalReads = 0;
    const call = {
      abort,
      get signal() {
        signalReads++;
        return abort.signal;
      },
      timeouts: { connectMs: 1000 },
    } as ResolvedCall;
    await http(seen).postJson("http://127.0.0.1:9/v1/chat/completions", { "content-type": "application/json" }, { model: "m" }, call, "m");
    const request = seen[0]!;
    expect(request.abort).toBe(abort);
    expect(signalReads).toBe(0);
    expect(Object.keys(request)).toContain("signal");
    expect(request.signal).toBe(abort.signal);
    expect({ ...request }.signal).toBe(abort.signal);
    expect(signalReads).toBe(2);
  });

  it("reports the response with headers redacted on read; the raw headers are never listed or copied", async () => {
    const metas: ResponseMeta[] = [];
    const call = { abort: new LazyAbort(), timeouts: { connectMs: 1000 }, onResponse: (meta: ResponseMeta) => metas.push(meta) } as unknown as ResolvedCall;
    await http([]).postJson("http://127.0.0.1:9/v1/chat/completions", {}, { model: "m" }, call, "m");
    const meta = metas[0]!;
    expect(meta.status).toBe(200);
    expect("rateLimit" in meta).toBe(false);
    expect(meta.headers["x-request-id"]).toBe("req-1");
    expect(meta.headers["set-cookie"]).not.toContain(RAW_SECRET);
    expect(meta.headers).toBe(meta.headers);
    expect(Object.keys(meta)).toEqual(["status", "headers"]);
    expect(Object.getOwnPropertySymbols(meta)).toEqual([]);
    expect(JSON.stringify({ ...meta })).not.toContain(RAW_SECRET);
  });
});
