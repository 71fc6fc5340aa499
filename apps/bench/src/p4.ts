/**
 * Benchmark P4 (issue 11, "Proxy hardening"): the memory an idle stream costs the ModelMesh proxy, against a
 * bare pass-through proxy (apps/bench/src/p3-pass-through.ts) measured side by side in the same run. Target:
 * at most 40 KB of RSS per idle stream at 10,000 concurrent streams.
 *
 * Every part runs in a process of its own (apps/bench/src/p2-servers.ts), so only the proxy's memory is
 * counted: the upstream (apps/bench/src/p4-upstream.ts) answers each streamed chat completion with one
 * chunk and then holds the stream open, pinging it with an SSE comment every `pingMs`; the load generator
 * (apps/bench/src/p4-load.ts) opens the streams, one connection each, waits for each first chunk and holds
 * them. The ModelMesh proxy is configured so nothing ends an idle stream during the run
 * (`routing.timeouts.idle: 10m`, a 1 h deadline) and its connection and stream caps (`proxy.limits.*`,
 * apps/proxy/src/limits.ts) lie above 10,000. Its transport caps the sockets it opens to one upstream origin
 * (packages/cdk/src/transport/undici-transport.ts, not configurable from the proxy config), and each held
 * stream keeps its socket: the upstream therefore listens on enough ports for the largest count, each port a
 * provider with a pool of its own that the load generator takes in turn (`p4ModelMeshConfig`). The
 * pass-through uses one port (its undici Pool has no such cap).
 *
 * For each side, in rounds with a rotating side order, a fresh proxy process is started and warmed up (a
 * batch of streams opened and closed), then measured at baseline (no stream) and after each step of a ramp
 * of held streams (`counts`, ascending: each step opens the difference). A measurement waits `settleMs`,
 * runs a full GC in the proxy (children run with --expose-gc; the request goes over IPC), then reads the
 * proxy's VmRSS from /proc/<pid>/status and its open file descriptors from /proc/<pid>/fd; the proxy also
 * reports its `process.memoryUsage()` split (V8 heap, external, array buffers). The figure of a step is
 * (RSS_N − RSS_0) / N in KB (1,024 bytes) per stream; a side's figure is the median over rounds, and the
 * ratio divides ModelMesh's by the pass-through's. Before every measurement the bench checks that the streams
 * are really held: every one got its first chunk, none ended or failed, and the upstream has as many open.
 *
 * File descriptors: a held stream costs the proxy two (client socket and upstream socket). Counts that do not
 * fit the proxy's open-file limit (read from /proc/<pid>/limits) are lowered to the largest multiple of 100
 * that fits and reported as such; the least-squares slope of RSS over the ramp extrapolates to 10,000.
 *
 * Costs that do not grow with the streams (an undici pool per upstream origin, created again after the
 * warm-up's streams closed) are spread over the count, so small counts read higher; the figure that matters
 * is the largest count's. With `isolation: "in-process"` (the harness test) every part shares the test's
 * process and the figures count all of them: only the functional facts mean anything there.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { spawnServer, type ServerProcess } from "./p2-servers.js";
import { BENCH_POOL, BENCH_PROXY_TOKEN, BENCH_UPSTREAM_KEY, modelmeshBenchConfig } from "./p2-targets.js";
import { startPassThrough } from "./p3-pass-through.js";
import { createStreamLoad, type LoadStatus, type OpenResult, type StreamTarget } from "./p4-load.js";
import { startStreamingUpstream, type UpstreamStats } from "./p4-upstream.js";
import { median, round } from "./stats.js";
import { UPSTREAM_MODEL } from "./upstream.js";

/** The proxies P4 compares. */
export type P4SideId = "modelmesh" | "passThrough";

/** Every side, in report order. */
export const P4_SIDE_IDS: readonly P4SideId[] = ["modelmesh", "passThrough"];

/** Issue 11's target: at most 40 KB of RSS per idle stream… */
export const P4_TARGET_KB_PER_STREAM = 40;
/** …at 10,000 concurrent streams. */
export const P4_TARGET_STREAMS = 10_000;

