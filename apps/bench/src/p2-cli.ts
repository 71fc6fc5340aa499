#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p2`: runs P2, prints the figures and writes `results/p2.json`.
 * Flags: `--rounds N`, `--requests N` (per side per round), `--warmup N`, `--no-portkey`.
 */
import { boolFlag, environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { runP2, type P2Result } from "./p2.js";
import { TARGET_IDS } from "./p2-targets.js";

function report(result: P2Result): string {
  const lines = ["", `P2 · per-request overhead, sequential (${result.settings.rounds} rounds × ${result.settings.requestsPerRound} requests per side, ${result.settings.warmup} warm-up)`];
  for (const id of TARGET_IDS) {
    const side = result.sides[id];
    if (!side) continue;
    const added = id === "direct" ? "baseline" : `+${side.addedUs.toFixed(1)} µs added`;
    lines.push(`${side.name.padEnd(56)}${side.medianUs.toFixed(1).padStart(9)} µs/request   ${added}`);
  }
  if (result.ratioModelMeshToPassThrough !== undefined) lines.push(`ModelMesh added / pass-through added   ${result.ratioModelMeshToPassThrough.toFixed(3)}`);
  if (result.ratioModelMeshToPortkey !== undefined) {
    lines.push(`ModelMesh added / Portkey added        ${result.ratioModelMeshToPortkey.toFixed(3)}   (target ≤ ${result.target.ratioModelMeshToPortkeyAtMost}: ${result.target.met ? "met" : "NOT met"})`);
  }
  lines.push(environmentLine(result.environment));
  return lines.join("\n");
}

const started = performance.now();
const result = await runP2({
  rounds: intFlag("rounds"),
  requestsPerRound: intFlag("requests"),
  warmup: intFlag("warmup"),
  portkey: !boolFlag("no-portkey"),
  pin: boolFlag("pin"),
  log: (line) => console.log(line),
  onRound: (r) =>
    console.log(`round ${String(r.round).padStart(2)} (${r.order[0]} first): ${r.order.map((id) => `${id} ${r.medians[id]!.toFixed(1)}`).join(" · ")} µs/request`),
});
console.log(report(result));
console.log(`written ${writeResult("p2", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
