/**
 * Benchmark P1 (issue 6): the per-request overhead of MeshClient over the official `openai` SDK, both calling
 * the same local upstream. Sequential requests, in interleaved rounds (the side that goes first alternates),
 * after a warm-up; the figure is the median of the per-round medians of each side, and the added time is the
 * difference. A ratio measured side by side in one run (docs/ARCHITECTURE.md §3), never a timing assertion.
 *
 * A third side, the pass-through baseline, sends the same request through the very transport MeshClient uses
 * (`createUndiciTransport` from `@modelmesh/cdk/node`) and parses the JSON, with no routing. The SDK and
 * MeshClient use different HTTP stacks (fetch vs undici's dispatcher), so the P1 difference mixes the cost of
 * the stacks with the mesh's own; the pass-through difference isolates the latter.
 */
import { cpus } from "node:os";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { create, type MeshClient } from "modelmesh";
import OpenAI from "openai";
import { VERSION as OPENAI_VERSION } from "openai/version";
import { median, round, sample, settle } from "./stats.js";
import { startUpstream, UPSTREAM_MODEL, UPSTREAM_REPLY } from "./upstream.js";

/** Options of {@link runP1}. */
export interface P1Options {
  /** Measured rounds. Default 15. */
  rounds?: number;
  /** Requests per side per round. Default 200. */
  requestsPerRound?: number;
  /** Warm-up requests per side before measuring. Default 300. */
  warmup?: number;
  /** Called after each round (progress output). */
  onRound?: (round: P1Round) => void;
}

/** The sides measured in each round. */
export type P1SideId = "baseline" | "mesh" | "passThrough";

/** One measured round. */
export interface P1Round {
  /** 1-based. */
  round: number;
  /** The order the sides ran in (it rotates, so each side goes first equally often). */
  order: P1SideId[];
  /** Median µs per request of each side in this round. */
  baselineUs: number;
  meshUs: number;
  passThroughUs: number;
}

/** One side's figures. */
export interface P1Side {
  /** What was measured. */
  name: string;
  /** Median of the round medians, µs per request. */
  medianUs: number;
  /** Each round's median, µs per request. */
  roundMediansUs: number[];
}

/** What {@link runP1} resolves with, and what is written to `results/p1.json`. */
export interface P1Result {
  benchmark: "P1";
  description: string;
  /** ISO time the run finished. */
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: { rounds: number; requestsPerRound: number; warmup: number };
  /** The `openai` SDK calling the upstream directly (P1's baseline). */
  baseline: P1Side;
  mesh: P1Side;
  /** mesh − baseline, µs per request: P1's figure. */
  addedUs: number;
  /** mesh / baseline. */
  ratio: number;
  /** The same request through MeshClient's own transport, no routing. */
  passThrough: P1Side;
  /** mesh − passThrough, µs per request: what routing adds on the same HTTP stack. */
  addedOverPassThroughUs: number;
  /** mesh / passThrough. */
  ratioOverPassThrough: number;
  /** Issue 6's target for `addedUs`. */
  targetAddedUs: number;
  withinTarget: boolean;
  /** Issue 12's target for `addedOverPassThroughUs` (the same transport called directly). */
  targetAddedOverPassThroughUs: number;
  withinPassThroughTarget: boolean;
}

/** Target of issue 6: at most 50 µs added per request over the openai SDK. */
export const P1_TARGET_ADDED_US = 50;

/** Target of issue 12: at most 40 µs added per request over MeshClient's own transport called directly. */
export const P1_TARGET_OVER_PASS_THROUGH_US = 40;

type Call = () => Promise<string | null | undefined>;

/**
 * Runs P1: starts the upstream, creates both clients, warms up, measures, closes everything.
 * @example
 * const result = await runP1({ rounds: 15, requestsPerRound: 200 });
 * console.log(`${result.addedUs} µs added per request`);
 */
