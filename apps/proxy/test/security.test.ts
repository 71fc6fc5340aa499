/** Auth (bearer tokens from the secret store, per-token pools, admin), constant-time comparison, and limits. */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { TokenAuth } from "../src/index.js";
import { meshConfig, sdk, start, type Started } from "./support/harness.js";

const TOKEN_A = "tok-admin-0123456789";
const TOKEN_B = "tok-chat-only";
const TOKEN_C = "tok-every-pool-not-admin";

let mock: MockProvider;
let started: Started;

const chat = (client: OpenAI, model = "chat") => client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });

beforeAll(async () => {
  mock = await startMockProvider();
  started = await start(
    meshConfig([mock.url], {
      pools: { chat: { capability: "chat-completion" }, other: { models: ["p0.mock-model"] } },
      proxy: { auth: { tokens: [{ token: "${secrets:PROXY_TOKEN_A}", admin: true }, { token: TOKEN_B, pools: ["chat"] }, TOKEN_C] } },
    }),
    { env: { PROXY_TOKEN_A: TOKEN_A } },
  );
});
afterAll(async () => {
  await started?.proxy.close();
  await mock?.close();
});

describe("bearer auth", () => {
  it("a missing or wrong token is a 401", async () => {
    const missing = await fetch(`${started.proxy.url}/v1/models`);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe("invalid_api_key");
    await expect(chat(sdk(started.proxy, "wrong"))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(chat(sdk(started.proxy, TOKEN_A.slice(0, -1)))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("a token from ${secrets:…} is accepted", async () => {
    expect((await chat(sdk(started.proxy, TOKEN_A))).choices[0]!.message.content).toBe("echo: hi");
  });

  it("a token limited to some pools gets 403 outside them, resolved like the router resolves names", async () => {
    const limited = sdk(started.proxy, TOKEN_B);
    expect((await chat(limited, "chat")).choices[0]!.message.content).toBe("echo: hi");
    // A concrete model that is a member of an allowed pool is reachable through it anyway.
    expect((await chat(limited, "p0.mock-model")).choices[0]!.message.content).toBe("echo: hi");
    // "chat-completion" resolves to the pool targeting that node: `chat`.
    expect((await chat(limited, "chat-completion")).choices[0]!.message.content).toBe("echo: hi");
    const other = await chat(limited, "other").catch((e) => e);
    expect(other).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(other.code).toBe("pool_not_allowed");
    await expect(chat(limited, "text-generation")).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const models = await limited.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["chat", "p0.mock-model"]);
  });

  it("admin endpoints need a token marked admin: true (one without pools is not admin); ?token= works for dashboard GETs", async () => {
    const url = `${started.proxy.url}/admin/state`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN_B}` } })).status).toBe(403);
    const unrestricted = await fetch(url, { headers: { authorization: `Bearer ${TOKEN_C}` } });
    expect(unrestricted.status).toBe(403);
    expect((await unrestricted.json()).error.code).toBe("admin_required");
    expect((await chat(sdk(started.proxy, TOKEN_C), "other")).choices[0]!.message.content).toBe("echo: hi");
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN_A}` } })).status).toBe(200);
    expect((await fetch(`${url}?token=${TOKEN_A}`)).status).toBe(200);
    // Not for POSTs: a token in a URL is only for what a browser opens directly.
    expect((await fetch(`${started.proxy.url}/admin/explain?token=${TOKEN_A}`, { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("health stays open for probes; metrics need an admin token or one without pools while auth is on", async () => {
    expect((await fetch(`${started.proxy.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${started.proxy.url}/readyz`)).status).toBe(200);
    const metrics = (token?: string) => fetch(`${started.proxy.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await metrics()).status).toBe(401);
    const restricted = await metrics(TOKEN_B);
    expect(restricted.status).toBe(403);
    expect((await restricted.json()).error.code).toBe("metrics_not_allowed");
    expect((await metrics(TOKEN_A)).status).toBe(200);
    expect((await metrics(TOKEN_C)).status).toBe(200);
  });

  it("compares against every token, in constant time, whatever matches", () => {
    const sizes: number[][] = [];
    let calls = 0;
    const auth = new TokenAuth(
      { method: "bearer", enabled: true, tokens: [{ token: "first" }, { token: "second-token" }, { token: "third" }] },
      {
        equal: (a, b) => {
          calls++;
          sizes.push([a.length, b.length]);
          return a.equals(b);
        },
      },
    );
    for (const header of ["Bearer first", "Bearer third", "Bearer x", `Bearer ${"y".repeat(500)}`]) {
      calls = 0;
      try {
        auth.authenticate(header);
      } catch {
        // wrong tokens throw; the count is what matters
      }
      expect(calls).toBe(3);
    }
    expect(sizes.every(([a, b]) => a === 32 && b === 32)).toBe(true);
    expect(auth.authenticate("Bearer second-token").index).toBe(1);
    expect(() => auth.authenticate("Basic abc")).toThrow(/missing bearer token/);
  });
});

describe("limits", () => {
  let limited: Started;
  beforeAll(async () => {
    limited = await start(meshConfig([mock.url], { proxy: { limits: { max_body_size: "1KB", max_header_size: "4KB" } } }));
  });
  afterAll(() => limited.proxy.close());

  it("a declared body over the limit is a 413 before it is read", async () => {
    const big = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x".repeat(5000) }] });
    const response = await fetch(`${limited.proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("request_too_large");
  });

  it("a chunked body is cut at the limit with a 413, the connection closed", async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${limited.proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.write(`{"model":"chat","messages":[{"role":"user","content":"${"x".repeat(800)}`);
      setImmediate(() => req.write("y".repeat(800))); // crosses 1 KB; the rest is never needed
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe("request_too_large");
  });

  it("headers over max_header_size are a 431", async () => {
    const response = await fetch(`${limited.proxy.url}/healthz`, { headers: { "x-padding": "p".repeat(8000) } });
    expect(response.status).toBe(431);
    expect((await response.json()).error.code).toBe("headers_too_large");
  });
});
