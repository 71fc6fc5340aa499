/**
 * Benchmark P7 (issue 12): the cost of the routing decision (resolve the name, filter the pool's candidates by
 * kind, requirements and state, let the strategy select) as the pool grows from 10 to 10,000 models, the size
 * of catalogues discovered from `/models` listings. Target: ≤ 20 µs median at 10,000 models, and sub-linear
 * growth from 10 to 10,000.
 *
 * Each size gets a mesh of its own, built through the public API (`create` from `modelmesh`, which runs core's
 * `createMesh`) with one in-process stub provider that lists N chat models and answers every completion at
 * once, without I/O. Requests ask for `chat-completion`, the capability alias a day-one config uses: it resolves
 * to the pool core builds on demand for that capability node, which holds every model.
 *
 * What is timed, per size, in rounds whose size order rotates (each size goes first equally often):
 * - `decision`: `router.explain(request, { detail: "request" })`, which runs exactly the steps a real request
 *   runs before its first upstream attempt (`#begin`: resolve and candidates; `#eligible`: state filter;
 *   `#select`: the strategy) and records the trace a real request records, without calling upstream. This is
 *   P7's figure. (`explain()` without `detail` lists every candidate with its exclusion, for a human reading
 *   the trace: linear in the pool by design.)
 * - `chat`: a real non-streamed `router.chat()` through the instant stub: the decision plus admission, the
 *   call, recording the outcome in the state ledger and the trace, end to end.
 * - `provider`: the stub's `complete()` called directly, the baseline `chat` is compared with.
 * A figure is the median of the per-round medians; growth divides the figure at the largest size by the one
 * at the smallest, and the exponent is the slope of log(time) over log(models) between them (1 = linear).
 */
import { cpus } from "node:os";
import { create, type CreateOptions, type MeshClient } from "modelmesh";
import { median, round } from "./stats.js";

/** Options of {@link runP7}. */
export interface P7Options {
  /** Pool sizes (models), smallest first. Default 10, 100, 1,000, 10,000. */
  sizes?: number[];
  /** Measured rounds. Default 15. */
  rounds?: number;
  /** Timed operations per kind per size per round. Default 200. */
  requestsPerRound?: number;
  /** Unmeasured operations per kind per size before the first round. Default 500. */
  warmup?: number;
  /** Called after each round (progress output). */
  onRound?: (round: P7Round) => void;
}

/** One measured round: per size, the median µs of each kind of operation. */
export interface P7Round {
  /** 1-based. */
  round: number;
  /** The order the sizes ran in (it rotates). */
  order: number[];
  sizes: Array<{ models: number; decisionUs: number; chatUs: number; providerUs: number }>;
}

/** One pool size's figures. */
export interface P7Size {
  /** Models in the pool. */
  models: number;
  /** Candidates the decision's trace saw (all of them pass: one kind, no requirement filters them). */
  candidates: number;
  /** Entries the trace of a real request lists (bounded for large pools; the rest are counted). */
  listed: number;
  /** Median of the round medians of the routing decision, µs. P7's figure. */
  decisionUs: number;
  decisionRoundMediansUs: number[];
  /** Median of the round medians of a whole `router.chat()` through the instant stub, µs. */
  chatUs: number;
  /** Median of the round medians of the stub's `complete()` alone, µs. */
  providerUs: number;
  /** chatUs − providerUs: what the router adds per request end to end, µs. */
  chatAddedUs: number;
}

/** What {@link runP7} resolves with, and what `results/p7.json` holds. */
export interface P7Result {
  benchmark: "P7";
  description: string;
  /** ISO time the run finished. */
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: { sizes: number[]; rounds: number; requestsPerRound: number; warmup: number; model: string };
  sizes: P7Size[];
  growth: {
    /** Smallest and largest size. */
    from: number;
    to: number;
    /** decisionUs at `to` / decisionUs at `from`. */
    decisionRatio: number;
    /** Slope of log(decisionUs) over log(models) between them: 1 = linear, 0 = flat. */
    decisionExponent: number;
    /** chatAddedUs at `to` / chatAddedUs at `from`. */
    chatAddedRatio: number;
  };
  acceptance: {
    /** The size the target applies to (the largest measured). */
    models: number;
    decisionUs: number;
    targetDecisionUs: number;
    /** decisionExponent < 1. */
    subLinear: boolean;
    met: boolean;
  };
}

