/**
 * The proxy under abuse (docs/security.md): slow and idle sockets that try to take every
 * connection, browsers used against a loopback proxy (DNS rebinding, cross-site posts), tenants reading each
 * other's state, upstream error texts full of addresses and secrets, hostile JSON, and a seeded fuzzer. Real
 * servers on 127.0.0.1 (attackers on other 127.x addresses), bounded socket counts, no sleeps: every wait
 * is for an event, bounded by the test timeout. Every limit is set from YAML, as an operator would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { clientMessage, errorReply, ProxyHttpError } from "../src/http/errors.js";
import { jsonDepth } from "../src/http/body.js";
import { startProxy } from "../src/index.js";
import { ALL_CAPABILITIES, start, type Started } from "./support/harness.js";
import { rawJson, send, settledCount, slowSocket, type SlowSocket } from "./support/raw-http.js";

const UPSTREAM_KEY = "sk-upstream-abuse-0123456789abcdef";
const ADMIN_TOKEN = "tok-admin-abuse-0123456789";
const TEAM_A_TOKEN = "tok-team-a-abuse-0123456789";
const ALL_POOLS_TOKEN = "tok-all-pools-abuse-0123456789";
const SECRETS = [UPSTREAM_KEY, ADMIN_TOKEN, TEAM_A_TOKEN, ALL_POOLS_TOKEN];

/** YAML for one or two mock providers (`p0`, `p1`) and the `chat` pool, plus a `proxy:` block. */
function yaml(urls: string[], proxyBlock: string, extra = ""): string {
  const providers = urls
    .map(
      (url, i) =>
        `  p${i}:\n    connector: openai-compatible\n    config: { base_url: "${url}", api_key: "${UPSTREAM_KEY}" }\n` +
        `    models:\n      - { id: mock-model, capabilities: [${ALL_CAPABILITIES.join(", ")}], features: { tool_calling: true } }\n`,
    )
    .join("");
  return (
    `providers:\n${providers}` +
    `pools:\n  chat:\n    capability: chat-completion\n    retry: { max_attempts: 1, initial_delay: 5ms, max_delay: 20ms }\n${extra}` +
    `routing:\n  deadline: 3s\n  timeouts: { connect: 500ms, first_token: 1s, idle: 500ms }\n` +
    `proxy:\n${proxyBlock}`
  );
}

const json = { "content-type": "application/json" };
const chatBody = (content = "hi", extra: Record<string, unknown> = {}) => JSON.stringify({ model: "chat", messages: [{ role: "user", content }], ...extra });

let mock: MockProvider;
let mock2: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ apiKey: UPSTREAM_KEY });
  mock2 = await startMockProvider({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await Promise.all([mock?.close(), mock2?.close()]);
});