/** Connection and stream caps the bench configures, above the target's 10,000 streams. */
export const P4_CONNECTION_CAP = 25_000;

/** File descriptors kept free besides the streams' (the runtime's own, the log pipes, IPC, listeners). */
const FD_MARGIN = 64;

/** Options of {@link runP4}. */
export interface P4Options {
  /** Held-stream counts of the ramp, ascending after sorting. Default 1,000, 2,500, 5,000, 10,000. */
  counts?: number[];
  /** Rounds (a fresh proxy per side each). Default 2. */
  rounds?: number;
  /** Which sides. Default both. */
  sides?: P4SideId[];
  /** `"process"`: every part in a child process (default). `"in-process"`: all in this process (tests only: the figures then count everything). */
  isolation?: "process" | "in-process";
  /** Streams opened and closed on each fresh proxy before its baseline. Default 200. */
  warmupStreams?: number;
  /** Openings in flight at once. Default 200. */
  concurrency?: number;
  /** Wait after a ramp step before the GC and the reading, ms. Default 1000. */
  settleMs?: number;
  /** Upstream SSE comment ping interval, ms (0: none). Default 10,000. */
  pingMs?: number;
  /** Time a stream may take to deliver its first chunk, ms. Default 30,000. */
  openTimeoutMs?: number;
  /**
   * Upstream origins (ports) the ModelMesh proxy spreads its streams over. Default: enough for the largest
   * count under the proxy's per-origin socket cap ({@link modelmeshSocketsPerOrigin}), with 10 % headroom.
   */
  origins?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Called after each side's ramp. */
  onRamp?: (ramp: P4Ramp) => void;
}

/** The proxy process's memory at one moment (after a full GC when exposed). */
export interface P4Memory {
  /** VmRSS from /proc/<pid>/status (the process's own `memoryUsage().rss` where /proc is missing). */
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Open file descriptors (undefined without /proc). */
  fds?: number;
  /** Whether a full GC ran before the reading (the proxy runs with --expose-gc). */
  gc: boolean;
}

/** What the bench checked about the held streams at a measurement. */
export interface P4Held {
  /** Load generator: connections still open, first chunks received, responses ended, streams failed. */
  load: LoadStatus;
  /** Streams the upstream holds open. */
  upstreamOpen: number;
}

/** One step of a ramp: `streams` held. */
export interface P4Point extends P4Memory {
  streams: number;
  /** (RSS − baseline RSS) / streams, KB. */
  kbPerStream: number;
  /** The same for the V8 heap used, the V8 heap committed (`heapTotal`), external memory and array buffers, KB. */
  heapKbPerStream: number;
  heapTotalKbPerStream: number;
  externalKbPerStream: number;
  arrayBuffersKbPerStream: number;
  /** Time to open this step's new streams, ms. */
  openMs: number;
  held: P4Held;
}

/** One side's ramp in one round. */
export interface P4Ramp {
  round: number;
  side: P4SideId;
  /** Warmed up, no stream. */
  baseline: P4Memory;
  points: P4Point[];
  /** After every stream was closed (what stays retained). */
  afterClose: P4Memory;
  /** Least-squares slope of RSS over streams, baseline included, KB per stream. */
  slopeKbPerStream: number;
}

/** One side's figure at one count, over the rounds. */
export interface P4SideCount {
  streams: number;
  /** Median over rounds of (RSS_N − RSS_0) / N, KB. */
  kbPerStream: number;
  roundKbPerStream: number[];
  heapKbPerStream: number;
  heapTotalKbPerStream: number;
  externalKbPerStream: number;
  arrayBuffersKbPerStream: number;
  /** Median over rounds of the proxy's RSS, MB. */
  rssMb: number;
  /** Median over rounds of the proxy's open file descriptors (two per stream expected). */
  fds?: number;
}

/** One side's figures. */
export interface P4Side {
  name: string;
  /** Median baseline RSS, MB. */
  baselineRssMb: number;
  counts: P4SideCount[];
  /** Median over rounds of the ramp slope, KB per stream. */
  slopeKbPerStream: number;
  /** Median over rounds of (RSS after close − baseline) / largest count, KB per stream (RSS rarely shrinks back). */
  retainedKbPerStream: number;
  /** The same for the V8 heap used: what stays reachable once every stream is closed. */
  retainedHeapKbPerStream: number;
}

