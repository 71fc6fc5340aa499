/**
 * Benchmark P3 (issue 7): throughput at saturation, the ModelMesh proxy against the Portkey gateway and a
 * bare pass-through proxy, side by side in one run (docs/ARCHITECTURE.md §3).
 *
 * For each side, `concurrency` closed-loop workers share an undici Pool of as many keep-alive connections
 * and send non-streamed chat completions back to back for `durationMs` (autocannon's model, in-process). The
 * sides take turns in interleaved rounds with a rotating order, after a warm-up each; a side's figure is the
 * median of its per-round rates. Only 200 answers count; anything else is reported as errors. Every loop is
 * bounded by time and by a request cap, and all traffic stays on 127.0.0.1.
 */
import { cpus } from "node:os";
import { Pool } from "undici";
import { checkAnswer, startTargets, type StartTargetsOptions, type Target, type TargetId } from "./p2-targets.js";
import { median, round } from "./stats.js";

/** Options of {@link runP3}. */
export interface P3Options extends StartTargetsOptions {
  /** Concurrent clients (and pool connections). Default 64. */
  concurrency?: number;
  /** Measured time per side per round, ms. Default 5000. */
  durationMs?: number;
  /** Rounds. Default 3. */
  rounds?: number;
  /** Warm-up per side before the first round, ms (the servers JIT-compile their hot paths meanwhile). Default 3000. */
  warmupMs?: number;
  /** Hard cap on requests per side per window (a bound besides time). Default 1,000,000. */
  maxRequests?: number;
  onRound?: (round: P3Round) => void;
}

/** One window of load on one side. */
export interface P3Window {
  /** Successful (200) requests per second. */
  rps: number;
  ok: number;
  errors: number;
  /** Latency percentiles of the successful requests, ms. */
  p50Ms: number;
  p99Ms: number;
  /** Actual window length, ms. */
  elapsedMs: number;
}

/** One round: a window per side. */
export interface P3Round {
  round: number;
  order: TargetId[];
  windows: Partial<Record<TargetId, P3Window>>;
}

/** One side's figures. */
export interface P3Side {
  name: string;
  /** Median of the per-round rates, req/s. */
  rps: number;
  roundRps: number[];
  /** Median p50 / p99 latency over the rounds, ms. */
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** What {@link runP3} resolves with (and `results/p3.json` holds). */
export interface P3Result {
  benchmark: "P3";
  description: string;
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: { concurrency: number; durationMs: number; rounds: number; warmupMs: number; isolation: string; pinned: boolean };
  sides: Partial<Record<TargetId, P3Side>>;
  /** modelmesh.rps / portkey.rps. Target ≥ 3. */
  ratioModelMeshToPortkey?: number;
  /** modelmesh.rps / passThrough.rps (1 = as fast as doing nothing). */
  ratioModelMeshToPassThrough?: number;
  /** passThrough.rps / direct.rps: what any extra Node hop costs on this machine. */
  ratioPassThroughToDirect?: number;
  target: { ratioModelMeshToPortkeyAtLeast: number; met?: boolean };
}

/** Issue 7's target: at least three times Portkey's throughput. */
export const P3_TARGET_RATIO = 3;

/** Runs closed-loop load on one side for `durationMs`. */
export async function loadWindow(pool: Pool, target: Target, concurrency: number, durationMs: number, maxRequests = 1_000_000): Promise<P3Window> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const options = { method: "POST" as const, path: target.path, headers: target.headers, body: target.body };
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline && issued < maxRequests) {
      issued++;
      const t0 = performance.now();
      try {
        const response = await pool.request(options);
        await response.body.dump({ limit: 1 << 20 });
        if (response.statusCode === 200) latencies.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : 0);
  return { rps: (latencies.length * 1000) / elapsedMs, ok: latencies.length, errors, p50Ms: at(0.5), p99Ms: at(0.99), elapsedMs };
}

/**
 * Runs P3: starts the sides, checks each answers correctly, warms each up, runs interleaved rounds of load,
 * stops everything.
 * @example
 * const result = await runP3({ concurrency: 64, durationMs: 5000, rounds: 3 });
 * console.log(result.sides.modelmesh?.rps, result.ratioModelMeshToPortkey);
 */
export async function runP3(options: P3Options = {}): Promise<P3Result> {
  const concurrency = options.concurrency ?? 64;
  const durationMs = options.durationMs ?? 5000;
  const rounds = options.rounds ?? 3;
  const warmupMs = options.warmupMs ?? 3000;
  const maxRequests = options.maxRequests ?? 1_000_000;
  const set = await startTargets(options);
  const pools = new Map(set.targets.map((t) => [t.id, new Pool(t.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 })]));
  try {
    for (const target of set.targets) {
      const response = await pools.get(target.id)!.request({ method: "POST", path: target.path, headers: target.headers, body: target.body });
      checkAnswer(target, response.statusCode, await response.body.text());
      if (warmupMs > 0) await loadWindow(pools.get(target.id)!, target, concurrency, warmupMs, maxRequests);
    }
    const perRound: P3Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % set.targets.length;
      const order = [...set.targets.slice(shift), ...set.targets.slice(0, shift)];
      const windows: Partial<Record<TargetId, P3Window>> = {};
      for (const target of order) {
        windows[target.id] = await loadWindow(pools.get(target.id)!, target, concurrency, durationMs, maxRequests);
      }
      const entry: P3Round = { round: r, order: order.map((t) => t.id), windows };
      perRound.push(entry);
      options.onRound?.(entry);
    }

    const sides: Partial<Record<TargetId, P3Side>> = {};
    const rps = (id: TargetId) => median(perRound.map((r) => r.windows[id]!.rps));
    for (const target of set.targets) {
      const id = target.id;
      const windows = perRound.map((r) => r.windows[id]!);
      sides[id] = {
        name: target.name,
        rps: round(rps(id)),
        roundRps: windows.map((w) => round(w.rps)),
        p50Ms: round(median(windows.map((w) => w.p50Ms)), 2),
        p99Ms: round(median(windows.map((w) => w.p99Ms)), 2),
        errors: windows.reduce((sum, w) => sum + w.errors, 0),
      };
    }
    const ratio = (a: TargetId, b: TargetId) => (sides[a] && sides[b] && rps(b) > 0 ? round(rps(a) / rps(b), 3) : undefined);
    const vsPortkey = ratio("modelmesh", "portkey");
    return {
      benchmark: "P3",
      description: `Throughput at saturation: ${concurrency} closed-loop clients on an undici Pool of ${concurrency} keep-alive connections per side, non-streamed chat completions, every server in its own process, interleaved rounds with rotating order, median of per-round req/s (200s only)`,
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
      settings: { concurrency, durationMs, rounds, warmupMs, isolation: options.isolation ?? "process", pinned: options.pin === true },
      sides,
      ratioModelMeshToPortkey: vsPortkey,
      ratioModelMeshToPassThrough: ratio("modelmesh", "passThrough"),
      ratioPassThroughToDirect: ratio("passThrough", "direct"),
      target: { ratioModelMeshToPortkeyAtLeast: P3_TARGET_RATIO, met: vsPortkey === undefined ? undefined : vsPortkey >= P3_TARGET_RATIO },
    };
  } finally {
    for (const pool of pools.values()) await pool.close().catch(() => {});
    await set.close();
  }
}
