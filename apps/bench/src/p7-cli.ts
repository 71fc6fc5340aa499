#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p7`: runs P7, prints the growth table and writes `results/p7.json`.
 * Flags: `--rounds N`, `--requests N` (per kind per size per round), `--warmup N`, `--sizes 10,100,1000,10000`.
 */
import { environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { runP7, type P7Result, type P7Round } from "./p7.js";

const us = (value: number) => `${value.toFixed(2)} µs`;

function sizesFlag(argv = process.argv): number[] | undefined {
  const index = argv.indexOf("--sizes");
  if (index < 0) return undefined;
  const sizes = String(argv[index + 1]).split(",").map(Number);
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("[modelmesh] [bench] --sizes needs at least two positive integers, comma-separated");
  return sizes;
}

function roundLine(r: P7Round): string {
  const parts = r.sizes.map((s) => `${s.models}: ${s.decisionUs.toFixed(1)}/${s.chatUs.toFixed(1)}`);
  return `round ${String(r.round).padStart(2)} (${r.order[0]} first): ${parts.join(" · ")} µs (decision/chat)`;
}

function report(result: P7Result): string {
  const s = result.settings;
  const lines = [
    "",
    `P7 · routing decision by pool size (${s.rounds} rounds × ${s.requestsPerRound} per kind per size, ${s.warmup} warm-up; model "${s.model}", one in-process stub provider)`,
    `${"models".padStart(8)}${"listed".padStart(8)}${"decision".padStart(14)}${"vs smallest".padStart(13)}${"chat".padStart(14)}${"stub alone".padStart(14)}${"chat added".padStart(14)}`,
  ];
  const base = result.sizes[0]!;
  for (const size of result.sizes) {
    lines.push(
      `${String(size.models).padStart(8)}${String(size.listed).padStart(8)}${us(size.decisionUs).padStart(14)}${`${(size.decisionUs / base.decisionUs).toFixed(2)}x`.padStart(13)}${us(size.chatUs).padStart(14)}${us(size.providerUs).padStart(14)}${us(size.chatAddedUs).padStart(14)}`,
    );
  }
  const g = result.growth;
  const a = result.acceptance;
  lines.push(`growth ${g.from} → ${g.to} models: decision ×${g.decisionRatio} (log-log slope ${g.decisionExponent}; 1 = linear), chat added ×${g.chatAddedRatio}`);
  lines.push(`decision at ${a.models} models: ${us(a.decisionUs)} median (target ≤ ${a.targetDecisionUs} µs, sub-linear: ${a.subLinear ? "yes" : "no"})  (${a.met ? "met" : "NOT met"})`);
  lines.push(environmentLine(result.environment));
  return lines.join("\n");
}

const started = performance.now();
const result = await runP7({
  sizes: sizesFlag(),
  rounds: intFlag("rounds"),
  requestsPerRound: intFlag("requests"),
  warmup: intFlag("warmup"),
  onRound: (r) => console.log(roundLine(r)),
});
console.log(report(result));
console.log(`written ${writeResult("p7", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
