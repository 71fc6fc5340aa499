/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`; no browser
 * download): two mock upstreams behind the proxy, failures injected into the primary one through ordinary
 * client requests, and the page must show, live, the route going to standby with its reason, the routing
 * decisions that rotated to the backup, and a manual provider deactivation. A screenshot of the result is
 * saved to `test/__screenshots__/dashboard.png`.
 *
 * Skipped only when /usr/bin/chromium is absent (CI's `.ci/run` installs it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { chromium, type Browser, type Page } from "playwright-core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type ProxyHandle } from "../src/server.js";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
// The flags .library/env/machines/node.md lists: no sandbox (root), no GPU, and nothing that phones home.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SCREENSHOT = fileURLToPath(new URL("./__screenshots__/dashboard.png", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const ADMIN_TOKEN = "dash-admin-token";
const CLIENT_TOKEN = "dash-client-token";
/**
 * How long a change may take to show. Under the page's 5 s fallback poll, so what shows in time came over the
 * event stream (the event log, which only the stream feeds, is checked too).
 */
const LIVE = { timeout: 4_000 };
/** Failures in a row that put a route on standby (the pool's `deactivation.retry_limit`). */
const RETRY_LIMIT = 2;

const suiteName = HAS_CHROMIUM ? "dashboard in headless Chromium" : `dashboard in headless Chromium (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

describe.skipIf(!HAS_CHROMIUM)(suiteName, () => {
  let primary: MockProvider;
  let backup: MockProvider;
  let proxy: ProxyHandle;
  let browser: Browser;
  let page: Page;
  let client: OpenAI;
  let primaryRoute: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    primary = await startMockProvider({ models: [{ id: "gpt-primary" }] });
    backup = await startMockProvider({ models: [{ id: "gpt-backup" }] });
    proxy = await startProxy({
      port: 0,
      env: {},
      log: () => {},
      shutdownGraceMs: 1_000,
      config: {
        proxy: {
          // A pool-restricted client token, and the admin token (admin is an explicit role).
          auth: { tokens: [{ token: CLIENT_TOKEN, pools: ["chat"] }, { token: ADMIN_TOKEN, admin: true }] },
        },
        providers: {
          primary: { connector: "openai-compatible", config: { base_url: primary.url, api_key: "sk-primary" }, models: [{ id: "gpt-primary", capabilities: ["chat-completion"] }] },
          backup: { connector: "openai-compatible", config: { base_url: backup.url, api_key: "sk-backup" }, models: [{ id: "gpt-backup", capabilities: ["chat-completion"] }] },
        },
        pools: {
          chat: {
            capability: "chat-completion",
            provider_priority: ["primary", "backup"],
            retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "20ms" },
            deactivation: { retry_limit: RETRY_LIMIT },
            recovery: { cooldown: "10m" },
          },
        },
      },
    });
    client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: CLIENT_TOKEN, maxRetries: 0, timeout: 10_000 });
    const state = (await (await fetch(`${proxy.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { routes: Array<{ routeId: string; providerId: string }> };
    primaryRoute = state.routes.find((r) => r.providerId === "primary")!.routeId;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await Promise.all([primary?.close(), backup?.close()]);
  });

  it("opens with ?token=, drops the token from the address bar and goes live", async () => {
    await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "warm up" }] });
    await page.goto(`${proxy.url}/dashboard?token=${ADMIN_TOKEN}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).searchParams.has("token")).toBe(false);
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    const row = page.locator(`section[data-pool="chat"] tr[data-route="${primaryRoute}"]`);
    await expect.poll(() => row.getAttribute("data-status"), LIVE).toBe("active");
    await expect.poll(() => page.locator('section[data-pool="chat"] h2').textContent(), LIVE).toContain("pool chat");
    await expect.poll(() => page.locator("#decisions tr[data-request]").count(), LIVE).toBeGreaterThanOrEqual(1);
  });

  it("shows the primary route going to standby, with its reason, live while failures are injected", async () => {
    primary.fault({ fault: { kind: "status", status: 503 } });
    // The request fails on the primary (one same-route retry included: RETRY_LIMIT failures in a row park it)
    // and is answered by the backup.
    const reply = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "during the outage" }] });
    expect(reply.choices[0]?.message.content).toBe("echo: during the outage");
    expect(primary.calls.filter((c) => c.status === 503)).toHaveLength(RETRY_LIMIT);

    // Live: the event stream delivers it well before the page's 5 s fallback poll.
    const row = page.locator(`section[data-pool="chat"] tr[data-route="${primaryRoute}"]`);
    await expect.poll(() => row.getAttribute("data-status"), LIVE).toBe("standby");
    await expect.poll(() => row.locator('td[data-field="reason"]').textContent(), LIVE).toBe("error_threshold");
    await expect.poll(() => row.locator('td[data-field="until"]').textContent(), LIVE).toMatch(/^in \d+m$|^in \d+s$/);
    await expect.poll(() => page.locator('#events li[data-type="route-deactivated"]').first().textContent(), LIVE).toContain(`${primaryRoute} → standby (error_threshold)`);

    // The rotation shows in the decisions table: answered by the backup after the primary's failures, and why.
    const rotated = page.locator("#decisions tr[data-ok=\"true\"]", { hasText: "503" }).first();
    await expect.poll(() => rotated.locator("td").nth(3).textContent(), LIVE).toMatch(/^backup\//);
    expect(Number(await rotated.locator("td").nth(4).textContent())).toBe(RETRY_LIMIT + 1);
    expect(await rotated.locator("td").nth(6).textContent()).toContain(`${primaryRoute}: server 503 → rotate`);

    // With the primary parked, the next request goes straight to the backup, and the page says why.
    const before = primary.calls.length;
    await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "after" }] });
    expect(primary.calls.length).toBe(before);
    const direct = page.locator("#decisions tr[data-ok=\"true\"]", { hasText: "excluded" }).first();
    await expect.poll(() => direct.locator("td").nth(6).textContent(), LIVE).toContain("error_threshold");
  });

  it("shows a manual provider deactivation made through the admin API", async () => {
    const response = await fetch(`${proxy.url}/admin/providers/backup/deactivate`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ duration_ms: 600_000 }) });
    expect(response.status).toBe(200);
    const provider = page.locator('tr[data-provider="backup"]');
    await expect.poll(() => provider.getAttribute("data-status"), LIVE).toBe("standby");
    await expect.poll(() => provider.locator("td").nth(2).textContent(), LIVE).toBe("manual");
    await fetch(`${proxy.url}/admin/providers/backup/reactivate`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await expect.poll(() => provider.getAttribute("data-status"), LIVE).toBe("active");
  });

  it("saves a screenshot", async () => {
    mkdirSync(fileURLToPath(new URL("./__screenshots__/", import.meta.url)), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(readFileSync(SCREENSHOT).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it("asks for a token when none is given, refuses a wrong one and never puts it in the page", async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${proxy.url}/dashboard`);
      await fresh.locator("#auth.shown").waitFor({ timeout: 5_000 });
      expect(await fresh.locator("#conn").getAttribute("data-state")).toBe("auth");
      await fresh.fill("#auth-token", CLIENT_TOKEN); // a valid token, but not an admin one
      await fresh.click('#auth button[type="submit"]');
      await expect.poll(() => fresh.locator("#auth-error").textContent(), LIVE).toMatch(/refused/);
      await fresh.fill("#auth-token", ADMIN_TOKEN);
      await fresh.click('#auth button[type="submit"]');
      await fresh.locator('#conn[data-state="live"]').waitFor({ timeout: 5_000 });
      await expect.poll(() => fresh.locator(`section[data-pool="chat"] tr[data-route="${primaryRoute}"]`).getAttribute("data-status"), LIVE).toBe("standby");
      expect(await fresh.content()).not.toContain(ADMIN_TOKEN);
    } finally {
      await fresh.close();
    }
  });
});
