#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p5`: runs P5, prints the figures and writes `results/p5.json`.
 * Flags: `--rounds N`, `--requests N` (per scenario per round), `--warmup N` (unmeasured rounds).
 */
import { environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { P5_SCENARIO_IDS, runP5, type P5Result, type P5Round } from "./p5.js";

const us = (value: number) => `${value.toFixed(1)} µs`;

function roundLine(r: P5Round): string {
  const parts = P5_SCENARIO_IDS.map((id) => {
    const s = r.scenarios[id];
    const dead = id === "baseline" ? "" : `, dead ×${s.deadEndpointAttempts}`;
    const failed = s.typedErrors + s.untypedErrors;
    return `${id} ${s.firstUs.toFixed(0)}/${s.restUs.toFixed(0)}${dead}${failed > 0 ? `, ${failed} FAILED` : ""}`;
  });
  return `round ${String(r.round).padStart(2)} (${r.order[0]} first): ${parts.join(" · ")} µs (first/rest)`;
}

function report(result: P5Result): string {
  const s = result.settings;
  const lines = [
    "",
    `P5 · a dead first provider at day-one defaults (${s.rounds} rounds × ${s.requestsPerRound} requests per scenario, a fresh client each, ${s.warmupRounds} warm-up round${s.warmupRounds === 1 ? "" : "s"}; model "${s.model}")`,
    `${"scenario".padEnd(52)}${"answered".padStart(10)}${"typed errors".padStart(14)}${"dead attempts/round".padStart(22)}${"first request".padStart(16)}${"rest".padStart(12)}${"first ratio".padStart(13)}${"steady ratio".padStart(14)}`,
  ];
  for (const id of P5_SCENARIO_IDS) {
    const c = result.scenarios[id];
    const typed = Object.values(c.typedErrors).reduce((sum, n) => sum + n, 0);
    const dead = c.attemptsCountedBy === "none" ? "–" : `max ${c.maxDeadEndpointAttemptsPerRound} (${c.attemptsCountedBy})`;
    lines.push(
      `${`${c.name} [${c.candidates} routes]`.padEnd(52)}${`${c.answered}/${c.requests}`.padStart(10)}${String(typed).padStart(14)}${dead.padStart(22)}${us(c.firstRequestUs).padStart(16)}${us(c.steadyUs).padStart(12)}${c.firstRequestRatio.toFixed(3).padStart(13)}${c.steadyRatio.toFixed(3).padStart(14)}`,
    );
  }
  for (const id of P5_SCENARIO_IDS) {
    const c = result.scenarios[id];
    const errors = Object.entries(c.typedErrors);
    if (errors.length > 0 || c.untypedErrors > 0) lines.push(`${id}: errors ${errors.map(([code, n]) => `${code} ×${n}`).join(", ") || "none typed"}; untyped ×${c.untypedErrors}`);
    const dead = Object.entries(c.deadAttemptErrors);
    if (dead.length > 0) lines.push(`${id}: attempts on the dead provider ended with ${dead.map(([code, n]) => `${code} ×${n}`).join(", ")}; per round ${c.deadEndpointAttemptsPerRound.join(" ")}`);
  }
  const a = result.acceptance;
  const share = a.answeredShare * 100;
  lines.push(`dead endpoint connection attempts per round: max ${a.maxDeadEndpointAttemptsPerRound} (target ≤ ${a.targetDeadEndpointAttemptsAtMost})`);
  lines.push(`answered: ${Number.isInteger(share) ? share : share.toFixed(2)}%  (${a.met ? "met" : "NOT met"})`);
  lines.push(environmentLine(result.environment));
  return lines.join("\n");
}

const started = performance.now();
const result = await runP5({
  rounds: intFlag("rounds"),
  requestsPerRound: intFlag("requests"),
  warmupRounds: intFlag("warmup"),
  onRound: (r) => console.log(roundLine(r)),
});
console.log(report(result));
console.log(`written ${writeResult("p5", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
