/**
 * Issue 14, item 3: the proxy as the server side of a browser client. A real `modelmesh serve --cors-origin …`
 * child in front of mock upstreams; requests carry `Origin` the way a page on another origin sends them. Every
 * answer under /v1 a page can receive carries the CORS headers for an allowed origin (success, SSE, each kind
 * of error, preflights); an unlisted origin and /admin/* get none; a bad `--cors-origin` stops the start; a
 * reload that drops `proxy.cors` keeps the flag's origins.
 */
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { CorsOriginError, startProxy } from "../src/index.js";
import { bundleCli, runCliChild, ServeChild } from "./support/cli-child.js";

const TOKEN = "tok-cors-browser-0123456789";
const APP = "http://app.example";
const EVIL = "http://evil.example";
/** What every CORS answer exposes to the page's script. */
const EXPOSED = ["x-modelmesh-model", "x-modelmesh-provider", "x-modelmesh-attempts", "x-modelmesh-pool", "x-modelmesh-trace-id", "retry-after"];

let cli: string;
let mock: MockProvider;
let flaky: MockProvider;
let dir: string;
let serve: ServeChild | undefined;

const providers = () =>
  `providers:
  local:
    connector: openai-compatible
    config: { base_url: "${mock.url}", api_key: sk-test }
    models:
      - id: mock-model
        capabilities: [chat-completion, text-embeddings]
  flaky:
    connector: openai-compatible
    config: { base_url: "${flaky.url}", api_key: sk-test }
    models:
      - id: flaky-model
        capabilities: [chat-completion]
pools:
  chat:
    models: [local.mock-model]
  flaky:
    models: [flaky.flaky-model]
    retry: { max_attempts: 0 }
`;
const proxyBlock = (cors: string) => `proxy:\n  auth:\n    tokens:\n      - { token: "${TOKEN}", admin: true }\n  limits:\n    max_body_size: 4kb\n${cors}`;
const withConfigCors = () => `${providers()}${proxyBlock("  cors:\n    origins: [http://config.example]\n")}`;

beforeAll(async () => {
  cli = await bundleCli("cors-cli-test");
  [mock, flaky] = await Promise.all([startMockProvider(), startMockProvider({ models: [{ id: "flaky-model" }] })]);
  dir = await mkdtemp(join(tmpdir(), "modelmesh-cors-"));
});
afterAll(async () => {
  await serve?.stop();
  await Promise.all([mock?.close(), flaky?.close()]);
  await rm(dir, { recursive: true, force: true });
});

type Init = { method?: string; headers?: Record<string, string>; body?: string };