/** What {@link runP4} resolves with (and `results/p4.json` holds). */
export interface P4Result {
  benchmark: "P4";
  description: string;
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: {
    requestedCounts: number[];
    counts: number[];
    rounds: number;
    warmupStreams: number;
    concurrency: number;
    settleMs: number;
    pingMs: number;
    isolation: string;
    /** Upstream origins ModelMesh spreads the streams over (a provider and a pool each); the pass-through uses the first. */
    modelmeshOrigins: number;
    /** ModelMesh's upstream socket cap per origin, when its transport has one. */
    modelmeshSocketsPerOrigin?: number;
    modelmeshLimits: Record<string, unknown>;
    modelmeshRouting: Record<string, unknown>;
  };
  /** The proxy's file-descriptor budget and whether it lowered a count. */
  fdBudget: { limit?: number; baselineFds?: number; fdsPerStream: number; maxStreams?: number; lowered: Array<{ requested: number; measured: number }> };
  /** What the upstream saw over the run: streams started, SSE comment pings written to held streams. */
  upstream: { started: number; pings: number };
  sides: Partial<Record<P4SideId, P4Side>>;
  /** modelmesh / passThrough KB per stream, per count. */
  ratioModelMeshToPassThrough: Array<{ streams: number; ratio: number; addedKbPerStream: number }>;
  ramps: P4Ramp[];
  /** The figure: ModelMesh at the largest count measured. */
  headline?: {
    streams: number;
    kbPerStream: number;
    slopeKbPerStream: number;
    /** Set when the largest count is below 10,000: baseline + slope × 10,000, MB. */
    extrapolatedRssMbAtTarget?: number;
  };
  target: { kbPerStreamAtMost: number; streams: number; met?: boolean };
}

/** The `proxy.limits` P4 sets: every connection and stream cap above the target's 10,000 streams. */
export const P4_PROXY_LIMITS = { max_connections: P4_CONNECTION_CAP, max_connections_per_ip: P4_CONNECTION_CAP, max_concurrent_streams: P4_CONNECTION_CAP };
/** The `routing` P4 sets: nothing ends an idle stream during a run. */
export const P4_ROUTING = { deadline: "1h", timeouts: { idle: "10m" } };

/**
 * The ModelMesh config of P4: the benches' one provider, one pool, one token (apps/bench/src/p2-targets.ts),
 * plus the limits and routing above. With several upstream origins, each origin is a provider of its own
 * (`local1`…) with a pool of its own (`chat1`…, that provider's model only), and the load generator takes the
 * pools in turn: every request still routes over exactly one candidate, as with one provider, and each origin
 * gets an equal share of the streams.
 */
export function p4ModelMeshConfig(upstreamBaseUrls: readonly string[]): Record<string, unknown> {
  if (upstreamBaseUrls.length === 0) throw new RangeError("[modelmesh] [bench] P4 needs an upstream URL");
  const base = modelmeshBenchConfig(upstreamBaseUrls[0]!);
  const proxy = { ...(base.proxy as Record<string, unknown>), limits: P4_PROXY_LIMITS };
  if (upstreamBaseUrls.length === 1) return { ...base, proxy, routing: P4_ROUTING };
  const providers: Record<string, unknown> = {};
  const pools: Record<string, unknown> = {};
  upstreamBaseUrls.forEach((url, i) => {
    providers[`local${i + 1}`] = {
      connector: "openai-compatible",
      config: { base_url: url, api_key: BENCH_UPSTREAM_KEY },
      models: [{ id: UPSTREAM_MODEL, capabilities: ["chat-completion"] }],
    };
    pools[p4PoolNames(upstreamBaseUrls.length)[i]!] = { capability: "chat-completion", providers: [`local${i + 1}`] };
  });
  return { proxy, providers, pools, routing: P4_ROUTING };
}

