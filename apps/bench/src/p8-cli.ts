#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p8`: runs P8, prints the figures and the Redis costs of one request,
 * and writes `results/p8.json`. Flags: `--rounds N`, `--requests N` (per side per round), `--warmup N`,
 * `--counted N` (requests counted per variant), `--redis-url redis://host:port` (an existing server instead of
 * a private redis-server; the run's keys are removed after), `--storage-redis <path>` (another build of
 * `@modelmesh/storage-redis`, its ES module entry, to compare with the workspace's), `--out <name>` (writes
 * `results/<name>.json`; default `p8`), `--compare-storage-redis <path>` (a second build measured as a fifth side
 * in the same rounds, on the no-quota config: a before/after of a store change in one run). Without redis-server and without `--redis-url`
 * it prints why and exits with code 1.
 */
import { environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { runP8, type P8Result, type P8RoundTrips, type P8Variant } from "./p8.js";
import { findRedisServer, missingRedisReason } from "./p8-redis.js";

function stringFlag(name: string, argv = process.argv): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`[modelmesh] [bench] --${name} needs a value`);
  return value;
}

const pad = (label: string) => label.padEnd(30);
const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ") || "none";

function costs(c: P8RoundTrips): string[] {
  const sequence = c.sequence.map((s) => `${s.roundTrip}:${s.op}${s.keys > 1 ? `(${s.keys})` : ""}`).join(" → ");
  return [
    `${pad("  store calls / request")}${c.storeCallsPerRequest}  (${list(c.storeCallsByOp)})`,
    `${pad("  round trips / request")}${c.roundTripsPerRequest}  (sequential; calls in flight together count once)`,
    `${pad("  waiting on the store")}${c.storeWaitUs.toFixed(1)} µs/request  (of ${c.requestUs.toFixed(1)} µs median, instrumented mesh)`,
    `${pad("  each store call")}${list(c.storeCallUs)} µs (median; position:call)`,
    `${pad("  commands / request")}${c.totalCommandsPerRequest}  (${list(c.commandsPerRequest)}; EVALSHA ${c.evalshaPerRequest})`,
    `${pad("  inside scripts / request")}${list(c.scriptCommandsPerRequest)}`,
    `${pad("  one request, in order")}${sequence}  (round trip:call)`,
  ];
}

function variant(title: string, v: P8Variant): string[] {
  return [
    title,
    `${pad("  memory store")}${v.memory.medianUs.toFixed(1)} µs/request`,
    `${pad("  Redis store")}${v.redis.medianUs.toFixed(1)} µs/request`,
    `${pad("  added by Redis")}${v.addedUs.toFixed(1)} µs/request  (ratio Redis / memory ${v.ratio.toFixed(3)})`,
    ...costs(v.roundTrips),
  ];
}

function report(result: P8Result): string {
  const s = result.settings;
  return [
    "",
    `P8 · Redis state store vs memory store, create() from modelmesh, same local upstream (${s.rounds} rounds × ${s.requestsPerRound} requests per side, ${s.warmup} warm-up; ${s.countedRequests} counted; Redis ${result.environment.redis}, ${s.redis}; storage-redis: ${s.storageRedis})`,
    ...variant("no quota (one provider, one pool)", result.plain),
    ...variant("route quota (requests_per_day + tokens_per_day caps)", result.quota),
    ...(result.compared
      ? [
          `compared build (${result.compared.storageRedis}), no quota`,
          `${pad("  Redis store, compared build")}${result.compared.redis.medianUs.toFixed(1)} µs/request`,
          `${pad("  this build − compared")}${result.compared.deltaUs.toFixed(1)} µs/request  (ratio ${result.compared.ratio.toFixed(3)})`,
        ]
      : []),
    environmentLine(result.environment),
  ].join("\n");
}

const redisUrl = stringFlag("redis-url");
if (redisUrl === undefined && findRedisServer() === undefined) {
  console.error(`[modelmesh] [bench] P8 needs Redis: ${missingRedisReason()}`);
  process.exit(1);
}
const started = performance.now();
const result = await runP8({
  rounds: intFlag("rounds"),
  requestsPerRound: intFlag("requests"),
  warmup: intFlag("warmup"),
  countedRequests: intFlag("counted"),
  redisUrl,
  storageRedisPath: stringFlag("storage-redis"),
  compareStorageRedisPath: stringFlag("compare-storage-redis"),
  onRound: (r) =>
    console.log(
      `round ${String(r.round).padStart(2)} (${r.order[0]} first): memory ${r.us.memory.toFixed(1)} · redis ${r.us.redis.toFixed(1)} · memory+quota ${r.us.memoryQuota.toFixed(1)} · redis+quota ${r.us.redisQuota.toFixed(1)}${r.us.redisCompared === undefined ? "" : ` · redis (compared build) ${r.us.redisCompared.toFixed(1)}`} µs/request`,
    ),
});
console.log(report(result));
const out = stringFlag("out") ?? "p8";
if (!/^[\w.-]+$/.test(out)) throw new Error("[modelmesh] [bench] --out needs a file name (letters, digits, . _ -)");
const file = writeResult(out, result);
console.log(`written ${file} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