/** Issue 12's target: the routing decision in a pool of 10,000 models, median. */
export const P7_TARGET_DECISION_US = 20;

/** The sizes of issue 12. */
export const P7_SIZES: readonly number[] = [10, 100, 1_000, 10_000];

/** What every request asks for: the capability alias, served by the on-demand pool of every chat model. */
export const P7_MODEL = "chat-completion";

const REQUEST = { model: P7_MODEL, messages: [{ role: "user" as const, content: "ping" }] };

type Provider = NonNullable<NonNullable<CreateOptions["mesh"]>["providers"]>[string];
type Mesh = Awaited<ReturnType<MeshClient["mesh"]>>;

/** One size's mesh and how to time each kind of operation on it. */
interface Subject {
  models: number;
  client: MeshClient;
  mesh: Mesh;
  provider: Provider;
}

/**
 * Runs P7: builds one mesh per size, warms each up, runs the rounds, closes the meshes.
 * @example
 * const result = await runP7({ rounds: 15, requestsPerRound: 200 });
 * console.log(result.acceptance.decisionUs, result.growth.decisionRatio);
 */
export async function runP7(options: P7Options = {}): Promise<P7Result> {
  const sizes = [...(options.sizes ?? P7_SIZES)].sort((a, b) => a - b);
  const rounds = options.rounds ?? 15;
  const requestsPerRound = options.requestsPerRound ?? 200;
  const warmup = options.warmup ?? 500;
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError("[modelmesh] [bench] P7 needs at least two pool sizes, each a positive integer");
  const subjects: Subject[] = [];
  try {
    for (const models of sizes) subjects.push(await subject(models));
    for (const s of subjects) {
      for (let i = 0; i < warmup; i++) {
        await decide(s);
        await chat(s);
        await complete(s);
      }
    }
    const perRound: P7Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % subjects.length;
      const order = [...subjects.slice(shift), ...subjects.slice(0, shift)];
      const measured = new Map<number, P7Round["sizes"][number]>();
      for (const s of order) {
        collectGarbage();
        measured.set(s.models, {
          models: s.models,
          decisionUs: await timed(requestsPerRound, () => decide(s)),
          chatUs: await timed(requestsPerRound, () => chat(s)),
          providerUs: await timed(requestsPerRound, () => complete(s)),
        });
      }
      const entry: P7Round = { round: r, order: order.map((s) => s.models), sizes: sizes.map((n) => measured.get(n)!) };
      perRound.push(entry);
      options.onRound?.(entry);
    }

    const figures: P7Size[] = [];
    for (const [index, s] of subjects.entries()) {
      const of = (key: "decisionUs" | "chatUs" | "providerUs") => perRound.map((r) => r.sizes[index]![key]);
      const trace = await s.mesh.router.explain(REQUEST, { detail: "request" });
      const summary = trace.candidateSummary;
      const decisionUs = median(of("decisionUs"));
      const chatUs = median(of("chatUs"));
      const providerUs = median(of("providerUs"));
      figures.push({
        models: s.models,
        candidates: summary?.members ?? trace.candidates.length,
        listed: trace.candidates.length,
        decisionUs: round(decisionUs, 2),
        decisionRoundMediansUs: of("decisionUs").map((v) => round(v, 2)),
        chatUs: round(chatUs, 2),
        providerUs: round(providerUs, 2),
        chatAddedUs: round(chatUs - providerUs, 2),
      });
    }
    const first = figures[0]!;
    const last = figures.at(-1)!;
    const decisionRatio = last.decisionUs / first.decisionUs;
    const decisionExponent = Math.log(decisionRatio) / Math.log(last.models / first.models);
    const subLinear = decisionExponent < 1;
    return {
      benchmark: "P7",
      description:
        "Routing decision (resolve, filter, select: router.explain in request mode, the steps a real request runs before its first attempt) in one pool of N models from one in-process stub provider, N from 10 to 10,000, sizes in rotating order per round; also a whole router.chat() through the instant stub and the stub alone; medians of round medians, growth as the ratio and log-log slope from the smallest to the largest size",
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
      settings: { sizes, rounds, requestsPerRound, warmup, model: P7_MODEL },
      sizes: figures,
      growth: {
        from: first.models,
        to: last.models,
        decisionRatio: round(decisionRatio, 3),
        decisionExponent: round(decisionExponent, 3),
        chatAddedRatio: round(last.chatAddedUs / first.chatAddedUs, 3),
      },
      acceptance: {
        models: last.models,
        decisionUs: last.decisionUs,
        targetDecisionUs: P7_TARGET_DECISION_US,
        subLinear,
        met: subLinear && last.decisionUs <= P7_TARGET_DECISION_US,
      },
    };
  } finally {
    for (const s of subjects) await s.client.close();
  }
}

