/**
 * Observability conformance: `emit`, `log`, `flush` and `trace` are synchronous fire-and-forget and never
 * throw (not even on odd input); a connector that writes produces output and never writes a secret.
 */
import type { AggregateStats, MeshEvent, ObservabilityConnectorV1, RequestLogEntry, Severity, TraceEntry } from "@modelmesh/core";
import { check, ConformanceSkip, equal, hasMethod, show, within } from "./assert.js";
import type { ConformanceCheck, ConformanceSuite } from "./runner.js";
import { describeConformance } from "./vitest-suite.js";

/** A secret planted in events, logs and traces; it must never appear in a connector's output. */
export const PLANTED_SECRET = "sk-conformance-observability-0123456789abcdef";

/** Options of `describeObservabilityConformance`. */
export interface ObservabilityConformanceOptions {
  /** Builds a fresh connector. */
  create: () => ObservabilityConnectorV1 | Promise<ObservabilityConnectorV1>;
  /**
   * For connectors that write: everything written so far (console lines, file contents). Enables the
   * "writes something" and redaction checks. May wait for pending writes.
   */
  output?: (connector: ObservabilityConnectorV1) => string | Promise<string>;
}

/** What an observability check gets. */
export interface ObservabilityCheckContext {
  create(): Promise<ObservabilityConnectorV1>;
  output?: ObservabilityConformanceOptions["output"];
}

type Check = ConformanceCheck<ObservabilityCheckContext>;

const now = 1_767_225_600_000;

/** Sample events of several kinds, secrets planted where real ones end up (messages, metadata). */
export function sampleEvents(): MeshEvent[] {
  return [
    { type: "request-start", timestamp: now, requestId: "req-1", requested: "chat-completion", kind: "chat", stream: false },
    { type: "attempt-start", timestamp: now, requestId: "req-1", attempt: 1, routeId: "p/m", providerId: "p", modelId: "m" },
    { type: "attempt-error", timestamp: now, requestId: "req-1", attempt: 1, routeId: "p/m", category: "auth", code: "MM_AUTH", status: 401, action: "rotate", message: `upstream said: invalid key Bearer ${PLANTED_SECRET}` },
    { type: "route-deactivated", timestamp: now, routeId: "p/m", reason: "error_threshold", until: now + 60_000, cooldownLevel: 1 },
    { type: "rotation", timestamp: now, requestId: "req-1", poolId: "chat", from: "p/m", to: "q/m", reason: "auth" },
    { type: "stream-end", timestamp: now, requestId: "req-1", routeId: "q/m", ok: true, chunks: 3 },
  ] as MeshEvent[];
}

const LOG: RequestLogEntry = {
  timestamp: now, requestId: "req-1", poolId: "chat", modelId: "m", providerId: "q", kind: "chat", stream: false, ok: true,
  status: 200, latencyMs: 42, attempts: 2, promptTokens: 10, completionTokens: 5, costUsd: 0.0001,
};

const STATS: Record<string, AggregateStats> = {
  "model:m": { requestsTotal: 2, requestsSuccess: 1, requestsFailed: 1, tokensIn: 10, tokensOut: 5, costTotal: 0.0001, latencyAvg: 40, latencyP95: 80, rotationEvents: 1 },
};

const SEVERITIES: Severity[] = ["debug", "info", "warning", "error", "critical"];

function traces(): TraceEntry[] {
  return SEVERITIES.map((severity) => ({
    severity,
    timestamp: now,
    component: "provider.p",
    message: `${severity} trace`,
    metadata: { apiKey: PLANTED_SECRET, headers: { authorization: `Bearer ${PLANTED_SECRET}` }, nested: { token: PLANTED_SECRET } },
  }));
}

/** Calls `fn`, failing if it throws or returns a promise (fire-and-forget means synchronous). */
function fireAndForget(what: string, fn: () => unknown): void {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    throw new Error(`[modelmesh] [conformance] ${what} must never throw, it threw ${show(error)}`);
  }
  check(result === undefined, `${what} is fire-and-forget and must return undefined, got ${show(result)}`);
}

async function withConnector(context: ObservabilityCheckContext, body: (connector: ObservabilityConnectorV1) => Promise<void>): Promise<void> {
  const connector = await context.create();
  try {
    await body(connector);
  } finally {
    await Promise.resolve(connector.close?.()).catch(() => {});
  }
}