export async function runP1(options: P1Options = {}): Promise<P1Result> {
  const rounds = options.rounds ?? 15;
  const requestsPerRound = options.requestsPerRound ?? 200;
  const warmup = options.warmup ?? 300;
  const upstream = await startUpstream();
  let mesh: MeshClient | undefined;
  try {
    const sdk = new OpenAI({ baseURL: upstream.url, apiKey: "sk-bench", maxRetries: 0 });
    mesh = create({
      env: {},
      config: {
        providers: {
          local: {
            connector: "openai-compatible",
            config: { base_url: upstream.url, api_key: "sk-bench" },
            models: [{ id: UPSTREAM_MODEL, capabilities: ["chat-completion"] }],
          },
        },
        pools: { chat: { capability: "chat-completion" } },
      },
    });
    await mesh.ready();
    const client = mesh;
    const transport = createUndiciTransport();
    const messages = [{ role: "user" as const, content: "ping" }];
    const rawBody = JSON.stringify({ model: UPSTREAM_MODEL, messages });
    const rawHeaders = { "content-type": "application/json", authorization: "Bearer sk-bench" };
    const calls: Record<P1SideId, Call> = {
      baseline: async () => (await sdk.chat.completions.create({ model: UPSTREAM_MODEL, messages })).choices[0]?.message.content,
      mesh: async () => (await client.chat.completions.create({ model: "chat", messages })).choices[0]?.message.content,
      passThrough: async () => {
        const response = await transport({ method: "POST", url: `${upstream.url}/chat/completions`, headers: rawHeaders, body: rawBody });
        return (JSON.parse(await response.text()) as { choices: Array<{ message: { content: string | null } }> }).choices[0]?.message.content;
      },
    };

    // Every side must get the real answer, or the figures mean nothing.
    for (const [side, call] of Object.entries(calls)) {
      const answer = await call();
      if (answer !== UPSTREAM_REPLY) throw new Error(`[modelmesh] [bench] ${side} answered ${JSON.stringify(answer)}, expected ${JSON.stringify(UPSTREAM_REPLY)}`);
    }
    for (let i = 0; i < warmup; i++) for (const call of Object.values(calls)) await call();

    const sides: P1SideId[] = ["baseline", "mesh", "passThrough"];
    const perRound: P1Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      const result = {} as Record<P1SideId, number>;
      for (const side of order) {
        await settle(calls[side]);
        result[side] = median(await sample(calls[side], requestsPerRound));
      }
      const entry: P1Round = { round: r, order, baselineUs: result.baseline, meshUs: result.mesh, passThroughUs: result.passThrough };
      perRound.push(entry);
      options.onRound?.(entry);
    }

    const baselineUs = median(perRound.map((r) => r.baselineUs));
    const meshUs = median(perRound.map((r) => r.meshUs));
    const passThroughUs = median(perRound.map((r) => r.passThroughUs));
    const addedUs = meshUs - baselineUs;
    return {
      benchmark: "P1",
      description: "MeshClient vs the official openai SDK calling the same local upstream (plus a pass-through baseline on MeshClient's own transport): sequential non-streamed chat completions, interleaved rounds, median of round medians",
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
      settings: { rounds, requestsPerRound, warmup },
      baseline: { name: `openai SDK ${OPENAI_VERSION}, direct`, medianUs: round(baselineUs), roundMediansUs: perRound.map((r) => round(r.baselineUs)) },
      mesh: { name: "modelmesh MeshClient (one provider, one pool)", medianUs: round(meshUs), roundMediansUs: perRound.map((r) => round(r.meshUs)) },
      addedUs: round(addedUs),
      ratio: round(meshUs / baselineUs, 3),
      passThrough: { name: "MeshClient's transport (undici, @modelmesh/cdk/node) + JSON.parse, no routing", medianUs: round(passThroughUs), roundMediansUs: perRound.map((r) => round(r.passThroughUs)) },
      addedOverPassThroughUs: round(meshUs - passThroughUs),
      ratioOverPassThrough: round(meshUs / passThroughUs, 3),
      targetAddedUs: P1_TARGET_ADDED_US,
      withinTarget: addedUs <= P1_TARGET_ADDED_US,
      targetAddedOverPassThroughUs: P1_TARGET_OVER_PASS_THROUGH_US,
      withinPassThroughTarget: round(meshUs - passThroughUs) <= P1_TARGET_OVER_PASS_THROUGH_US,
    };
  } finally {
    await mesh?.close();
    await upstream.close();
  }
}