/** The pools of {@link p4ModelMeshConfig} for `origins` upstream origins. */
export function p4PoolNames(origins: number): string[] {
  return origins === 1 ? [BENCH_POOL] : Array.from({ length: origins }, (_, i) => `${BENCH_POOL}${i + 1}`);
}

/**
 * The ModelMesh proxy's cap on upstream sockets per origin (`DEFAULT_CONNECTIONS_PER_ORIGIN` of
 * packages/cdk/src/transport/undici-transport.ts, not configurable from the proxy's config), or undefined
 * when the built transport has none. A held stream keeps its upstream socket, so an origin serves at most
 * this many held streams; beyond it requests queue.
 */
export async function modelmeshSocketsPerOrigin(): Promise<number | undefined> {
  const cdk = (await import("@modelmesh/cdk/node")) as { DEFAULT_CONNECTIONS_PER_ORIGIN?: unknown };
  const cap = cdk.DEFAULT_CONNECTIONS_PER_ORIGIN;
  return typeof cap === "number" && Number.isFinite(cap) && cap > 0 ? cap : undefined;
}

/** How many upstream origins hold `streams` under a per-origin socket cap, with 10 % headroom. */
export function originsFor(streams: number, perOrigin: number | undefined): number {
  return perOrigin === undefined ? 1 : Math.max(1, Math.ceil((streams * 1.1) / perOrigin));
}

/**
 * The requests each side gets: a streamed chat completion. ModelMesh is asked for its pools in turn, with its
 * token; the pass-through forwards the upstream model name.
 */
export function p4Target(side: P4SideId, origin: string, origins = 1): StreamTarget {
  const messages = [{ role: "user", content: "ping" }];
  const body = (model: string) => JSON.stringify({ model, messages, stream: true });
  return side === "modelmesh"
    ? { origin, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_PROXY_TOKEN}` }, bodies: p4PoolNames(origins).map(body) }
    : { origin, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_UPSTREAM_KEY}` }, bodies: [body(UPSTREAM_MODEL)] };
}

const SIDE_NAMES: Record<P4SideId, string> = {
  modelmesh: "ModelMesh proxy (bearer auth, one candidate per request)",
  passThrough: "bare pass-through (node:http + undici Pool)",
};

// ---------------------------------------------------------------------------------------------------------
// The parts, and what each answers over IPC (or directly, in-process).

/** The roles of P4's parts. */
export type P4Role = "upstream" | "modelmesh" | "pass-through" | "load";

/** A started part: its URL and the operations it answers. */
export interface P4RoleHandle {
  url: string;
  ops: Record<string, (arg: unknown) => unknown>;
  close(): Promise<unknown>;
}

/** Full GC (twice, letting finalizers run between) when exposed, then `process.memoryUsage()`. */
export async function ownMemory(): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; gc: boolean }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: gc !== undefined };
}

/**
 * Starts one part in this process (the child entry, apps/bench/src/p4-child.ts, calls this too). Arguments:
 * `upstream <pingMs> <origins>`; `modelmesh <upstream base URLs, comma-separated>`; `pass-through <upstream
 * base URL>`; `load`.
 */
export async function startRole(role: P4Role, args: readonly string[], options: { quiet?: boolean } = {}): Promise<P4RoleHandle> {
  const memory = () => ownMemory();
  switch (role) {
    case "upstream": {
      const upstream = await startStreamingUpstream({ pingMs: Number(args[0] ?? 10_000), origins: Number(args[1] ?? 1) });
      return { url: upstream.url, ops: { memory, stats: () => upstream.stats(), urls: () => upstream.urls }, close: () => upstream.close() };
    }
    case "modelmesh": {
      const { startProxy } = await import("@modelmesh/proxy/server");
      const config = p4ModelMeshConfig(need(role, args[0]).split(","));
      const proxy = await startProxy({ config, port: 0, host: "127.0.0.1", env: {}, ...(options.quiet ? { log: () => {} } : {}) });
      return { url: proxy.url, ops: { memory }, close: () => proxy.close() };
    }
    case "pass-through": {
      const proxy = await startPassThrough(new URL(need(role, args[0])).origin, { connections: P4_CONNECTION_CAP });
      return { url: proxy.origin, ops: { memory }, close: () => proxy.close() };
    }
    case "load": {
      const load = createStreamLoad();
      return {
        url: "",
        ops: {
          memory,
          open: (a) => {
            const { target, count, concurrency, timeoutMs } = a as { target: StreamTarget; count: number; concurrency: number; timeoutMs: number };
            return load.open(target, count, { concurrency, timeoutMs });
          },
          status: () => load.status(),
          closeAll: () => load.closeAll(),
        },
        close: () => load.closeAll(),
      };
    }
    default:
      throw new Error(`[modelmesh] [bench] unknown P4 role '${String(role)}': use upstream, modelmesh, pass-through or load`);
  }
}