/** A request as a page on `origin` sends it (with the bearer token unless `headers.authorization` is given). */
function call(path: string, origin: string, init: Init = {}): Promise<Response> {
  return fetch(`${serve!.url}${path}`, { method: init.method ?? "GET", headers: { origin, authorization: `Bearer ${TOKEN}`, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
}

const json = (body: unknown): Init => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The answer lets a page on `origin` read it, headers included. */
function expectCors(response: Response, origin = APP): void {
  expect(response.headers.get("access-control-allow-origin"), `${response.status} ${response.url}`).toBe(origin);
  expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
  expect(response.headers.get("access-control-expose-headers")?.split(/,\s*/)).toEqual(expect.arrayContaining(EXPOSED));
  expect(response.headers.get("access-control-allow-credentials")).toBeNull();
}

/** No CORS header at all. */
function expectNoCors(response: Response): void {
  const cors = [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));
  expect(cors, `${response.status} ${response.url}`).toEqual([]);
}

async function errorCode(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

/** Saves the file the way editors do and waits for the watcher's reload outcome in the log. */
async function saveAndWait(child: ServeChild, file: string, text: string): Promise<Record<string, unknown>> {
  const from = child.stderr.length;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  return child.waitForLog(from, (line) => /^config reload(ed$| failed| refused)/.test(String(line.msg)));
}

describe("modelmesh serve --cors-origin", () => {
  let file: string;

  beforeAll(async () => {
    file = join(dir, "cors.yaml");
    await writeFile(file, withConfigCors());
    serve = await ServeChild.start(cli, ["--config", file, "--cors-origin", APP, "--cors-origin=http://b.example, http://c.example:8080", "--cors-origin", "https://Secure.Example:443"], { cwd: dir });
  });

  it("logs one line naming the allowed origins: the flag's and the config's", async () => {
    const line = await serve!.waitForLog(0, (l) => l.msg === "CORS on for browser clients");
    // Written the way browsers send Origin (lower case, no default port), so that they match.
    expect(line.origins).toEqual([APP, "http://b.example", "http://c.example:8080", "https://secure.example", "http://config.example"]);
    expect(line.fromConfig).toEqual(["http://config.example"]);
    expect(serve!.logLinesSince(0).filter((l) => String(l.msg).startsWith("CORS"))).toHaveLength(1);
  });

  it("successful answers: models, chat, embeddings, and an SSE stream with its headers before the first event", async () => {
    const models = await call("/v1/models", APP);
    expect(models.status).toBe(200);
    expectCors(models);
    const listed = (await models.json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((m) => m.id)).toContain("chat");

    const chat = await call("/v1/chat/completions", APP, json({ model: "chat", messages: [{ role: "user", content: "hi there" }] }));
    expect(chat.status).toBe(200);
    expectCors(chat);
    expect(chat.headers.get("x-modelmesh-provider")).toBe("local");
    await chat.json();

    const embeddings = await call("/v1/embeddings", APP, json({ model: "mock-model", input: ["a", "b"] }));
    expect(embeddings.status).toBe(200);
    expectCors(embeddings);
    expect(((await embeddings.json()) as { data: unknown[] }).data).toHaveLength(2);

    const stream = await call("/v1/chat/completions", APP, json({ model: "chat", stream: true, messages: [{ role: "user", content: "one two three" }] }));
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // fetch resolves on the response head: the CORS headers came before any event was read.
    expectCors(stream);
    const text = await stream.text();
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);

    // Every listed origin, whether from the flag (comma-separated too) or from proxy.cors in the file.
    for (const origin of ["http://b.example", "http://c.example:8080", "https://secure.example", "http://config.example"]) {
      const response = await call("/v1/models", origin);
      expectCors(response, origin);
      await response.arrayBuffer();
    }
  });

  it("errors of every kind carry the CORS headers: 401, 400, 413, 415, 404, 429 with retry-after exposed, 5xx", async () => {
    const missing = await call("/v1/chat/completions", APP, { ...json({ model: "chat", messages: [] }), headers: { "content-type": "application/json", authorization: "" } });
    expect(missing.status).toBe(401);
    expectCors(missing);
    await missing.arrayBuffer();
    const bad = await call("/v1/models", APP, { headers: { authorization: "Bearer tok-not-a-token-000000" } });
    expect(bad.status).toBe(401);
    expectCors(bad);
    await bad.arrayBuffer();

    const malformed = await call("/v1/chat/completions", APP, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(malformed.status).toBe(400);
    expectCors(malformed);
    await malformed.arrayBuffer();

    const tooBig = await call("/v1/embeddings", APP, json({ model: "mock-model", input: "x".repeat(8_000) }));
    expect(tooBig.status).toBe(413);
    expectCors(tooBig);
    await tooBig.arrayBuffer();

    const notJson = await call("/v1/chat/completions", APP, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
    expect(notJson.status).toBe(415);
    expectCors(notJson);
    await notJson.arrayBuffer();

    const unknown = await call("/v1/no-such-endpoint", APP);
    expect(unknown.status).toBe(404);
    expectCors(unknown);
    await unknown.arrayBuffer();

    // The flaky pool has one model and no same-route retry: the upstream's answer decides.
    flaky.fault({ model: "flaky-model", times: 1, fault: { kind: "status", status: 500 } });
    const failed = await call("/v1/chat/completions", APP, json({ model: "flaky", messages: [{ role: "user", content: "hi" }] }));
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expectCors(failed);
    await failed.arrayBuffer();

    flaky.fault({ model: "flaky-model", times: 1, fault: { kind: "rate-limit", retryAfter: 30 } });
    const limited = await call("/v1/chat/completions", APP, json({ model: "flaky", messages: [{ role: "user", content: "hi" }] }));
    expect(limited.status).toBe(429);
    expectCors(limited);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    await limited.arrayBuffer();

    // The only model of the pool is parked now (for the Retry-After): nowhere to route, streamed or not.
    const calls = flaky.calls.length;
    const parked = await call("/v1/chat/completions", APP, json({ model: "flaky", stream: true, messages: [{ role: "user", content: "hi" }] }));
    expect(parked.status === 429 || parked.status >= 500).toBe(true);
    expectCors(parked);
    // When the parked model comes back, readable by the page (exposed through CORS).
    expect(Number(parked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await errorCode(parked)).toBe("no_candidates");
    expect(flaky.calls.length).toBe(calls);
  });

  it("preflights for chat, embeddings and models allow the requested headers and methods", async () => {
    for (const path of ["/v1/chat/completions", "/v1/embeddings", "/v1/models"]) {
      const asked = "authorization, content-type, x-modelmesh-stream-commit, x-app-version";
      const preflight = await fetch(`${serve!.url}${path}`, {
        method: "OPTIONS",
        headers: { origin: APP, "access-control-request-method": path === "/v1/models" ? "GET" : "POST", "access-control-request-headers": asked },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
      expect(preflight.headers.get("access-control-allow-methods")).toMatch(/\bPOST\b/);
      expect(preflight.headers.get("access-control-allow-methods")).toMatch(/\bGET\b/);
      expect(preflight.headers.get("access-control-allow-headers")).toBe(asked);
      expect(preflight.headers.get("vary")).toMatch(/Access-Control-Request-Headers/);
      expect(Number(preflight.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    }
  });

  it("an unlisted origin gets no CORS header, on answers and preflights; /admin/* never does", async () => {
    const answer = await call("/v1/models", EVIL);
    expect(answer.status).toBe(200); // the token still works: the browser, not the proxy, withholds the answer
    expectNoCors(answer);
    await answer.arrayBuffer();
    const refused = await call("/v1/chat/completions", EVIL, { headers: { authorization: "" } });
    expectNoCors(refused);
    await refused.arrayBuffer();
    const preflight = await fetch(`${serve!.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: EVIL, "access-control-request-method": "POST", "access-control-request-headers": "authorization" } });
    expectNoCors(preflight);
    await preflight.arrayBuffer();

    const admin = await call("/admin/state", APP);
    expect(admin.status).toBe(200);
    expectNoCors(admin);
    await admin.arrayBuffer();
    const adminPreflight = await fetch(`${serve!.url}/admin/reload`, { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "POST" } });
    expectNoCors(adminPreflight);
    await adminPreflight.arrayBuffer();
  });

  it("a reload that drops proxy.cors keeps the flag's origins (and only those)", async () => {
    const outcome = await saveAndWait(serve!, file, `${providers()}${proxyBlock("")}`);
    expect(outcome.msg).toBe("config reloaded");
    const changed = await serve!.waitForLog(0, (l) => l.msg === "CORS origins changed by the reload");
    expect(changed.origins).toEqual([APP, "http://b.example", "http://c.example:8080", "https://secure.example"]);

    const kept = await call("/v1/chat/completions", APP, json({ model: "chat", messages: [{ role: "user", content: "still here" }] }));
    expect(kept.status).toBe(200);
    expectCors(kept);
    await kept.arrayBuffer();
    const preflight = await fetch(`${serve!.url}/v1/embeddings`, { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);

    const dropped = await call("/v1/models", "http://config.example");
    expectNoCors(dropped);
    await dropped.arrayBuffer();

    // proxy.cors turned off in the file: the flag still decides.
    const off = await saveAndWait(serve!, file, `${providers()}${proxyBlock("  cors:\n    enabled: false\n")}`);
    expect(off.msg).toBe("config reloaded");
    const still = await call("/v1/models", "http://b.example");
    expectCors(still, "http://b.example");
    await still.arrayBuffer();
  });
});

describe("modelmesh serve --cors-origin: values that are not an origin", () => {
  it.each([
    ["http://app.example/", "http://app.example/"],
    ["https://app.example/path", "https://app.example/path"],
    ["app.example", "app.example"],
    ["http://localhost:99999", "http://localhost:99999"],
    ["null", "null"],
    ["http://ok.example,ftp://files.example", "ftp://files.example"],
    ["http://ok.example,", "http://ok.example,"],
  ])("--cors-origin %s exits 2 naming %s", async (value, named) => {
    const file = join(dir, "plain.yaml");
    await writeFile(file, `${providers()}${proxyBlock("")}`);
    const result = await runCliChild(cli, ["serve", "--port", "0", "--config", file, "--cors-origin", value], { cwd: dir, timeoutMs: 10_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--cors-origin ${JSON.stringify(named)} is not an origin`);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it("startProxy({ corsOrigins }) rejects with a CorsOriginError naming the value, before listening", async () => {
    const started = startProxy({ config: `${providers()}${proxyBlock("")}`, port: 0, env: {}, log: () => {}, corsOrigins: [APP, "https://app.example/"] });
    await expect(started).rejects.toBeInstanceOf(CorsOriginError);
    await expect(started).rejects.toMatchObject({ value: "https://app.example/", code: "invalid_cors_origin" });
  });

  it("--help documents the flag", async () => {
    const result = await runCliChild(cli, ["--help"], { cwd: dir, timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--cors-origin ORIGIN/);
  });
});
