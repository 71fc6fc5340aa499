/**
 * Benchmark P5 (issue 10, point 2: "a dead provider eats the attempt budget"): what a user sees when the first
 * provider of a day-one config is dead. A connection-level failure (refused, reset before the headers, DNS,
 * TLS, connect timeout) parks the provider's whole endpoint, every model at once (`StateLedger.parkEndpoint`
 * in packages/core/src/state/ledger.ts: 5 s first, doubling per failed probe), and the request moves on to
 * the next provider at once. P5 counts how often the dead endpoint is still tried and what the failover costs
 * in latency, as ratios against a baseline measured side by side in the same run, as P1 does (never a timing
 * assertion: test/p5.test.ts checks only the functional facts).
 *
 * The config is the one a user writes first, with no tuning: two `openai` connector providers with their
 * default model list (5 chat models each) and no pools, asked for `chat-completion`
 * (packages/modelmesh/test/defaults.test.ts checks the same facts functionally). Scenarios:
 * - `baseline`: only the live provider;
 * - `refused`: a first provider whose port refuses connections (bound, then closed);
 * - `reset`: a first provider whose TCP server accepts every connection and resets it before any response byte.
 * The live provider is the bench's local upstream, which answers every model id.
 *
 * Each round creates a FRESH client per scenario, so the first request of a round pays the failover from a
 * cold state, and sends `requestsPerRound` sequential requests; the scenarios take turns in a rotating
 * order. Connection attempts at the dead endpoint are counted by its server (`reset`) or from the routing
 * traces (`refused`, nothing listens to count them). Latency is reported for the first request of a round
 * and, separately, for the rest; a scenario's figure is the median over rounds, and the ratios divide it by
 * the baseline's.
 */
import { createServer, type Server, type Socket } from "node:net";
import { cpus } from "node:os";
import { create, getTrace, isModelMeshError, type MeshClient } from "modelmesh";
import { median, round } from "./stats.js";
import { startUpstream, UPSTREAM_REPLY } from "./upstream.js";

/** Options of {@link runP5}. */
export interface P5Options {
  /** Measured rounds (a fresh client per scenario each). Default 20. */
  rounds?: number;
  /** Sequential requests per scenario per round. Default 10. */
  requestsPerRound?: number;
  /**
   * Unmeasured rounds first, with clients of their own, so the first measured round does not bill the
   * process's JIT warm-up to whichever scenario runs first. Measured clients stay fresh. Default 1.
   */
  warmupRounds?: number;
  /** Called after each measured round (progress output). */
  onRound?: (round: P5Round) => void;
}

/** The scenarios measured in each round. */
export type P5ScenarioId = "baseline" | "refused" | "reset";

/** Every scenario, in report order. */
export const P5_SCENARIO_IDS: readonly P5ScenarioId[] = ["baseline", "refused", "reset"];

/** What one scenario did in one round. */
export interface P5ScenarioRound {
  /** The first request's latency, µs (it pays the failover). */
  firstUs: number;
  /** Median latency of the other requests of the round, µs. */
  restUs: number;
  /** Requests answered with the upstream's reply. */
  answered: number;
  /** Requests that failed with a ModelMeshError. */
  typedErrors: number;
  /** Requests that failed with anything else. */
  untypedErrors: number;
  /** Connection attempts at the dead endpoint: counted by its server (`reset`), from the traces otherwise. */
  deadEndpointAttempts: number;
  /** Attempts on the dead provider in the routing traces (what `refused` counts; a cross-check for `reset`). */
  deadTraceAttempts: number;
  /** Candidates (routes) the round's first request considered. */
  candidates: number;
}

/** One measured round. */
export interface P5Round {
  /** 1-based. */
  round: number;
  /** The order the scenarios ran in (it rotates). */
  order: P5ScenarioId[];
  scenarios: Record<P5ScenarioId, P5ScenarioRound>;
}

/** One scenario's figures over the run. */
export interface P5Scenario {
  /** What was measured. */
  name: string;
  requests: number;
  answered: number;
  /** Typed failures by error code (empty when every request was answered). */
  typedErrors: Record<string, number>;
  untypedErrors: number;
  /** How `deadEndpointAttemptsPerRound` was counted. */
  attemptsCountedBy: "none" | "trace" | "server";
  /** Connection attempts at the dead endpoint, per round. */
  deadEndpointAttemptsPerRound: number[];
  maxDeadEndpointAttemptsPerRound: number;
  /** Error codes of the attempts on the dead provider (a check that the failure is the intended one). */
  deadAttemptErrors: Record<string, number>;
  /** Candidates (routes) of the first request: 5 chat models per provider. */
  candidates: number;
  /** Median over rounds of the first request's latency, µs. */
  firstRequestUs: number;
  firstRequestRoundsUs: number[];
  /** Median over rounds of the per-round median of the other requests, µs. */
  steadyUs: number;
  steadyRoundMediansUs: number[];
  /** firstRequestUs / baseline's. */
  firstRequestRatio: number;
  /** steadyUs / baseline's. */
  steadyRatio: number;
}