describe("connection exhaustion (slow and idle sockets)", () => {
  const HEAD = (port: number) => `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `;

  it("a flood from one address is capped per IP: the rest get a fast 429, real clients and /healthz are served, stalled sockets get 408", async () => {
    const { proxy } = await start(
      yaml([mock.url], "  limits:\n    max_connections: 150\n    max_connections_per_ip: 16\n    headers_timeout: 3s\n    request_timeout: 5s\n"),
    );
    const sockets: SlowSocket[] = [];
    try {
      for (let i = 0; i < 250; i++) sockets.push(slowSocket(proxy.port, HEAD(proxy.port), "127.0.0.2"));
      // The 234 sockets over the per-IP cap are answered within the grace period; wait for exactly those.
      const refused = await settledCount(sockets.map((s) => s.closed), 234);
      expect(refused.every((r) => r.status === 429)).toBe(true);
      expect(rawJson(refused[0]!.text).error.code).toBe("too_many_connections");
      expect(Math.max(...refused.map((r) => r.ms))).toBeLessThan(2_500);
      // The 16 admitted stalled sockets are still open; a real client (loopback is exempt) is served now.
      expect(sockets.filter((s) => !s.isClosed())).toHaveLength(16);
      const health = await send(proxy.port, "/healthz");
      expect(health.status).toBe(200);
      const models = await send(proxy.port, "/v1/models");
      expect(models.status).toBe(200);
      const chat = await send(proxy.port, "/v1/chat/completions", { method: "POST", headers: json, body: chatBody() });
      expect(JSON.parse(chat.text).choices[0].message.content).toBe("echo: hi");
      // Another address is not affected by the first one's cap.
      expect((await send(proxy.port, "/healthz", { localAddress: "127.0.0.3" })).status).toBe(200);
      expect(sockets.filter((s) => !s.isClosed())).toHaveLength(16);
      // The stalled ones end with a 408 once the headers timeout passes (item 10: not a 400).
      const stalled = await Promise.all(sockets.map((s) => s.closed));
      const timedOut = stalled.filter((r) => r.status === 408);
      expect(timedOut).toHaveLength(16);
      expect(rawJson(timedOut[0]!.text).error.code).toBe("request_timeout");
      const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
      expect(metrics).toContain('modelmesh_connections_rejected_total{reason="too_many_connections"} 234');
      expect(metrics).toMatch(/modelmesh_request_timeouts_total 16/);
    } finally {
      for (const s of sockets) s.socket.destroy();
      await proxy.close();
    }
  }, 30_000);

  it("with the global cap full, a real request gets a fast clean 503 while /healthz answers; service resumes when the stalled sockets time out", async () => {
    // max_connections 40: Node's own hard stop is at 104 (connections.ts), far above what this test opens.
    const { proxy } = await start(
      yaml([mock.url], "  limits:\n    max_connections: 40\n    max_connections_per_ip: 16\n    headers_timeout: 2s\n    request_timeout: 4s\n"),
    );
    const sockets: SlowSocket[] = [];
    try {
      // 60 stalled sockets from four addresses, each under the per-IP cap: 40 fill the global cap.
      for (let i = 0; i < 60; i++) sockets.push(slowSocket(proxy.port, HEAD(proxy.port), `127.0.0.${2 + (i % 4)}`));
      const refused = await settledCount(sockets.map((s) => s.closed), 20);
      expect(refused.map((r) => r.status)).toEqual(Array(20).fill(503));
      expect(rawJson(refused[0]!.text).error.code).toBe("server_busy");
      expect(sockets.filter((s) => !s.isClosed())).toHaveLength(40);
      const busy = await send(proxy.port, "/v1/models");
      expect(busy.status).toBe(503);
      expect(busy.headers["retry-after"]).toBe("1");
      expect(JSON.parse(busy.text).error).toMatchObject({ code: "server_busy", type: "server_error" });
      expect(busy.ms).toBeLessThan(1_500);
      const health = await send(proxy.port, "/healthz");
      expect(health.status).toBe(200);
      expect(JSON.parse(health.text).status).toBe("ok");
      expect(sockets.filter((s) => !s.isClosed())).toHaveLength(40);
      const stalled = await Promise.all(sockets.map((s) => s.closed));
      expect(stalled.filter((r) => r.status === 408)).toHaveLength(40);
      expect((await send(proxy.port, "/v1/models")).status).toBe(200);
    } finally {
      for (const s of sockets) s.socket.destroy();
      await proxy.close();
    }
  }, 30_000);

  it("a request whose headers or body do not arrive in time is answered 408 (headers_timeout / request_timeout from YAML)", async () => {
    const { proxy } = await start(yaml([mock.url], "  limits:\n    headers_timeout: 300ms\n    request_timeout: 600ms\n"));
    try {
      const idle = slowSocket(proxy.port, "");
      const headers = slowSocket(proxy.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n`);
      const body = slowSocket(proxy.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":`);
      for (const socket of [idle, headers, body]) {
        const answer = await socket.closed;
        expect(answer.status).toBe(408);
        expect(rawJson(answer.text).error).toMatchObject({ code: "request_timeout", type: "invalid_request_error" });
        expect(answer.ms).toBeLessThan(3_000);
      }
      expect((await send(proxy.port, "/healthz")).status).toBe(200);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it("rejects connection limits that cannot work, with the path", async () => {
    const error = await startProxy({ config: yaml([mock.url], "  limits:\n    headers_timeout: 2m\n    max_connections: 0\n"), port: 0, env: {}, log: () => {} }).catch((e: Error) => e);
    expect(String(error)).toMatch(/proxy\.limits\.max_connections/);
    expect(String(error)).toMatch(/proxy\.limits\.headers_timeout: must not be longer than request_timeout/);
  });
});

describe("browsers against a loopback proxy without auth", () => {
  let started: Started;
  const port = () => started.proxy.port;
  const providerStatus = async () => {
    const health = JSON.parse((await send(port(), "/v1/routes/health")).text) as { providers: Array<{ providerId: string; status: string }> };
    return health.providers.find((p) => p.providerId === "p0")!.status;
  };
  beforeAll(async () => {
    started = await start(yaml([mock.url], '  cors:\n    origins: ["https://app.example"]\n  allowed_hosts: [proxy.example.com]\n'));
  });
  afterAll(() => started?.proxy.close());

  it("a text/plain POST from another site with a rebound Host does not deactivate a provider", async () => {
    const attack = await send(port(), "/admin/providers/p0/deactivate", {
      method: "POST",
      headers: { host: `evil.example:${port()}`, origin: `http://evil.example:${port()}`, "content-type": "text/plain" },
      body: '{"reason":"manual"}',
    });
    expect(attack.status).toBe(403);
    expect(JSON.parse(attack.text).error.code).toBe("host_not_allowed");
    // The same post with a correct Host but from another origin.
    const crossSite = await send(port(), "/admin/providers/p0/deactivate", { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain" }, body: "{}" });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.text).error.code).toBe("origin_not_allowed");
    // No Origin (a form post from an old browser, or curl) but not JSON: 415.
    const plain = await send(port(), "/admin/providers/p0/deactivate", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.text).error.code).toBe("unsupported_media_type");
    // A cross-site fetch that hides Origin is still marked by Sec-Fetch-Site.
    expect((await send(port(), "/admin/providers/p0/deactivate", { method: "POST", headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    // CORS-listed origins never cover /admin/*.
    expect((await send(port(), "/admin/providers/p0/deactivate", { method: "POST", headers: { ...json, origin: "https://app.example" }, body: "{}" })).status).toBe(403);
    expect(await providerStatus()).toBe("active");
    // The proxy's own origin (the dashboard) and non-browser clients with JSON still work.
    const own = await send(port(), "/admin/providers/p0/deactivate", { method: "POST", headers: { ...json, origin: `http://127.0.0.1:${port()}` }, body: '{"duration_ms":60000}' });
    expect(own.status).toBe(200);
    expect(await providerStatus()).toBe("standby");
    expect((await send(port(), "/admin/providers/p0/reactivate", { method: "POST" })).status).toBe(200);
    expect(await providerStatus()).toBe("active");
  });

  it("only loopback names on the listening port and proxy.allowed_hosts (from YAML) are accepted as Host", async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`, `127.0.0.2:${port()}`, "proxy.example.com", "proxy.example.com:443"]) {
      expect((await send(port(), "/healthz", { headers: { host } })).status, host).toBe(200);
    }
    for (const host of [`localhost:${port() + 1}`, "localhost", `attacker.example:${port()}`, `10.0.0.1:${port()}`, "proxy.example.com.evil.example"]) {
      const answer = await send(port(), "/v1/models", { headers: { host } });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.text).error.code).toBe("host_not_allowed");
    }
  });

  it("JSON endpoints take only application/json (415 otherwise)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", undefined]) {
      const answer = await send(port(), "/v1/chat/completions", { method: "POST", headers: type ? { "content-type": type } : {}, body: chatBody() });
      expect(answer.status, String(type)).toBe(415);
      expect(JSON.parse(answer.text).error).toMatchObject({ code: "unsupported_media_type", type: "invalid_request_error" });
    }
    expect((await send(port(), "/v1/embeddings", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" })).status).toBe(415);
    expect((await send(port(), "/v1/chat/completions", { method: "POST", headers: { "content-type": "Application/JSON; charset=utf-8" }, body: chatBody() })).status).toBe(200);
  });

  it("a listed origin may call the OpenAI endpoints across origins; others may not, and CORS never covers /admin/*", async () => {
    const listed = await send(port(), "/v1/chat/completions", { method: "POST", headers: { ...json, origin: "https://app.example" }, body: chatBody() });
    expect(listed.status).toBe(200);
    expect(listed.headers["access-control-allow-origin"]).toBe("https://app.example");
    expect(listed.headers["access-control-allow-credentials"]).toBeUndefined();
    const other = await send(port(), "/v1/chat/completions", { method: "POST", headers: { ...json, origin: "https://evil.example" }, body: chatBody() });
    expect(other.status).toBe(403);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await send(port(), "/admin/providers/p0/deactivate", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.status).not.toBe(204);
    const state = await send(port(), "/admin/state", { headers: { origin: "https://app.example" } });
    expect(state.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it('cors.origins ["*"] covers the OpenAI endpoints only, never with credentials; a CORS block without origins is refused', async () => {
    const { proxy } = await start(yaml([mock.url], '  cors:\n    origins: ["*"]\n'));
    try {
      const models = await send(proxy.port, "/v1/models", { headers: { origin: "https://anywhere.example" } });
      expect(models.headers["access-control-allow-origin"]).toBe("*");
      expect(models.headers["access-control-allow-credentials"]).toBeUndefined();
      expect((await send(proxy.port, "/admin/state", { headers: { origin: "https://anywhere.example" } })).headers["access-control-allow-origin"]).toBeUndefined();
      expect((await send(proxy.port, "/admin/explain", { method: "POST", headers: { ...json, origin: "https://anywhere.example" }, body: chatBody() })).status).toBe(403);
    } finally {
      await proxy.close();
    }
    const error = await startProxy({ config: yaml([mock.url], "  cors: { enabled: true }\n"), port: 0, env: {}, log: () => {} }).catch((e: Error) => e);
    expect(String(error)).toMatch(/proxy\.cors\.origins: list the allowed origins/);
    const badOrigin = await startProxy({ config: yaml([mock.url], '  cors: { origins: ["https://app.example/path"] }\n'), port: 0, env: {}, log: () => {} }).catch((e: Error) => e);
    expect(String(badOrigin)).toMatch(/proxy\.cors\.origins\.0: expected "\*" or an origin/);
  });

  it("the dashboard cannot be framed and carries its CSP as a header", async () => {
    const page = await send(port(), "/dashboard");
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("tenants", () => {
  let started: Started;
  const get = (path: string, token?: string) => send(started.proxy.port, path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  beforeAll(async () => {
    started = await start(
      yaml(
        [mock.url, mock2.url],
        `  auth:\n    tokens:\n      - { token: "${ADMIN_TOKEN}", admin: true }\n      - { token: "${TEAM_A_TOKEN}", pools: [team-a] }\n      - "${ALL_POOLS_TOKEN}"\n`,
        "  team-a: { models: [p0.mock-model] }\n  team-b: { models: [p1.mock-model] }\n",
      ),
    );
  });
  afterAll(() => started?.proxy.close());

  it("a pool-restricted token sees only its pools' routes and providers in /v1/routes/health", async () => {
    const restricted = await get("/v1/routes/health", TEAM_A_TOKEN);
    expect(restricted.status).toBe(200);
    const health = JSON.parse(restricted.text) as { routes: Array<{ routeId: string; pools: string[] }>; providers: Array<{ providerId: string }> };
    expect(health.routes.map((r) => r.routeId)).toEqual(["p0/p0.mock-model"]);
    expect(health.routes[0]!.pools).toEqual(["team-a"]);
    expect(health.providers.map((p) => p.providerId)).toEqual(["p0"]);
    expect(restricted.text).not.toContain("p1");
    expect(restricted.text).not.toContain("team-b");
    for (const token of [ALL_POOLS_TOKEN, ADMIN_TOKEN]) {
      const all = JSON.parse((await get("/v1/routes/health", token)).text) as { routes: unknown[]; providers: unknown[] };
      expect(all.routes).toHaveLength(2);
      expect(all.providers).toHaveLength(2);
    }
  });

  it("/metrics needs a token while auth is on; a pool-restricted token may not read it", async () => {
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", TEAM_A_TOKEN)).status).toBe(403);
    expect((await get("/metrics", ALL_POOLS_TOKEN)).status).toBe(200);
    expect((await get("/metrics", ADMIN_TOKEN)).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("admin is an explicit role: a token without pools is not admin, even when no token is marked admin", async () => {
    expect((await get("/admin/state", ALL_POOLS_TOKEN)).status).toBe(403);
    expect(JSON.parse((await get("/admin/state", TEAM_A_TOKEN)).text).error.code).toBe("admin_required");
    expect((await get("/admin/state", ADMIN_TOKEN)).status).toBe(200);
    const post = await send(started.proxy.port, "/admin/providers/p1/deactivate", { method: "POST", headers: { authorization: `Bearer ${ALL_POOLS_TOKEN}` } });
    expect(post.status).toBe(403);
    // Without any admin: true, neither the unrestricted token nor a single configured token becomes admin.
    for (const tokens of [`["${ALL_POOLS_TOKEN}", { token: "${TEAM_A_TOKEN}", pools: [chat] }]`, `["${ALL_POOLS_TOKEN}"]`]) {
      const { proxy } = await start(yaml([mock.url], `  auth:\n    tokens: ${tokens}\n`));
      try {
        const state = await send(proxy.port, "/admin/state", { headers: { authorization: `Bearer ${ALL_POOLS_TOKEN}` } });
        expect(state.status, tokens).toBe(403);
        expect((await send(proxy.port, "/v1/models", { headers: { authorization: `Bearer ${ALL_POOLS_TOKEN}` } })).status).toBe(200);
      } finally {
        await proxy.close();
      }
    }
  });

  it("auth.public_metrics: true (YAML) opens /metrics to scrapers without a token", async () => {
    const { proxy, logs } = await start(yaml([mock.url], `  auth:\n    public_metrics: true\n    tokens: ["${ALL_POOLS_TOKEN}"]\n`));
    try {
      expect((await send(proxy.port, "/metrics")).status).toBe(200);
      expect((await send(proxy.port, "/v1/models")).status).toBe(401);
      // No token is admin here: the proxy says so at start.
      expect(logs.some((line) => line.includes("no token with admin: true"))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe("upstream error texts", () => {
  // What a misbehaving upstream might put in an error: internal URLs and addresses, a header dump with the
  // upstream key, and (echoed from somewhere) a proxy token. The CDK shortens and scrubs at the source too;
  // these tests hold whatever it leaves.
  const dump = `upstream failed at http://10.1.2.3:8443/internal/v1 (via 10.1.2.3:8443, db.internal.example:5432, [fd00::12]:9000, fd00::34) x-api-key: ${UPSTREAM_KEY} seen token ${ADMIN_TOKEN} `.repeat(500);
  const ADDRESS_LIKE = [/\b\d{1,3}(?:\.\d{1,3}){3}\b/, /\b[a-z][a-z0-9+.-]*:\/\//i, /\b[0-9a-f]{1,4}::[0-9a-f]{1,4}\b/i, /\.[a-z]{2,}:\d{2,5}\b/i];
  let started: Started;
  beforeAll(async () => {
    started = await start(yaml([mock.url], `  auth:\n    tokens: [{ token: "${ADMIN_TOKEN}", admin: true }]\n`));
  });
  afterAll(() => started?.proxy.close());
  const headers = { ...json, authorization: `Bearer ${ADMIN_TOKEN}` };

  function expectSafe(message: string): void {
    expect(message.length).toBeLessThanOrEqual(1_001);
    for (const pattern of ADDRESS_LIKE) expect(message).not.toMatch(pattern);
    for (const secret of SECRETS) expect(message).not.toContain(secret);
  }

  /** The log line's `error` field: the proxy neither shortens it nor strips addresses from it, but masks secrets. */
  function expectLogged(line: string | undefined, clientText: string): void {
    expect(line).toBeDefined();
    for (const secret of SECRETS) expect(line).not.toContain(secret);
    const logged = (JSON.parse(line!) as { error: string }).error;
    expect(logged).not.toContain("[address]");
    if (clientText.includes("[address]")) expect(logged).toMatch(/fd00::34|10\.1\.2\.3|internal\.example/);
    if (clientText.length === 1_001) expect(logged.length).toBeGreaterThan(1_001);
  }

  it("an upstream error event mid-stream: the SSE error event is short and address-free", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "error-in-stream", afterTokens: 1, error: { message: dump } } });
    const before = started.logs.length;
    const answer = await send(started.proxy.port, "/v1/chat/completions", { method: "POST", headers, body: chatBody("one two three", { stream: true }) });
    expect(answer.status).toBe(200);
    const last = answer.text.split("\n\n").filter(Boolean).at(-1)!;
    const { error } = JSON.parse(last.slice("data: ".length)) as { error: { message: string } };
    expectSafe(error.message);
    expectLogged(started.logs.slice(before).find((l) => l.includes("stream ended with an error after commit")), error.message);
    mock.reset();
  });

  it.each([400, 500])("an upstream %i with a 64 KB body: the client message is short, address- and secret-free; the log line keeps it whole", async (status) => {
    mock.reset();
    mock.fault({ fault: { kind: "status", status, body: { error: { message: dump, type: "server_error" } } } });
    const before = started.logs.length;
    const answer = await send(started.proxy.port, "/v1/chat/completions", { method: "POST", headers, body: chatBody() });
    expect(answer.status).toBe(status === 400 ? 400 : 502);
    const { error } = JSON.parse(answer.text) as { error: { message: string; code: string } };
    expectSafe(error.message);
    expectLogged(started.logs.slice(before).find((line) => line.includes('"request failed"')), error.message);
    mock.reset();
  });

  it("any error message is capped at 1,000 characters with an ellipsis, and addresses are stripped", () => {
    const reply = errorReply(new ProxyHttpError(400, "invalid_request_error", "invalid_request", "x".repeat(70_000)));
    expect(reply.body.error.message).toHaveLength(1_001);
    expect(reply.body.error.message.endsWith("…")).toBe(true);
    expect(clientMessage("see https://a.example/x?y=1, 192.168.0.7:80, [::1]:8080, 2001:db8::1, localhost:11434 and api.internal:9000 now")).toBe(
      "see [address], [address], [address], [address], [address] and [address] now",
    );
    expect(clientMessage(`token ${ADMIN_TOKEN} here`, [ADMIN_TOKEN])).not.toContain(ADMIN_TOKEN);
    // Ordinary texts are left alone.
    const plain = "[modelmesh] [pool chat] no model can serve this request: p0.mock-model: on standby until 2026-12-02T09:54:33.099Z.";
    expect(clientMessage(plain)).toBe(plain);
  });
});

describe("status classes of bad requests", () => {
  let started: Started;
  beforeAll(async () => {
    started = await start(yaml([mock.url], "  limits:\n    max_json_depth: 8\n"));
  });
  afterAll(() => started?.proxy.close());
  const post = (body: string | Buffer, path = "/v1/chat/completions", proxy = started.proxy) => send(proxy.port, path, { method: "POST", headers: json, body });

  it("messages: [null] (and other non-objects) is a 400, not a 500", async () => {
    for (const messages of [[null], [1], ["hi"], [[]], [{ role: "user", content: "x" }, null]]) {
      const answer = await post(JSON.stringify({ model: "chat", messages }));
      expect(answer.status, JSON.stringify(messages)).toBe(400);
      expect(JSON.parse(answer.text).error).toMatchObject({ code: "invalid_messages", type: "invalid_request_error" });
    }
  });

  it("100,000 levels of nesting are a 400 at parse time (default depth limit 128)", async () => {
    const { proxy } = await start(yaml([mock.url], "  port: 8080\n"));
    try {
      const deep = `{"model":"chat","messages":[{"role":"user","content":"x","meta":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}]}`;
      for (const body of [deep, "[".repeat(100_000) + "]".repeat(100_000)]) {
        for (const path of ["/v1/chat/completions", "/v1/embeddings", "/admin/explain"]) {
          const answer = await post(body, path, proxy);
          expect(answer.status, path).toBe(400);
          expect(JSON.parse(answer.text).error.code).toBe("json_too_deep");
        }
      }
      const ok = `{"model":"chat","messages":[{"role":"user","content":"x","meta":${'{"a":'.repeat(120)}1${"}".repeat(120)}}]}`;
      expect((await post(ok, "/v1/chat/completions", proxy)).status).toBe(200);
      expect((await send(proxy.port, "/healthz")).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });

  it("limits.max_json_depth from YAML: depth 8 passes, 9 is a 400", async () => {
    const at = (levels: number) => `{"model":"chat","messages":[{"role":"user","content":"x","m":${"[".repeat(levels - 3)}${"]".repeat(levels - 3)}}]}`;
    expect((await post(at(8))).status).toBe(200);
    const deeper = await post(at(9));
    expect(deeper.status).toBe(400);
    expect(JSON.parse(deeper.text).error.message).toContain("proxy.limits.max_json_depth");
  });

  it("the depth scan ignores brackets inside strings and escapes", () => {
    expect(jsonDepth(Buffer.from('{"a":"[[[{{{\\"[[["}'), 64)).toBe(1);
    expect(jsonDepth(Buffer.from('[[1],[[2]]]'), 64)).toBe(3);
    expect(jsonDepth(Buffer.from("[".repeat(1_000_000)), 64)).toBe(65);
    expect(jsonDepth(Buffer.from('{"\\\\":[{}]}'), 64)).toBe(3);
  });
});


const STRINGS = ["", "x", "chat", "text-embeddings", "p0.mock-model", "user", "assistant", "tool", "system", "\u0000", "\ud800", "💥🧨", "a".repeat(3_000), "http://10.9.9.9:1/", "<script>alert(1)</script>", "${env:HOME}", "%s%n%x", "__proto__", "null", "[DONE]", "data: {}\n\n"];
const NUMBERS = [0, -1, 1, 2 ** 53 + 1, -(2 ** 31), 1e308, 3.5, 1e-9, 128_000, 99_999_999];
const KEYS = ["model", "messages", "stream", "tools", "tool_choice", "response_format", "max_tokens", "max_completion_tokens", "temperature", "n", "stop", "stream_options", "input", "dimensions", "encoding_format", "role", "content", "tool_calls", "type", "function", "__proto__", "constructor", "prototype", "name"];

function randomValue(r: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const kind = pick(depth > 3 ? ["null", "bool", "num", "str"] : ["null", "bool", "num", "str", "arr", "obj", "obj"]);
  switch (kind) {
    case "null":
      return null;
    case "bool":
      return r() < 0.5;
    case "num":
      return pick(NUMBERS);
    case "str":
      return pick(STRINGS);
    case "arr":
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(KEYS), randomValue(r, depth + 1)]));
  }
}

/** One fuzzed request: a valid body mutated structurally, then sometimes at the byte level or in its content type. */
function fuzzCase(r: () => number, endpoint: "chat" | "embeddings"): { body: Buffer; contentType: string | undefined } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const base: Record<string, unknown> =
    endpoint === "chat"
      ? { model: pick(["chat", "chat-completion", "p0.mock-model"]), messages: [{ role: "user", content: "hello fuzz" }], ...(r() < 0.3 ? { stream: true } : {}) }
      : { model: pick(["text-embeddings", "p0.mock-model"]), input: pick(["a", ["a", "b"], [1, 2, 3]]) };
  const mutations = 1 + Math.floor(r() * 3);
  for (let i = 0; i < mutations; i++) {
    const what = r();
    if (what < 0.4) base[pick(KEYS)] = randomValue(r, 0);
    else if (what < 0.6 && Array.isArray(base.messages)) (base.messages as unknown[])[Math.floor(r() * 2)] = randomValue(r, 1);
    else if (what < 0.7 && Array.isArray(base.messages) && typeof base.messages[0] === "object" && base.messages[0] !== null) (base.messages[0] as Record<string, unknown>)[pick(KEYS)] = randomValue(r, 1);
    else if (what < 0.8) delete base[pick(KEYS)];
    else if (what < 0.85) {
      let deep: unknown = 1;
      for (let d = 100 + Math.floor(r() * 100); d > 0; d--) deep = [deep];
      base.deep = deep; // around the 128-level default: some pass, some are refused
    }
    else if (what < 0.9) base[pick(KEYS)] = "z".repeat(Math.floor(r() * 20_000));
  }
  let text = r() < 0.05 ? JSON.stringify(randomValue(r, 0)) : JSON.stringify(base);
  if (r() < 0.05) text = "[".repeat(150 + Math.floor(r() * 500)) + text;
  let body = Buffer.from(text, "utf8");
  const bytes = r();
  if (bytes < 0.06) body = body.subarray(0, Math.floor(r() * body.length));
  else if (bytes < 0.1) {
    const copy = Buffer.from(body);
    for (let i = 0; i < 3; i++) copy[Math.floor(r() * copy.length)] = Math.floor(r() * 256);
    body = copy;
  } else if (bytes < 0.12) body = Buffer.concat([body, Buffer.from([0xff, 0xfe, 0x00, 0x7b])]);
  const type = r();
  const contentType = type < 0.9 ? "application/json" : type < 0.95 ? "text/plain" : undefined;
  return { body, contentType };
}

describe("fuzzed request bodies", () => {
  let started: Started;
  beforeAll(async () => {
    mock.reset();
    started = await start(yaml([mock.url], `  auth:\n    tokens: [{ token: "${ADMIN_TOKEN}", admin: true }, "${ALL_POOLS_TOKEN}"]\n`));
  });
  afterAll(() => started?.proxy.close());

  it("300 seeded random and mutated bodies: every answer is a 200 or a typed 4xx, none hangs, /healthz stays up, no secret leaks", async () => {
    const r = seededRandom(0x5eed_0011);
    const cases = Array.from({ length: 300 }, (_, i) => ({ i, endpoint: (i % 3 === 2 ? "embeddings" : "chat") as "chat" | "embeddings", ...fuzzCase(r, i % 3 === 2 ? "embeddings" : "chat") }));
    const outcomes: Array<{ i: number; status: number }> = [];
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const headers: Record<string, string> = { authorization: `Bearer ${ALL_POOLS_TOKEN}` };
        if (c.contentType) headers["content-type"] = c.contentType;
        const answer = await send(started.proxy.port, `/v1/${c.endpoint === "chat" ? "chat/completions" : "embeddings"}`, { method: "POST", headers, body: c.body, timeoutMs: 8_000 }).catch((e: Error) => e);
        if (answer instanceof Error) {
          failures.push(`#${c.i}: ${answer.message}`);
          continue;
        }
        outcomes.push({ i: c.i, status: answer.status });
        const all = JSON.stringify(answer.headers) + answer.text;
        for (const secret of SECRETS) if (all.includes(secret)) failures.push(`#${c.i}: leaks a secret`);
        if (answer.status === 200) continue;
        if (answer.status < 400 || answer.status >= 500) failures.push(`#${c.i}: status ${answer.status} ${answer.text.slice(0, 300)} for ${c.body.toString("utf8").slice(0, 200)}`);
        else {
          const error = (JSON.parse(answer.text) as { error?: { type?: unknown; code?: unknown } }).error;
          if (typeof error?.type !== "string" || typeof error.code !== "string") failures.push(`#${c.i}: untyped ${answer.status} ${answer.text.slice(0, 200)}`);
        }
        if (c.i % 25 === 0) {
          const health = await send(started.proxy.port, "/healthz", { timeoutMs: 2_000 }).catch((e: Error) => e);
          if (health instanceof Error || health.status !== 200) failures.push(`#${c.i}: /healthz did not answer`);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(300);
    // The mix reaches both the router (200s) and every early refusal.
    const statuses = new Set(outcomes.map((o) => o.status));
    for (const status of [200, 400, 415]) expect(statuses.has(status), `status ${status} seen`).toBe(true);
    for (const secret of SECRETS) expect(started.logs.join("\n")).not.toContain(secret);
  }, 30_000);
});
