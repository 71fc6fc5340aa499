#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench` (or `bench:p1`): runs P1, prints the figures and writes
 * `results/p1.json`. Flags: `--rounds N`, `--requests N` (per side per round), `--warmup N`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runP1, type P1Result } from "./p1.js";

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`[modelmesh] [bench] --${name} needs a positive integer`);
  return value;
}

function report(result: P1Result): string {
  const pad = (label: string) => label.padEnd(34);
  return [
    "",
    `P1 · MeshClient vs openai SDK, same local upstream (${result.settings.rounds} rounds × ${result.settings.requestsPerRound} requests per side, ${result.settings.warmup} warm-up)`,
    `${pad("baseline (openai SDK, direct)")}${result.baseline.medianUs.toFixed(1)} µs/request`,
    `${pad("MeshClient")}${result.mesh.medianUs.toFixed(1)} µs/request`,
    `${pad("added by MeshClient")}${result.addedUs.toFixed(1)} µs/request  (target ≤ ${result.targetAddedUs} µs: ${result.withinTarget ? "met" : "NOT met"})`,
    `${pad("ratio MeshClient / SDK")}${result.ratio.toFixed(3)}`,
    `${pad("pass-through (same transport)")}${result.passThrough.medianUs.toFixed(1)} µs/request`,
    `${pad("added over pass-through")}${result.addedOverPassThroughUs.toFixed(1)} µs/request  (ratio ${result.ratioOverPassThrough.toFixed(3)}; target ≤ ${result.targetAddedOverPassThroughUs} µs: ${result.withinPassThroughTarget ? "met" : "NOT met"})`,
    `${result.environment.node} · ${result.environment.platform}/${result.environment.arch} · ${result.environment.cpu} × ${result.environment.cpus}`,
  ].join("\n");
}

const started = performance.now();
const result = await runP1({
  rounds: flag("rounds"),
  requestsPerRound: flag("requests"),
  warmup: flag("warmup"),
  onRound: (r) =>
    console.log(
      `round ${String(r.round).padStart(2)} (${r.order[0]} first): sdk ${r.baselineUs.toFixed(1)} · mesh ${r.meshUs.toFixed(1)} · pass-through ${r.passThroughUs.toFixed(1)} µs/request`,
    ),
});
console.log(report(result));
const file = fileURLToPath(new URL("../results/p1.json", import.meta.url));
mkdirSync(fileURLToPath(new URL("../results/", import.meta.url)), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`written ${file} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
