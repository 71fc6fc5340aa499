/**
 * Benchmark P2 (issue 7): the per-request overhead a proxy adds, the ModelMesh proxy against the Portkey
 * gateway, measured side by side in one run (docs/ARCHITECTURE.md §3).
 *
 * One client (undici, one keep-alive connection per side) sends sequential non-streamed chat completions to
 * each side: the mock upstream directly (baseline), a bare pass-through proxy, the ModelMesh proxy and the
 * Portkey gateway, every server in its own process. Rounds are interleaved and the order rotates, so each side
 * goes first equally often; after a warm-up, a side's figure is the median of its round medians. "Added µs"
 * is a side's figure minus the baseline's, and the headline ratio is ModelMesh's added time over Portkey's
 * (target ≤ 1/5).
 */
import { cpus } from "node:os";
import { Client } from "undici";
import { checkAnswer, startTargets, type StartTargetsOptions, type Target, type TargetId } from "./p2-targets.js";
import { median, round, settle } from "./stats.js";

/** Options of {@link runP2}. */
export interface P2Options extends StartTargetsOptions {
  /** Measured rounds. Default 15. */
  rounds?: number;
  /** Sequential requests per side per round. Default 400. */
  requestsPerRound?: number;
  /** Warm-up requests per side (the servers JIT-compile their hot paths meanwhile). Default 2000. */
  warmup?: number;
  /** Called after each round. */
  onRound?: (round: P2Round) => void;
}

/** One measured round: median µs per request of each side. */
export interface P2Round {
  round: number;
  order: TargetId[];
  medians: Partial<Record<TargetId, number>>;
}

/** One side's figures. */
export interface P2Side {
  name: string;
  /** Median of round medians, µs per request. */
  medianUs: number;
  /** Minus the direct baseline (0 for the baseline). */
  addedUs: number;
  roundMediansUs: number[];
}

/** What {@link runP2} resolves with (and `results/p2.json` holds). */
export interface P2Result {
  benchmark: "P2";
  description: string;
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: { rounds: number; requestsPerRound: number; warmup: number; isolation: string; pinned: boolean };
  sides: Partial<Record<TargetId, P2Side>>;
  /** modelmesh.addedUs / portkey.addedUs, when both ran. Target ≤ 0.2. */
  ratioModelMeshToPortkey?: number;
  /** modelmesh.addedUs / passThrough.addedUs, when both ran. */
  ratioModelMeshToPassThrough?: number;
  target: { ratioModelMeshToPortkeyAtMost: number; met?: boolean };
}

/** Issue 7's target: ModelMesh adds at most a fifth of what Portkey adds. */
export const P2_TARGET_RATIO = 0.2;

/** A sequential caller for one side, on one keep-alive connection. */
export interface SideCaller {
  target: Target;
  /** Sends one request; resolves with the status and body text. */
  call(): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** Builds the caller P2 uses for a side. */
export function sideCaller(target: Target): SideCaller {
  const client = new Client(target.origin, { keepAliveTimeout: 60_000, pipelining: 1 });
  const options = { method: "POST" as const, path: target.path, headers: target.headers, body: target.body };
  return {
    target,
    async call() {
      const response = await client.request(options);
      return { status: response.statusCode, text: await response.body.text() };
    },
    close: () => client.close(),
  };
}

/** Times `count` sequential calls; µs each. A non-200 answer aborts the run (a failing side has no figure). */
export async function timeSequential(caller: SideCaller, count: number): Promise<number[]> {
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const { status, text } = await caller.call();
    samples[i] = Number(process.hrtime.bigint() - started) / 1000;
    if (status !== 200) checkAnswer(caller.target, status, text);
  }
  return samples;
}

/**
 * Runs P2: starts the sides, checks each answers correctly, warms up, measures interleaved rounds, stops
 * everything.
 * @example
 * const result = await runP2({ rounds: 15, requestsPerRound: 400 });
 * console.log(result.sides.modelmesh?.addedUs, result.ratioModelMeshToPortkey);
 */
export async function runP2(options: P2Options = {}): Promise<P2Result> {
  const rounds = options.rounds ?? 15;
  const requestsPerRound = options.requestsPerRound ?? 400;
  const warmup = options.warmup ?? 2000;
  const set = await startTargets(options);
  const callers = set.targets.map(sideCaller);
  try {
    for (const caller of callers) {
      const { status, text } = await caller.call();
      checkAnswer(caller.target, status, text);
    }
    for (let i = 0; i < warmup; i++) for (const caller of callers) await caller.call();

    const perRound: P2Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % callers.length;
      const order = [...callers.slice(shift), ...callers.slice(0, shift)];
      const medians: Partial<Record<TargetId, number>> = {};
      for (const caller of order) {
        await settle(() => caller.call());
        medians[caller.target.id] = median(await timeSequential(caller, requestsPerRound));
      }
      const entry: P2Round = { round: r, order: order.map((c) => c.target.id), medians };
      perRound.push(entry);
      options.onRound?.(entry);
    }

    const figure = (id: TargetId) => median(perRound.map((r) => r.medians[id]!));
    const baseline = figure("direct");
    const sides: Partial<Record<TargetId, P2Side>> = {};
    for (const caller of callers) {
      const id = caller.target.id;
      const value = figure(id);
      sides[id] = { name: caller.target.name, medianUs: round(value), addedUs: round(value - baseline), roundMediansUs: perRound.map((r) => round(r.medians[id]!)) };
    }
    const added = (id: TargetId) => (sides[id] ? figure(id) - baseline : undefined);
    const mm = added("modelmesh");
    const pk = added("portkey");
    const pt = added("passThrough");
    const ratioPk = mm !== undefined && pk !== undefined && pk > 0 ? round(mm / pk, 3) : undefined;
    return {
      benchmark: "P2",
      description:
        "Per-request overhead of a proxy: sequential non-streamed chat completions through each side (undici client, one keep-alive connection per side, every server in its own process), interleaved rounds with rotating order, median of round medians; added = side − direct",
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
      settings: { rounds, requestsPerRound, warmup, isolation: options.isolation ?? "process", pinned: options.pin === true },
      sides,
      ratioModelMeshToPortkey: ratioPk,
      ratioModelMeshToPassThrough: mm !== undefined && pt !== undefined && pt > 0 ? round(mm / pt, 3) : undefined,
      target: { ratioModelMeshToPortkeyAtMost: P2_TARGET_RATIO, met: ratioPk === undefined ? undefined : ratioPk <= P2_TARGET_RATIO },
    };
  } finally {
    for (const caller of callers) await caller.close().catch(() => {});
    await set.close();
  }
}

