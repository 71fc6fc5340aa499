/**
 * @modelmesh/browser in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`): a page
 * loads the built bundle (dist, bundled by esbuild for the browser), routes a chat across two endpoints — the
 * first one dead (nothing listens on its port), the second a mock provider — with failover, streams an answer,
 * is reloaded, and shows the dead endpoint still parked: the state came back from IndexedDB. The same in a
 * dedicated worker (no window, no DOM); and keys kept behind `modelmesh serve --cors-origin` (proxy mode).
 *
 * Skipped only when /usr/bin/chromium is absent (CI's `.ci/run` installs it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const FIXTURE = fileURLToPath(new URL("./fixtures/e2e/", import.meta.url));
// The built `modelmesh` CLI of apps/proxy (turbo.json runs this package's tests after the proxy's build).
const PROXY_CLI = fileURLToPath(new URL("../../../apps/proxy/dist/cli.js", import.meta.url));
const suiteName = HAS_CHROMIUM ? "createBrowser in headless Chromium" : `createBrowser in headless Chromium (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

interface Attempt {
  routeId: string;
  ok: boolean;
  code?: string;
}

describe.skipIf(!HAS_CHROMIUM)(suiteName, () => {
  let live: MockProvider;
  let dead: string;
  let site: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let keyed: MockProvider;
  let proxy: { child: ChildProcess; url: string; dir: string };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [`${FIXTURE}page.ts`], bundle: true, format: "esm", platform: "browser", write: false, minify: true, logLevel: "silent" });
    const script = bundle.outputFiles[0]!.text;
    const html = readFileSync(`${FIXTURE}index.html`, "utf8");
    live = await startMockProvider({ cors: true, reply: () => ({ content: "pong from live" }) });
    dead = await closedPortUrl();
    site = createServer((req, res) => {
      if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      else res.writeHead(200, { "content-type": "text/html" }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    // The proxy holds the provider key; the page only has a proxy token.
    keyed = await startMockProvider({ apiKey: "sk-server-only", reply: () => ({ content: "pong via the proxy" }), models: [{ id: "mock-model" }, { id: "mock-embed" }] });
    proxy = await serveProxy(keyed.url, origin);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(origin);
    await page.waitForFunction(() => "modelmesh" in globalThis);
  }, 60_000);

  afterAll(async () => {
    proxy?.child.kill("SIGTERM");
    if (proxy) rmSync(proxy.dir, { recursive: true, force: true });
    await keyed?.close();
    await browser?.close();
    await live?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it("fails over from the dead endpoint, streams, and keeps the dead one parked across a reload (IndexedDB)", async () => {
    const first = await page.evaluate(([d, l]) => (globalThis as any).modelmesh.firstVisit(d, l), [dead, live.url]);
    expect(first.text).toBe("pong from live");
    // One attempt on the dead endpoint (a network error), then the live one.
    expect(first.attempts.map((a: Attempt) => [a.routeId, a.ok])).toEqual([
      ["dead/dead.mock-model", false],
      ["live/live.mock-model", true],
    ]);
    expect(first.attempts[0].code).toMatch(/^MM_/);
    // The stream goes straight to the live endpoint: the dead one is parked already.
    expect(first.streamed).toBe("pong from live");
    expect(first.chunks).toBeGreaterThan(1);
    expect(first.streamAttempts).toEqual([{ routeId: "live/live.mock-model", ok: true }]);
    expect(first.saved).toBe(true);
    const liveCalls = live.calls.length;
    expect(liveCalls).toBe(2);

    await page.reload();
    await page.waitForFunction(() => "modelmesh" in globalThis);
    const second = await page.evaluate(([d, l]) => (globalThis as any).modelmesh.secondVisit(d, l), [dead, live.url]);
    // Parked by the first visit (the standby, its reason and its end came back from IndexedDB), so the chat
    // below makes no attempt on it.
    expect(second.provider.status).toBe("standby");
    expect(second.provider.reason).toBe("endpoint_unreachable");
    expect(second.provider.until).toBeGreaterThan(second.now);
    expect(second.provider.until).toBe(first.parkedUntil);
    expect(second.text).toBe("pong from live");
    expect(second.attempts).toEqual([{ routeId: "live/live.mock-model", ok: true }]);
    expect(live.calls.length).toBe(liveCalls + 1);
    expect(pageErrors).toEqual([]);
  });

  it("keeps keys on a server: routes through `modelmesh serve --cors-origin`, failing over from a dead proxy", async () => {
    const result = await page.evaluate(([urls, token]) => (globalThis as any).modelmesh.proxyVisit(urls, token), [[dead, `${proxy.url}/v1`], "browser-token"] as const);
    expect(result.models).toEqual(expect.arrayContaining(["chat", "embed"]));
    expect(result.text).toBe("pong via the proxy");
    expect(result.attempts.map((a: Attempt) => [a.routeId, a.ok])).toEqual([
      ["proxy-1/proxy-1.chat", false],
      ["proxy-2/proxy-2.chat", true],
    ]);
    expect(result.streamed).toBe("pong via the proxy");
    expect(result.streamAttempts).toEqual([{ routeId: "proxy-2/proxy-2.chat", ok: true }]);
    expect(result.dimensions).toBeGreaterThan(0);
    // The upstream only accepts the server's key, which the page never saw.
    expect(keyed.calls.filter((c) => c.status === 200).length).toBe(3);
  });

  it("runs unchanged in a dedicated worker: failover, a stream, state in IndexedDB", async () => {
    const before = live.calls.length;
    const result = await page.evaluate(([d, l]) => (globalThis as any).modelmesh.inWorker("workerVisit", [d, l]), [dead, live.url]);
    expect(result.isWorker).toBe(true);
    expect(result.text).toBe("pong from live");
    expect(result.attempts.map((a: Attempt) => [a.routeId, a.ok])).toEqual([
      ["dead/dead.mock-model", false],
      ["live/live.mock-model", true],
    ]);
    expect(result.streamed).toBe("pong from live");
    expect(result).toMatchObject({ parked: "standby", restored: "standby" });
    expect(live.calls.length).toBe(before + 2);
  });

  it("reports every config problem at once as a typed ConfigError", async () => {
    const result = await page.evaluate(() => (globalThis as any).modelmesh.badConfig());
    expect(result).toMatchObject({ ok: false, name: "ModelMeshConfigError", code: "MM_CONFIG_INVALID" });
    expect(result.paths).toEqual(expect.arrayContaining(["secrets", "providers.x.base_url", "providers.x.models", "pools.chat.strategy"]));
  });
});

/** `http://127.0.0.1:<port>/v1` where nothing listens (a port taken and released). */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

/** `modelmesh serve` (the built CLI) in front of `upstream`, with CORS for `origin` and one client token. */
async function serveProxy(upstream: string, origin: string): Promise<{ child: ChildProcess; url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mm-browser-proxy-"));
  const config = [
    "proxy:",
    "  auth:",
    "    tokens: [browser-token]",
    "providers:",
    "  keyed:",
    "    connector: openai-compatible",
    "    config:",
    `      base_url: ${upstream}`,
    "      api_key: sk-server-only",
    "    models:",
    "      - id: mock-model",
    "        capabilities: [chat-completion]",
    "      - id: mock-embed",
    "        capabilities: [text-embeddings]",
    "pools:",
    "  chat: { capability: chat-completion }",
    "  embed: { capability: embeddings }",
  ].join("\n");
  writeFileSync(join(dir, "modelmesh.yaml"), config);
  const child = spawn(process.execPath, [PROXY_CLI, "serve", "--config", "modelmesh.yaml", "--port", "0", "--cors-origin", origin, "--no-watch"], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.once("close", (code) => reject(new Error(`modelmesh serve exited with ${String(code)} before listening:\n${err}`)));
  });
  return { child, url, dir };
}
