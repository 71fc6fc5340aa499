#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p3`: runs P3, prints the figures and writes `results/p3.json`.
 * Flags: `--concurrency N`, `--duration MS` (per side per round), `--rounds N`, `--warmup MS`, `--no-portkey`.
 */
import { boolFlag, environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { TARGET_IDS } from "./p2-targets.js";
import { runP3, type P3Result } from "./p3.js";

function report(result: P3Result): string {
  const s = result.settings;
  const lines = ["", `P3 · throughput at saturation (${s.concurrency} clients, ${s.rounds} rounds × ${s.durationMs} ms per side, ${s.warmupMs} ms warm-up)`];
  for (const id of TARGET_IDS) {
    const side = result.sides[id];
    if (!side) continue;
    lines.push(`${side.name.padEnd(56)}${side.rps.toFixed(0).padStart(8)} req/s   p50 ${side.p50Ms.toFixed(2)} ms · p99 ${side.p99Ms.toFixed(2)} ms · ${side.errors} errors`);
  }
  if (result.ratioPassThroughToDirect !== undefined) lines.push(`pass-through / direct                  ${result.ratioPassThroughToDirect.toFixed(3)}`);
  if (result.ratioModelMeshToPassThrough !== undefined) lines.push(`ModelMesh / pass-through               ${result.ratioModelMeshToPassThrough.toFixed(3)}`);
  if (result.ratioModelMeshToPortkey !== undefined) {
    lines.push(`ModelMesh / Portkey                    ${result.ratioModelMeshToPortkey.toFixed(3)}   (target ≥ ${result.target.ratioModelMeshToPortkeyAtLeast}: ${result.target.met ? "met" : "NOT met"})`);
  }
  lines.push(environmentLine(result.environment));
  return lines.join("\n");
}

const started = performance.now();
const result = await runP3({
  concurrency: intFlag("concurrency"),
  durationMs: intFlag("duration"),
  rounds: intFlag("rounds"),
  warmupMs: intFlag("warmup"),
  portkey: !boolFlag("no-portkey"),
  pin: boolFlag("pin"),
  log: (line) => console.log(line),
  onRound: (r) => console.log(`round ${r.round} (${r.order[0]} first): ${r.order.map((id) => `${id} ${r.windows[id]!.rps.toFixed(0)}`).join(" · ")} req/s`),
});
console.log(report(result));
console.log(`written ${writeResult("p3", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