function need(role: string, arg: string | undefined): string {
  if (!arg) throw new Error(`[modelmesh] [bench] P4 role '${role}' needs an upstream URL argument`);
  return arg;
}

/** A part as the bench drives it: by IPC in a child, or directly in-process. */
interface Part {
  name: string;
  url: string;
  pid: number;
  call<T>(op: string, arg?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface IpcReply {
  id: number;
  value?: unknown;
  error?: string;
}

const CHILD_ENTRY = fileURLToPath(new URL("./p4-child.js", import.meta.url));

function ipcPart(server: ServerProcess): Part {
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  server.child.on("message", (message: IpcReply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`[modelmesh] [bench] ${server.name}: ${message.error}`));
    else waiter.resolve(message.value);
  });
  server.child.once("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`[modelmesh] [bench] ${server.name} exited (code ${code}, signal ${signal}). Its output:\n${server.output()}`));
    pending.clear();
  });
  return {
    name: server.name,
    url: server.url,
    pid: server.child.pid!,
    call<T>(op: string, arg?: unknown): Promise<T> {
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        server.child.send({ id, op, arg });
      });
    },
    stop: () => server.stop(),
  };
}

async function startPart(isolation: "process" | "in-process", role: P4Role, args: string[] = []): Promise<Part> {
  if (isolation === "process") {
    // Only the proxies are measured; they run with an exposed GC so a reading follows a full collection.
    const flags = role === "modelmesh" || role === "pass-through" ? ["--expose-gc"] : [];
    const server = await spawnServer({ name: role, command: process.execPath, args: [...flags, CHILD_ENTRY, role, ...args], ready: "json-line", ipc: true });
    return ipcPart(server);
  }
  const handle = await startRole(role, args, { quiet: true });
  return {
    name: role,
    url: handle.url,
    pid: process.pid,
    call: async <T>(op: string, a?: unknown) => {
      const fn = handle.ops[op];
      if (!fn) throw new Error(`[modelmesh] [bench] ${role} has no operation '${op}'`);
      return (await fn(a)) as T;
    },
    stop: async () => {
      await handle.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// /proc readings.

/** VmRSS of a process in bytes, from /proc/<pid>/status; undefined without /proc. */
export function vmRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a process, from /proc/<pid>/fd; undefined without /proc. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft open-file limit of a process, from /proc/<pid>/limits; undefined without /proc or when unlimited. */
export function fdLimit(pid: number): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)\s+/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return match && match[1] !== "unlimited" ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The counts a ramp can reach: each requested count that needs more descriptors than the limit leaves is
 * lowered to the largest multiple of 100 that fits (or to the exact fit below 100). Sorted, without repeats.
 */
export function planCounts(requested: readonly number[], budget: { limit?: number; baselineFds?: number; fdsPerStream: number }): { counts: number[]; maxStreams?: number; lowered: Array<{ requested: number; measured: number }> } {
  const sorted = [...new Set(requested)].sort((a, b) => a - b);
  if (budget.limit === undefined || budget.baselineFds === undefined) return { counts: sorted, lowered: [] };
  const exact = Math.floor((budget.limit - budget.baselineFds - FD_MARGIN) / budget.fdsPerStream);
  if (exact < 1) throw new Error(`[modelmesh] [bench] the open-file limit (${budget.limit}) leaves no room for a stream`);
  const maxStreams = exact >= 100 ? Math.floor(exact / 100) * 100 : exact;
  const lowered: Array<{ requested: number; measured: number }> = [];
  const counts = new Set<number>();
  for (const count of sorted) {
    if (count <= maxStreams) counts.add(count);
    else {
      lowered.push({ requested: count, measured: maxStreams });
      counts.add(maxStreams);
    }
  }
  return { counts: [...counts].sort((a, b) => a - b), maxStreams, lowered };
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) throw new RangeError("[modelmesh] [bench] a slope needs two points");
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  if (den === 0) throw new RangeError("[modelmesh] [bench] a slope needs two distinct x values");
  return num / den;
}

async function measure(proxy: Part): Promise<P4Memory> {
  const own = await proxy.call<Awaited<ReturnType<typeof ownMemory>>>("memory");
  const fds = openFds(proxy.pid);
  return {
    rssBytes: vmRssBytes(proxy.pid) ?? own.rss,
    heapUsedBytes: own.heapUsed,
    heapTotalBytes: own.heapTotal,
    externalBytes: own.external,
    arrayBuffersBytes: own.arrayBuffers,
    ...(fds !== undefined ? { fds } : {}),
    gc: own.gc,
  };
}

const KB = 1024;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForUpstream(upstream: Part, open: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await upstream.call<UpstreamStats>("stats");
    if (stats.open === open) return;
    if (Date.now() > deadline) throw new Error(`[modelmesh] [bench] the upstream still holds ${stats.open} streams, expected ${open}`);
    await sleep(100);
  }
}