/** A mesh whose only provider lists `models` chat models and answers at once. */
async function subject(models: number): Promise<Subject> {
  const provider = stubProvider(models);
  const client = create({ env: {}, config: { routing: { deadline: "60s" } }, mesh: { providers: { stub: provider } } });
  const mesh = await client.mesh();
  const pool = mesh.router.pools.get(mesh.router.resolvePoolId(P7_MODEL));
  if (pool?.members.length !== models) throw new Error(`[modelmesh] [bench] the ${P7_MODEL} pool holds ${pool?.members.length ?? 0} models, expected ${models}`);
  return { models, client, mesh, provider };
}

async function decide(s: Subject): Promise<void> {
  const trace = await s.mesh.router.explain(REQUEST, { detail: "request" });
  if (!trace.final) throw new Error(`[modelmesh] [bench] no route selected at ${s.models} models: ${trace.warnings.join("; ")}`);
}

async function chat(s: Subject): Promise<void> {
  const routed = await s.mesh.router.chat(REQUEST);
  if (routed.value.choices[0]?.message.content !== "pong") throw new Error("[modelmesh] [bench] unexpected reply");
}

const CALL = { signal: new AbortController().signal, deadline: Number.MAX_SAFE_INTEGER, requestId: "p7", attempt: 1, timeouts: { connectMs: 10_000, firstTokenMs: 10_000, idleMs: 10_000 } };

async function complete(s: Subject): Promise<void> {
  const reply = await s.provider.complete({ ...REQUEST, model: "m00000" }, CALL as never);
  if (reply.choices[0]?.message.content !== "pong") throw new Error("[modelmesh] [bench] unexpected reply");
}

/** Median µs of `count` sequential runs of `run`. */
async function timed(count: number, run: () => Promise<void>): Promise<number> {
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return median(samples);
}

/**
 * A provider connector in this process: lists `count` chat models (`m00000`, …) and answers every completion
 * at once with "pong". Only what the router and createMesh call is implemented; the cast keeps the bench
 * independent of the connector interface's optional parts.
 */
function stubProvider(count: number): Provider {
  const list = Array.from({ length: count }, (_, i) => ({ id: `m${String(i).padStart(5, "0")}`, capabilities: ["generation.text-generation.chat-completion"], contextWindow: 128_000 }));
  const reply = (model: string) => ({
    id: "chatcmpl-p7",
    object: "chat.completion" as const,
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant" as const, content: "pong", refusal: null }, finish_reason: "stop" as const, logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  const provider = {
    specificationVersion: "v1",
    id: "stub",
    connectorId: "bench.stub.v1",
    complete: (request: { model: string }) => Promise.resolve(reply(request.model)),
    // eslint-disable-next-line require-yield
    stream: async function* () {
      throw new Error("[modelmesh] [bench] the P7 stub does not stream");
    },
    getCapabilities: () => ["generation.text-generation.chat-completion"],
    supports: () => true,
    listModels: () => Promise.resolve(list),
    getModelInfo: (id: string) => Promise.resolve(list.find((m) => m.id === id) ?? list[0]!),
    checkQuota: () => Promise.resolve({}),
    getRateLimits: () => Promise.resolve({}),
    getPricing: () => Promise.resolve(undefined),
    reportUsage: () => {},
    classifyError: () => ({ category: "server", retryable: true, message: "stub" }),
    isRetryable: () => true,
    close: () => Promise.resolve(),
  };
  return provider as unknown as Provider;
}

/** Runs a full GC between sizes when node was started with --expose-gc, so one's garbage does not bill the next. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