/** What {@link runP5} resolves with, and what `results/p5.json` holds. */
export interface P5Result {
  benchmark: "P5";
  description: string;
  /** ISO time the run finished. */
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  settings: { rounds: number; requestsPerRound: number; warmupRounds: number; model: string };
  scenarios: Record<P5ScenarioId, P5Scenario>;
  acceptance: {
    /** Max over the dead scenarios and rounds of the dead endpoint's connection attempts. */
    maxDeadEndpointAttemptsPerRound: number;
    targetDeadEndpointAttemptsAtMost: number;
    /** Answered / requests over every scenario, 0..1. */
    answeredShare: number;
    met: boolean;
  };
}

/** Issue 10's target: a dead endpoint is tried at most twice per fresh client's burst of requests. */
export const P5_TARGET_DEAD_ATTEMPTS = 2;

/** What every scenario asks for: the capability name, no pool configured. */
export const P5_MODEL = "chat-completion";

const SCENARIO_NAMES: Record<P5ScenarioId, string> = {
  baseline: "baseline (live provider only)",
  refused: "first provider refuses connections",
  reset: "first provider resets before any byte",
};

/** A dead first provider's endpoint, reused by every round. */
interface DeadEndpoint {
  url: string;
  /** TCP connections the server accepted (undefined when nothing listens). */
  connections(): number | undefined;
  close(): Promise<void>;
}

/**
 * Runs P5: starts the live upstream and both dead endpoints, runs the rounds, closes everything.
 * @example
 * const result = await runP5({ rounds: 20, requestsPerRound: 10 });
 * console.log(result.acceptance.maxDeadEndpointAttemptsPerRound, result.scenarios.refused.firstRequestRatio);
 */
export async function runP5(options: P5Options = {}): Promise<P5Result> {
  const rounds = options.rounds ?? 20;
  const requestsPerRound = options.requestsPerRound ?? 10;
  const warmupRounds = options.warmupRounds ?? 1;
  if (requestsPerRound < 2) throw new RangeError("[modelmesh] [bench] P5 needs at least 2 requests per round (the first, and the rest)");
  const upstream = await startUpstream();
  const refused = await refusedEndpoint();
  const reset = await resettingEndpoint();
  try {
    const live = { connector: "openai", config: { base_url: upstream.url, api_key: "sk-live" } };
    const dead = (endpoint: DeadEndpoint) => ({ connector: "openai", config: { base_url: endpoint.url, api_key: "sk-dead" } });
    // Day-one configs: providers only, default model lists, default pool, strategy, retries and timeouts.
    const configs: Record<P5ScenarioId, object> = {
      baseline: { providers: { live } },
      refused: { providers: { dead: dead(refused), live } },
      reset: { providers: { dead: dead(reset), live } },
    };
    const endpoints: Partial<Record<P5ScenarioId, DeadEndpoint>> = { refused, reset };
    const typedErrors: Record<P5ScenarioId, Record<string, number>> = { baseline: {}, refused: {}, reset: {} };
    const deadAttemptErrors: Record<P5ScenarioId, Record<string, number>> = { baseline: {}, refused: {}, reset: {} };

    const runRound = async (r: number): Promise<P5Round> => {
      const shift = (r - 1) % P5_SCENARIO_IDS.length;
      const order = [...P5_SCENARIO_IDS.slice(shift), ...P5_SCENARIO_IDS.slice(0, shift)];
      const scenarios = {} as Record<P5ScenarioId, P5ScenarioRound>;
      for (const id of order) {
        collectGarbage();
        scenarios[id] = await runScenario(configs[id], requestsPerRound, endpoints[id], typedErrors[id], deadAttemptErrors[id]);
      }
      return { round: r, order, scenarios };
    };

    for (let w = 1; w <= warmupRounds; w++) await runRound(w);
    for (const id of P5_SCENARIO_IDS) {
      typedErrors[id] = {};
      deadAttemptErrors[id] = {};
    }
    const perRound: P5Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const entry = await runRound(r);
      perRound.push(entry);
      options.onRound?.(entry);
    }

    const of = (id: P5ScenarioId) => perRound.map((r) => r.scenarios[id]);
    const firstMedian = (id: P5ScenarioId) => median(of(id).map((s) => s.firstUs));
    const steadyMedian = (id: P5ScenarioId) => median(of(id).map((s) => s.restUs));
    const scenarios = {} as Record<P5ScenarioId, P5Scenario>;
    for (const id of P5_SCENARIO_IDS) {
      const list = of(id);
      const attempts = list.map((s) => s.deadEndpointAttempts);
      scenarios[id] = {
        name: SCENARIO_NAMES[id],
        requests: rounds * requestsPerRound,
        answered: list.reduce((sum, s) => sum + s.answered, 0),
        typedErrors: typedErrors[id],
        untypedErrors: list.reduce((sum, s) => sum + s.untypedErrors, 0),
        attemptsCountedBy: id === "baseline" ? "none" : endpoints[id]!.connections() === undefined ? "trace" : "server",
        deadEndpointAttemptsPerRound: attempts,
        maxDeadEndpointAttemptsPerRound: Math.max(...attempts),
        deadAttemptErrors: deadAttemptErrors[id],
        candidates: Math.max(...list.map((s) => s.candidates)),
        firstRequestUs: round(firstMedian(id)),
        firstRequestRoundsUs: list.map((s) => round(s.firstUs)),
        steadyUs: round(steadyMedian(id)),
        steadyRoundMediansUs: list.map((s) => round(s.restUs)),
        firstRequestRatio: round(firstMedian(id) / firstMedian("baseline"), 3),
        steadyRatio: round(steadyMedian(id) / steadyMedian("baseline"), 3),
      };
    }
    const maxDead = Math.max(scenarios.refused.maxDeadEndpointAttemptsPerRound, scenarios.reset.maxDeadEndpointAttemptsPerRound);
    const requests = P5_SCENARIO_IDS.reduce((sum, id) => sum + scenarios[id].requests, 0);
    const answered = P5_SCENARIO_IDS.reduce((sum, id) => sum + scenarios[id].answered, 0);
    return {
      benchmark: "P5",
      description:
        "A dead first provider at day-one defaults (two openai-connector providers, default model lists, no pools): a fresh MeshClient per scenario per round, sequential non-streamed chat completions on a local upstream, scenarios in rotating order; dead-endpoint connection attempts per round, median first-request and steady-state latency over rounds, ratios against the live-only baseline",
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
      settings: { rounds, requestsPerRound, warmupRounds, model: P5_MODEL },
      scenarios,
      acceptance: {
        maxDeadEndpointAttemptsPerRound: maxDead,
        targetDeadEndpointAttemptsAtMost: P5_TARGET_DEAD_ATTEMPTS,
        answeredShare: answered / requests,
        met: maxDead <= P5_TARGET_DEAD_ATTEMPTS && answered === requests,
      },
    };
  } finally {
    await reset.close();
    await refused.close();
    await upstream.close();
  }
}