/** A reading of streams that are not all held (open, past their first chunk, not ended, held upstream) means nothing. */
export function checkHeld(side: P4SideId, streams: number, held: P4Held): void {
  const l = held.load;
  if (l.open !== streams || l.firstChunks !== streams || l.ended !== 0 || l.failed !== 0 || held.upstreamOpen !== streams) {
    throw new Error(`[modelmesh] [bench] ${side}: ${streams} streams should be held, found ${JSON.stringify(held)}`);
  }
}

function openFailure(side: P4SideId, result: OpenResult): Error {
  const reasons = Object.entries(result.failures).map(([reason, n]) => `${reason} ×${n}`).join("; ");
  return new Error(`[modelmesh] [bench] ${side}: ${result.requested - result.opened} of ${result.requested} streams did not open (${reasons})`);
}

/**
 * Runs P4: starts the upstream and the load generator, then per round and side a fresh proxy, its warm-up,
 * baseline and ramp; stops everything.
 * @example
 * const result = await runP4({ counts: [1000, 5000, 10000], rounds: 2 });
 * console.log(result.headline?.kbPerStream, result.ratioModelMeshToPassThrough);
 */
export async function runP4(options: P4Options = {}): Promise<P4Result> {
  const requestedCounts = options.counts ?? [1000, 2500, 5000, P4_TARGET_STREAMS];
  const rounds = options.rounds ?? 2;
  const sides = options.sides ?? [...P4_SIDE_IDS];
  const isolation = options.isolation ?? "process";
  const warmupStreams = options.warmupStreams ?? 200;
  const concurrency = options.concurrency ?? 200;
  const settleMs = options.settleMs ?? 1000;
  const pingMs = options.pingMs ?? 10_000;
  const openTimeoutMs = options.openTimeoutMs ?? 30_000;
  const log = options.log ?? (() => {});
  if (requestedCounts.length === 0 || requestedCounts.some((c) => !Number.isInteger(c) || c <= 0)) throw new RangeError("[modelmesh] [bench] P4 counts must be positive integers");
  if (sides.length === 0) throw new RangeError("[modelmesh] [bench] P4 needs at least one side");
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError("[modelmesh] [bench] P4 needs at least one round");
  const perOrigin = await modelmeshSocketsPerOrigin();
  const origins = options.origins ?? originsFor(Math.max(...requestedCounts), perOrigin);

  // In-process, one process holds both ends of every socket: four descriptors per stream.
  const fdsPerStream = isolation === "process" ? 2 : 4;
  const stops: Array<() => Promise<void>> = [];
  const ramps: P4Ramp[] = [];
  let plan: ReturnType<typeof planCounts> | undefined;
  let budget: P4Result["fdBudget"] = { fdsPerStream, lowered: [] };
  let upstreamTotals: P4Result["upstream"] = { started: 0, pings: 0 };
  try {
    const upstream = await startPart(isolation, "upstream", [String(pingMs), String(origins)]);
    stops.push(() => upstream.stop());
    const upstreamUrls = await upstream.call<string[]>("urls");
    const load = await startPart(isolation, "load");
    stops.push(() => load.stop());

    const open = async (side: P4SideId, target: StreamTarget, count: number): Promise<OpenResult> => {
      const result = await load.call<OpenResult>("open", { target, count, concurrency, timeoutMs: openTimeoutMs });
      if (result.opened !== result.requested) throw openFailure(side, result);
      return result;
    };
    const closeAll = async () => {
      await load.call("closeAll");
      await waitForUpstream(upstream, 0);
    };

    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      for (const side of order) {
        const proxy = await startPart(isolation, side === "modelmesh" ? "modelmesh" : "pass-through", side === "modelmesh" ? [upstreamUrls.join(",")] : [upstreamUrls[0]!]);
        try {
          const target = p4Target(side, proxy.url, origins);
          if (warmupStreams > 0) {
            await open(side, target, warmupStreams);
            await closeAll();
          }
          await sleep(settleMs);
          const baseline = await measure(proxy);
          if (!plan) {
            budget = { limit: fdLimit(proxy.pid), baselineFds: baseline.fds, fdsPerStream, lowered: [] };
            plan = planCounts(requestedCounts, budget);
            budget = { ...budget, ...(plan.maxStreams !== undefined ? { maxStreams: plan.maxStreams } : {}), lowered: plan.lowered };
            for (const l of plan.lowered) log(`${l.requested} streams need ${l.requested * fdsPerStream + (budget.baselineFds ?? 0)} file descriptors in the proxy, over its limit of ${budget.limit}: measuring ${l.measured} instead`);
          }
          const points: P4Point[] = [];
          let heldCount = 0;
          for (const streams of plan.counts) {
            const opened = await open(side, target, streams - heldCount);
            heldCount = streams;
            await sleep(settleMs);
            const memory = await measure(proxy);
            const held: P4Held = { load: await load.call<LoadStatus>("status"), upstreamOpen: (await upstream.call<UpstreamStats>("stats")).open };
            checkHeld(side, streams, held);
            const per = (now: number, before: number) => round((now - before) / streams / KB, 2);
            const point: P4Point = {
              streams,
              ...memory,
              kbPerStream: per(memory.rssBytes, baseline.rssBytes),
              heapKbPerStream: per(memory.heapUsedBytes, baseline.heapUsedBytes),
              heapTotalKbPerStream: per(memory.heapTotalBytes, baseline.heapTotalBytes),
              externalKbPerStream: per(memory.externalBytes, baseline.externalBytes),
              arrayBuffersKbPerStream: per(memory.arrayBuffersBytes, baseline.arrayBuffersBytes),
              openMs: round(opened.elapsedMs),
              held,
            };
            points.push(point);
            log(`round ${r} ${side}: ${streams} streams held · RSS ${(memory.rssBytes / MB).toFixed(1)} MB · ${point.kbPerStream.toFixed(1)} KB/stream · ${memory.fds ?? "?"} fds · opened in ${(opened.elapsedMs / 1000).toFixed(1)} s`);
          }
          await closeAll();
          await sleep(settleMs);
          const afterClose = await measure(proxy);
          const ramp: P4Ramp = {
            round: r,
            side,
            baseline,
            points,
            afterClose,
            slopeKbPerStream: round(slope([{ x: 0, y: baseline.rssBytes }, ...points.map((p) => ({ x: p.streams, y: p.rssBytes }))]) / KB, 2),
          };
          ramps.push(ramp);
          options.onRamp?.(ramp);
        } finally {
          await proxy.stop();
        }
      }
    }
    const { started, pings } = await upstream.call<UpstreamStats>("stats");
    upstreamTotals = { started, pings };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }

  const counts = plan!.counts;
  const sideFigures: Partial<Record<P4SideId, P4Side>> = {};
  for (const side of sides) {
    const own = ramps.filter((r) => r.side === side);
    const at = (streams: number) => own.map((r) => r.points.find((p) => p.streams === streams)!);
    const largest = counts[counts.length - 1]!;
    sideFigures[side] = {
      name: SIDE_NAMES[side],
      baselineRssMb: round(median(own.map((r) => r.baseline.rssBytes)) / MB, 1),
      counts: counts.map((streams) => {
        const points = at(streams);
        const fds = points.map((p) => p.fds).filter((f): f is number => f !== undefined);
        return {
          streams,
          kbPerStream: round(median(points.map((p) => p.kbPerStream)), 2),
          roundKbPerStream: points.map((p) => p.kbPerStream),
          heapKbPerStream: round(median(points.map((p) => p.heapKbPerStream)), 2),
          heapTotalKbPerStream: round(median(points.map((p) => p.heapTotalKbPerStream)), 2),
          externalKbPerStream: round(median(points.map((p) => p.externalKbPerStream)), 2),
          arrayBuffersKbPerStream: round(median(points.map((p) => p.arrayBuffersKbPerStream)), 2),
          rssMb: round(median(points.map((p) => p.rssBytes)) / MB, 1),
          ...(fds.length > 0 ? { fds: median(fds) } : {}),
        };
      }),
      slopeKbPerStream: round(median(own.map((r) => r.slopeKbPerStream)), 2),
      retainedKbPerStream: round(median(own.map((r) => (r.afterClose.rssBytes - r.baseline.rssBytes) / largest / KB)), 2),
      retainedHeapKbPerStream: round(median(own.map((r) => (r.afterClose.heapUsedBytes - r.baseline.heapUsedBytes) / largest / KB)), 2),
    };
  }
  const mm = sideFigures.modelmesh;
  const pt = sideFigures.passThrough;
  const ratios =
    mm && pt
      ? counts.map((streams, i) => ({
          streams,
          ratio: round(mm.counts[i]!.kbPerStream / pt.counts[i]!.kbPerStream, 3),
          addedKbPerStream: round(mm.counts[i]!.kbPerStream - pt.counts[i]!.kbPerStream, 2),
        }))
      : [];
  const last = mm?.counts[mm.counts.length - 1];
  const headline =
    mm && last
      ? {
          streams: last.streams,
          kbPerStream: last.kbPerStream,
          slopeKbPerStream: mm.slopeKbPerStream,
          ...(last.streams < P4_TARGET_STREAMS ? { extrapolatedRssMbAtTarget: round(mm.baselineRssMb + (mm.slopeKbPerStream * P4_TARGET_STREAMS) / 1024, 1) } : {}),
        }
      : undefined;
  return {
    benchmark: "P4",
    description: `Idle streams: RSS of the proxy process (VmRSS after a full GC) at baseline and with N streams held idle after one chunk each (one connection per stream, upstream pinging every ${pingMs} ms), every part in its own process; (RSS_N − RSS_0) / N in KB, median over rounds, ModelMesh vs a bare node:http + undici pass-through in the same run`,
    date: new Date().toISOString(),
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
    settings: { requestedCounts: [...requestedCounts], counts, rounds, warmupStreams, concurrency, settleMs, pingMs, isolation, modelmeshOrigins: origins, ...(perOrigin !== undefined ? { modelmeshSocketsPerOrigin: perOrigin } : {}), modelmeshLimits: P4_PROXY_LIMITS, modelmeshRouting: P4_ROUTING },
    fdBudget: budget,
    upstream: upstreamTotals,
    sides: sideFigures,
    ratioModelMeshToPassThrough: ratios,
    ramps,
    ...(headline ? { headline } : {}),
    target: { kbPerStreamAtMost: P4_TARGET_KB_PER_STREAM, streams: P4_TARGET_STREAMS, met: headline ? headline.kbPerStream <= P4_TARGET_KB_PER_STREAM : undefined },
  };
}
