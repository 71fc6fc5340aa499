/**
 * Runs the demo in-process, in fast mode with its output captured, and checks that the story it tells
 * actually happened: priority routing, the quota rotation, the failover during the outage, the rotation for
 * the rate limit, the recovery — every request answered — and that everything is closed afterwards.
 */
import { connect } from "node:net";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { MeshEvent } from "modelmesh";
import { runDemo, type DemoReport, type RequestRecord } from "../src/run-demo.js";
import { REQUEST_COUNT, SCRIPT, STREAMED } from "../src/scenario.js";

const FREE = "free-tier/free-tier.gratis-mini";
const PRIMARY = "primary/primary.swift-1";
const SECONDARY = "secondary/secondary.steady-2";
const RESERVE = "reserve/reserve.reserve-xl";

let report: DemoReport;
let output = "";
let socketsBefore: number;

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap").length;
}

function events<T extends MeshEvent["type"]>(type: T, source: readonly MeshEvent[] = report.events): Array<Extract<MeshEvent, { type: T }>> {
  return source.filter((e): e is Extract<MeshEvent, { type: T }> => e.type === type);
}

function request(n: number): RequestRecord {
  return report.requests[n - 1]!;
}

beforeAll(async () => {
  socketsBefore = openSockets();
  report = await runDemo({ fast: true, output: { write: (chunk: string) => void (output += chunk) } });
});

describe("the offline demo, fast mode", () => {
  it("answers every request completely, streamed ones included", () => {
    expect(report.requests).toHaveLength(REQUEST_COUNT);
    expect(report.requests.filter((r) => !r.ok)).toEqual([]);
    expect(report.requests.filter((r) => r.stream).map((r) => r.n)).toEqual([...STREAMED]);
    for (const r of report.requests.filter((r) => r.stream)) expect(r.chunks).toBeGreaterThan(1);
  });

  it("routes by priority: the free tier serves until its daily quota is used, then never again", () => {
    const byFree = report.requests.filter((r) => r.routeId === FREE).map((r) => r.n);
    expect(byFree).toEqual([1, 2, 3, 4, 5]);
    const exhausted = events("quota-exhausted", request(6).events);
    expect(exhausted).toEqual([expect.objectContaining({ routeId: FREE, window: "provider:requests-per-day" })]);
    expect(request(6).routeId).toBe(PRIMARY);
    // The mesh stopped before the upstream's own cap: the free tier never had to refuse anything.
    expect(report.providers.find((p) => p.name === "free-tier")!.statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it("fails over during the primary's outage: retry, standby, another model answers", () => {
    const outageStart = SCRIPT.find((s) => s.say.includes("primary goes down"))!.before;
    const first = request(outageStart);
    expect(first.trace!.attempts.map((a) => [a.routeId, a.error?.status, a.action])).toEqual([
      [PRIMARY, 503, "retry-same-route"],
      [PRIMARY, 503, "rotate"],
      [SECONDARY, undefined, "success"],
    ]);
    expect(events("route-deactivated", first.events)).toEqual([expect.objectContaining({ routeId: PRIMARY, reason: "error_threshold" })]);
    expect(events("rotation", first.events)).toEqual([expect.objectContaining({ from: PRIMARY, to: SECONDARY, reason: "server" })]);
    // While it is down, nothing is served by the primary (its failed probe included).
    const down = report.requests.filter((r) => r.n >= outageStart && r.events.some((e) => e.type === "attempt-error" && e.routeId === PRIMARY));
    expect(down.length).toBeGreaterThanOrEqual(2);
    for (const r of down) expect(r.routeId).not.toBe(PRIMARY);
  });

  it("rotates away from the secondary when its 429 asks for a longer wait than the retry budget allows", () => {
    const rotations = events("rotation").filter((e) => e.reason === "rate_limit");
    expect(rotations).toEqual([expect.objectContaining({ from: SECONDARY, to: RESERVE })]);
    const limited = report.requests.find((r) => r.events.includes(rotations[0]!))!;
    expect(limited.ok).toBe(true);
    expect(limited.routeId).toBe(RESERVE);
    expect(events("route-deactivated", limited.events)).toEqual([expect.objectContaining({ routeId: SECONDARY, reason: "rate_limited" })]);
    expect(report.providers.find((p) => p.name === "secondary")!.statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  it("brings both back through a probe, and the primary serves the end of the run", () => {
    const recovered = events("route-recovered").filter((e) => e.trigger === "probe_success").map((e) => e.routeId);
    expect(recovered).toEqual([SECONDARY, PRIMARY]);
    expect(report.requests.slice(-5).every((r) => r.routeId === PRIMARY)).toBe(true);
  });

  it("prints one plain line per request with the model that served it and why", () => {
    expect(output).not.toContain("\x1b");
    const lines = output.split("\n").filter((l) => /^#\d\d /.test(l));
    expect(lines).toHaveLength(REQUEST_COUNT);
    expect(lines[0]).toMatch(/^#01 ✓ free-tier\/gratis-mini .*why: picked: priority #1/);
    expect(lines[5]).toMatch(/free-tier\/gratis-mini: quota full \(provider requests-per-day\), resets 00:00 UTC/);
    expect(output).toMatch(/primary\/swift-1: 503 server → retry in 100ms, 503 server, standby 1\.3s \(error_threshold\) · failover to secondary\/steady-2 \(server\)/);
    expect(output).toMatch(/secondary\/steady-2: 429 rate_limit, standby 2\.0s \(rate_limited\) · failover to reserve\/reserve-xl \(rate_limit\)/);
    expect(output).toContain("standby: error_threshold, back in");
    expect(output).toContain(`${REQUEST_COUNT}/${REQUEST_COUNT} requests answered completely`);
  });

  it("closes everything: the mock servers refuse connections and no socket is left open", async () => {
    for (const provider of report.providers) {
      const { port } = new URL(provider.url);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      expect(refused).toBe("ECONNREFUSED");
    }
    // Sockets destroyed by close() leave the handle list on the next turns of the event loop.
    await vi.waitFor(() => expect(openSockets()).toBe(socketsBefore), { timeout: 2000, interval: 20 });
  });
});