/** One scenario in one round: a fresh client, `count` sequential requests, the client closed. */
async function runScenario(
  config: object,
  count: number,
  endpoint: DeadEndpoint | undefined,
  typedErrors: Record<string, number>,
  deadAttemptErrors: Record<string, number>,
): Promise<P5ScenarioRound> {
  const connectionsBefore = endpoint?.connections();
  let client: MeshClient | undefined;
  try {
    client = create({ env: {}, config });
    // Start-up (config parsing, connector set-up) is the same for every scenario and not what P5 measures.
    await client.ready();
    const mesh = client;
    const latencies = new Array<number>(count);
    const result: P5ScenarioRound = { firstUs: 0, restUs: 0, answered: 0, typedErrors: 0, untypedErrors: 0, deadEndpointAttempts: 0, deadTraceAttempts: 0, candidates: 0 };
    for (let i = 0; i < count; i++) {
      let outcome: unknown;
      const started = process.hrtime.bigint();
      try {
        outcome = await mesh.chat.completions.create({ model: P5_MODEL, messages: [{ role: "user", content: "ping" }] });
      } catch (error) {
        outcome = error;
      }
      latencies[i] = Number(process.hrtime.bigint() - started) / 1000;
      const trace = getTrace(outcome);
      if (i === 0) result.candidates = trace?.candidates.length ?? 0;
      for (const attempt of trace?.attempts ?? []) {
        if (attempt.providerId !== "dead") continue;
        result.deadTraceAttempts++;
        const code = attempt.error?.code ?? "ok";
        deadAttemptErrors[code] = (deadAttemptErrors[code] ?? 0) + 1;
      }
      if (isModelMeshError(outcome)) {
        result.typedErrors++;
        typedErrors[outcome.code] = (typedErrors[outcome.code] ?? 0) + 1;
      } else if (outcome instanceof Error) result.untypedErrors++;
      else if ((outcome as { choices?: Array<{ message: { content: string | null } }> }).choices?.[0]?.message.content === UPSTREAM_REPLY) result.answered++;
      else result.untypedErrors++;
    }
    result.firstUs = latencies[0]!;
    result.restUs = median(latencies.slice(1));
    const connectionsAfter = endpoint?.connections();
    result.deadEndpointAttempts = connectionsAfter !== undefined && connectionsBefore !== undefined ? connectionsAfter - connectionsBefore : result.deadTraceAttempts;
    return result;
  } finally {
    await client?.close();
  }
}

/** A port nothing listens on: bound on 127.0.0.1, then closed. Connections to it are refused. */
async function refusedEndpoint(): Promise<DeadEndpoint> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}/v1`, connections: () => undefined, close: async () => {} };
}

/** A TCP server that counts connections and resets each one once the request arrives, before any response byte. */
async function resettingEndpoint(): Promise<DeadEndpoint> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", () => socket.resetAndDestroy());
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs a full GC between scenarios when node was started with --expose-gc, so one's garbage does not bill the next. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