function feed(connector: ObservabilityConnectorV1): void {
  for (const event of sampleEvents()) fireAndForget(`emit(${event.type})`, () => connector.emit(event));
  fireAndForget("log()", () => connector.log(LOG));
  fireAndForget("flush()", () => connector.flush(STATS));
  for (const entry of traces()) fireAndForget(`trace(${entry.severity})`, () => connector.trace(entry));
}

/** Every observability check. */
export const observabilityConformanceChecks: readonly Check[] = [
  {
    name: "declares specificationVersion v1, an id and emit/log/flush/trace",
    group: "contract",
    run: (context) =>
      withConnector(context, async (connector) => {
        equal(connector.specificationVersion, "v1", "specificationVersion");
        check(typeof connector.id === "string" && connector.id !== "", `id must be a non-empty string, got ${show(connector.id)}`);
        for (const method of ["emit", "log", "flush", "trace"]) hasMethod(connector, method, "an ObservabilityConnectorV1");
      }),
  },
  {
    name: "emit, log, flush and trace are fire-and-forget and never throw",
    group: "contract",
    run: (context) => withConnector(context, async (connector) => feed(connector)),
  },
  {
    name: "odd input (circular metadata, bigint, missing fields) never throws",
    group: "contract",
    run: (context) =>
      withConnector(context, async (connector) => {
        const circular: Record<string, unknown> = { big: 10n, when: new Date(now), error: new Error("inner") };
        circular.self = circular;
        fireAndForget("trace() with circular metadata", () => connector.trace({ severity: "error", timestamp: now, component: "mesh", message: "odd", metadata: circular }));
        fireAndForget("emit() of an incomplete event", () => connector.emit({ type: "rotation" } as unknown as MeshEvent));
        fireAndForget("log() of an incomplete entry", () => connector.log({} as RequestLogEntry));
        fireAndForget("flush() of no scopes", () => connector.flush({}));
      }),
  },
  {
    name: "a writing connector writes what it receives, every event type identifiable",
    group: "output",
    run: (context) =>
      withConnector(context, async (connector) => {
        if (!context.output) throw new ConformanceSkip("no output reader given");
        feed(connector);
        const written = await within(Promise.resolve(context.output(connector)), 5_000, "reading the output");
        check(typeof written === "string" && written.length > 0, "nothing was written");
        check(written.includes("req-1"), `the output must carry the request id of the events, got ${show(written)}`);
        for (const event of sampleEvents()) check(written.includes(event.type), `the output must identify every event it received; ${show(event.type)} is missing`);
      }),
  },
  {
    name: "secrets in events, messages and trace metadata are never written",
    group: "output",
    run: (context) =>
      withConnector(context, async (connector) => {
        if (!context.output) throw new ConformanceSkip("no output reader given");
        feed(connector);
        const written = await within(Promise.resolve(context.output(connector)), 5_000, "reading the output");
        check(!written.includes(PLANTED_SECRET), "a planted secret was written verbatim");
        check(!written.includes(PLANTED_SECRET.slice(8)), "the tail of a planted secret was written");
      }),
  },
  {
    name: "close() is idempotent",
    group: "optional",
    run: async (context) => {
      const connector = await context.create();
      if (typeof connector.close !== "function") throw new ConformanceSkip("the connector has no close()");
      await within(connector.close(), 5_000, "close()");
      await within(connector.close(), 5_000, "a second close()");
    },
  },
];

/** The observability suite. */
export const observabilityConformance: ConformanceSuite<ObservabilityConformanceOptions, ObservabilityCheckContext> = {
  kind: "observability",
  checks: observabilityConformanceChecks,
  capabilities: () => ({}),
  async setup(options) {
    return { context: { create: async () => options.create(), ...(options.output ? { output: options.output } : {}) }, close: async () => {} };
  },
};

/**
 * Registers the observability conformance suite in the current vitest file.
 * @example
 * const lines: string[] = [];
 * describeObservabilityConformance("ConsoleObservability", {
 *   create: () => new ConsoleObservability({ write: (line) => lines.push(line) }),
 *   output: () => lines.join("\n"),
 * });
 */
export function describeObservabilityConformance(name: string, options: ObservabilityConformanceOptions): void {
  describeConformance(observabilityConformance, name, options);
}
