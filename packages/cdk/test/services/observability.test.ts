import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, type MeshEvent, type RequestLogEntry, type TraceEntry } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseObservability, NullObservability, type ObservabilityOptions, type ObservabilityRecord } from "../../src/services/base-observability.js";
import { ConsoleObservability } from "../../src/services/console-observability.js";
import { FileObservability } from "../../src/services/file-observability.js";

const T = Date.UTC(2026, 0, 1, 10, 20, 30, 456);

class Capture extends BaseObservability {
  lines: string[] = [];
  constructor(options: ObservabilityOptions = {}) {
    super(options);
  }
  protected override write(line: string, _record: ObservabilityRecord): void {
    this.lines.push(line);
  }
  get records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

const rotation: MeshEvent = { type: "rotation", timestamp: T, requestId: "r1", poolId: "chat", from: "a/x", to: "b/y", reason: "server" };
const log: RequestLogEntry = {
  timestamp: T, requestId: "r1", poolId: "chat", modelId: "gpt-4o", providerId: "openai", kind: "chat", stream: false, ok: false,
  status: 503, latencyMs: 120, attempts: 2, promptTokens: 10, completionTokens: 0, costUsd: 0.0001, errorCode: "MM_SERVER",
};
const trace = (severity: TraceEntry["severity"], metadata?: Record<string, unknown>): TraceEntry => ({ severity, timestamp: T, component: "router", message: "picked", metadata });

describe("BaseObservability pipeline", () => {
  it("formats events as JSON records", () => {
    const sink = new Capture();
    sink.emit(rotation);
    expect(sink.records).toEqual([{ kind: "event", timestamp: "2026-01-01T10:20:30.456Z", type: "rotation", requestId: "r1", poolId: "chat", from: "a/x", to: "b/y", reason: "server" }]);
  });

  it("filters events by type and traces by minimum severity", () => {
    const sink = new Capture({ eventFilter: ["route-deactivated"], minSeverity: "warning" });
    sink.emit(rotation);
    sink.emit({ type: "route-deactivated", timestamp: T, routeId: "a/x", reason: "error_threshold", cooldownLevel: 1 });
    sink.trace(trace("info"));
    sink.trace(trace("error"));
    expect(sink.records.map((r) => r.type ?? r.severity)).toEqual(["route-deactivated", "error"]);
  });

  it("picks log fields by level", () => {
    const metadata = new Capture();
    metadata.log(log);
    expect(metadata.records[0]).not.toHaveProperty("promptTokens");
    const summary = new Capture({ logLevel: "summary" });
    summary.log(log);
    expect(summary.records[0]).toMatchObject({ promptTokens: 10, costUsd: 0.0001 });
    expect(summary.records[0]).not.toHaveProperty("errorCode");
    const full = new Capture({ logLevel: "full" });
    full.log(log);
    expect(full.records[0]).toMatchObject({ kind: "log", status: 503, latencyMs: 120, errorCode: "MM_SERVER" });
  });

  it("flushes one record per scope, filtered by scope kind, on the injected clock", () => {
    const sink = new Capture({ scopes: ["model"], clock: createManualClock(T) });
    const stats = { requestsTotal: 3, requestsSuccess: 2, requestsFailed: 1, tokensIn: 1, tokensOut: 2, costTotal: 0, latencyAvg: 5, latencyP95: 9, rotationEvents: 0 };
    sink.flush({ "model:gpt-4o": stats, "provider:openai": stats });
    expect(sink.records).toEqual([{ kind: "stats", timestamp: new Date(T).toISOString(), scope: "model:gpt-4o", ...stats }]);
  });

  it("redacts nested secrets structurally before writing", () => {
    const sink = new Capture({ redactKeys: ["session_id"] });
    sink.trace(
      trace("info", {
        headers: { Authorization: "Bearer sk-live-abcdefghijklmnop", "x-api-key": "abcdefghijklmnopqrst", accept: "json" },
        config: { providers: [{ api_key: "sk-proj-1234567890abcdef", base_url: "https://x" }], nested: { deeper: { client_secret: 42, password: "hunter2hunter2" } } },
        usage: { max_tokens: 10, prompt_tokens: 5 },
        session_id: "abc",
        note: "retrying with Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
      }),
    );
    const line = sink.lines[0]!;
    for (const secret of ["sk-live-abcdefghijklmnop", "abcdefghijklmnopqrst", "sk-proj-1234567890abcdef", "hunter2hunter2", "eyJhbGci", '"abc"']) expect(line).not.toContain(secret);
    const metadata = sink.records[0]!.metadata as Record<string, any>;
    expect(metadata.headers).toEqual({ Authorization: "Bearer ***", "x-api-key": "abcd***", accept: "json" });
    expect(metadata.config.providers[0]).toEqual({ api_key: "sk-***", base_url: "https://x" });
    expect(metadata.config.nested.deeper).toEqual({ client_secret: "***REDACTED***", password: "***" });
    expect(metadata.usage).toEqual({ max_tokens: 10, prompt_tokens: 5 });
    expect(metadata.session_id).toBe("***");
    expect(metadata.note).toBe("retrying with Bearer ***");
  });

  it("never throws into the caller when the sink fails; reports to onError", () => {
    const errors: unknown[] = [];
    class Broken extends BaseObservability {
      protected override write(): void {
        throw new Error("disk full");
      }
    }
    const sink = new Broken({ onError: (e) => errors.push(e) });
    expect(() => sink.emit(rotation)).not.toThrow();
    expect(errors).toHaveLength(1);
  });

  it("NullObservability accepts everything and does nothing", async () => {
    const sink = new NullObservability();
    sink.emit(rotation);
    sink.log(log);
    sink.flush({});
    sink.trace(trace("critical"));
    await sink.close();
    expect(sink.id).toBe("modelmesh.null.v1");
  });
});

describe("ConsoleObservability", () => {
  it("colours output by default", () => {
    const lines: string[] = [];
    const sink = new ConsoleObservability({ write: (l) => lines.push(l), env: {} });
    sink.emit(rotation);
    expect(sink.useColor).toBe(true);
    expect(lines[0]).toContain("\x1b[");
  });

  it("honours NO_COLOR (non-empty) and the useColor option", () => {
    const lines: string[] = [];
    const plain = new ConsoleObservability({ write: (l) => lines.push(l), env: { NO_COLOR: "1" } });
    plain.emit(rotation);
    plain.log(log);
    plain.trace(trace("warning", { token: "sk-abcdefghijklmnopqrstu" }));
    expect(plain.useColor).toBe(false);
    expect(lines.join("\n")).not.toContain("\x1b[");
    expect(lines[0]).toBe("[modelmesh] 10:20:30.456 [EVENT] rotation requestId=r1 poolId=chat from=a/x to=b/y reason=server");
    expect(lines[1]).toBe("[modelmesh] 10:20:30.456 [LOG] 503 120ms requestId=r1 poolId=chat modelId=gpt-4o providerId=openai requestKind=chat stream=false attempts=2");
    expect(lines[2]).toBe("[modelmesh] 10:20:30.456 [WARNING] [router] picked token=sk-***");
    expect(new ConsoleObservability({ env: { NO_COLOR: "" } }).useColor).toBe(true);
    expect(new ConsoleObservability({ env: { NO_COLOR: "1" }, useColor: true }).useColor).toBe(true);
  });
});

describe("FileObservability", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mm-obs-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends redacted JSONL records in order", async () => {
    const filePath = join(dir, "sub", "mesh.jsonl");
    const sink = new FileObservability({ filePath });
    sink.emit(rotation);
    sink.trace(trace("info", { api_key: "sk-abcdefghijklmnopqrstu" }));
    await sink.close();
    const again = new FileObservability({ filePath });
    again.log(log);
    await again.close();
    const records = (await readFile(filePath, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(records.map((r) => r.kind)).toEqual(["event", "trace", "log"]);
    expect(records[1].metadata).toEqual({ api_key: "sk-***" });
  });

  it("truncates when append is false and rotates by size", async () => {
    const filePath = join(dir, "rotating.jsonl");
    await writeFile(filePath, "old\n");
    const sink = new FileObservability({ filePath, append: false, maxSizeBytes: 300 });
    for (let i = 0; i < 3; i++) sink.emit(rotation);
    await sink.drain();
    const current = (await readFile(filePath, "utf8")).trimEnd().split("\n");
    const rotated = (await readFile(`${filePath}.1`, "utf8")).trimEnd().split("\n");
    expect(current.length + rotated.length).toBe(3);
    expect(rotated.length).toBeGreaterThan(0);
    expect([...current, ...rotated].every((line) => JSON.parse(line).type === "rotation")).toBe(true);
  });

  it("reports write errors to onError without throwing", async () => {
    const errors: unknown[] = [];
    const sink = new FileObservability({ filePath: join(dir, "as-dir"), onError: (e) => errors.push(e) });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "as-dir"));
    sink.emit(rotation);
    await sink.drain();
    expect(errors).toHaveLength(1);
  });
});
