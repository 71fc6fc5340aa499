import { createServer } from "node:http";
import { chromium } from "playwright-core";
import { dashboardHtml } from "/work/main/apps/proxy/src/dashboard/page.ts";
const now = Date.now();
const state = {
  at: now,
  pools: [{ id: "chat", capability: "chat-completion", strategy: "modelmesh.priority.v1", members: ["a/gpt-a", "b/gpt-b"] }],
  routes: [
    { routeId: "a/gpt-a", modelId: "a.gpt-a", providerId: "a", upstreamModel: "gpt-a", pools: ["chat"], status: "active", circuit: "closed", cooldownLevel: 0, consecutiveFailures: 0, errorRate: 0, windowSamples: 3, inFlight: 0, latencyEwmaMs: 3.2, quota: { usage: { requestsMinute: 3, requestsDay: 10, tokensMinute: 20, tokensDay: 90, costDay: 0, costMonth: 0 }, limits: { requestsPerMinute: 10 }, resetsAt: { minute: now, day: now, month: now } } },
    { routeId: "b/gpt-b", modelId: "b.gpt-b", providerId: "b", upstreamModel: "gpt-b", pools: ["chat"], status: "active", circuit: "closed", cooldownLevel: 0, consecutiveFailures: 0, errorRate: 0, windowSamples: 0, inFlight: 0, quota: { usage: { requestsMinute: 0, requestsDay: 0, tokensMinute: 0, tokensDay: 0, costDay: 0, costMonth: 0 }, resetsAt: { minute: now, day: now, month: now } } },
  ],
  providers: [{ providerId: "a", status: "active" }, { providerId: "b", status: "active" }],
  decisions: [{ at: now - 1000, requestId: "req-1", requested: "chat", pool: "chat", route: "a/gpt-a", attempts: 1, ok: true, reasons: [] }],
};
const clients = new Set<any>();
const server = createServer((req, res) => {
  const auth = req.headers.authorization; console.log("req", req.url, auth);
  if (req.url === "/dashboard") { res.writeHead(200, { "content-type": "text/html" }); res.end(dashboardHtml()); return; }
  if (auth !== "Bearer admin-1") { res.writeHead(401); res.end("{}"); return; }
  if (req.url === "/admin/state") { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(state)); return; }
  if (req.url === "/admin/events") { res.writeHead(200, { "content-type": "text/event-stream" }); res.write(": hi\n\n"); clients.add(res); return; }
  res.writeHead(404); res.end();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as any).port;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
page.on("console", (m) => console.log("console:", m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(`http://127.0.0.1:${port}/dashboard?token=admin-1`);
await page.waitForTimeout(1500); console.log(await page.locator("#conn").textContent(), page.url());
console.log("url after load:", page.url());
// emit events
const send = (e: any) => { for (const c of clients) c.write(`data: ${JSON.stringify(e)}\n\n`); };
send({ type: "attempt-error", timestamp: Date.now(), requestId: "req-2", attempt: 1, routeId: "a/gpt-a", category: "server", code: "MM_PROVIDER_SERVER", status: 503, action: "rotate", message: "503" });
state.routes[0].status = "standby"; (state.routes[0] as any).circuit = "open"; (state.routes[0] as any).reason = "error_threshold"; (state.routes[0] as any).standbyUntil = Date.now() + 30000; state.routes[0].consecutiveFailures = 3;
send({ type: "route-deactivated", timestamp: Date.now(), routeId: "a/gpt-a", reason: "error_threshold", until: Date.now() + 30000, cooldownLevel: 1 });
send({ type: "request-end", timestamp: Date.now(), requestId: "req-2", ok: true, latencyMs: 5, attempts: 2, trace: { requestId: "req-2", requested: "chat", kind: "chat", stream: false, resolution: { kind: "pool", poolId: "chat" }, requirements: [], candidates: [], attempts: [{ attempt: 1, routeId: "a/gpt-a", ok: false, action: "rotate", error: { code: "MM_PROVIDER_SERVER", category: "server", status: 503, message: "x" }, stateChanges: ["route standby: error_threshold"] }, { attempt: 2, routeId: "b/gpt-b", ok: true, action: "success" }], warnings: [], startedAt: 0, deadlineMs: 1, final: { routeId: "b/gpt-b" } } });
await page.waitForSelector('tr[data-route="a/gpt-a"][data-status="standby"]');
await page.waitForTimeout(500);
console.log(await page.locator('tr[data-route="a/gpt-a"] td[data-field="reason"]').textContent());
await page.screenshot({ path: "/tmp/dashdev/shot.png", fullPage: true });
// auth prompt path
const p2 = await browser.newPage();
await p2.goto(`http://127.0.0.1:${port}/dashboard`);
await p2.waitForSelector("#auth.shown");
await p2.fill("#auth-token", "admin-1");
await p2.click('#auth button[type="submit"]');
await p2.waitForSelector('#conn[data-state="live"]');
console.log("prompt path ok");
await browser.close();
for (const c of clients) c.end();
server.close(); server.closeAllConnections();
