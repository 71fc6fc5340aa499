#!/usr/bin/env node
/**
 * `pnpm --filter @modelmesh/bench bench:p4`: runs P4, prints the figures and writes `results/p4.json`.
 * Flags: `--counts 1000,2500,5000,10000` (held streams, a ramp), `--rounds N`, `--warmup N` (streams opened
 * and closed before the baseline), `--concurrency N` (openings in flight), `--settle MS`, `--ping MS`,
 * `--origins N` (upstream ports ModelMesh spreads its streams over; default: enough for its per-origin socket cap).
 */
import { environmentLine, intFlag, writeResult } from "./p2-cli-args.js";
import { P4_SIDE_IDS, runP4, type P4Result } from "./p4.js";

function countsFlag(argv = process.argv): number[] | undefined {
  const index = argv.indexOf("--counts");
  if (index < 0) return undefined;
  const counts = (argv[index + 1] ?? "").split(",").map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c <= 0)) throw new Error("[modelmesh] [bench] --counts needs positive integers separated by commas");
  return counts;
}

const kb = (value: number) => `${value.toFixed(1)} KB`;

function report(result: P4Result): string {
  const s = result.settings;
  const lines = [
    "",
    `P4 · idle streams: proxy RSS per held stream (${s.rounds} rounds, ramp ${s.counts.join(" → ")} streams, ${s.warmupStreams} warm-up streams, upstream ping every ${s.pingMs / 1000} s)`,
  ];
  const b = result.fdBudget;
  if (b.limit !== undefined) {
    lines.push(`file descriptors: the proxy's limit is ${b.limit}, ${b.baselineFds} open at baseline, ${b.fdsPerStream} per stream → at most ${b.maxStreams} streams`);
  }
  if (s.modelmeshOrigins > 1) {
    lines.push(`ModelMesh's transport holds at most ${s.modelmeshSocketsPerOrigin ?? "?"} sockets per upstream origin: its streams are spread over ${s.modelmeshOrigins} upstream ports (a provider and a one-model pool each, taken in turn)`);
  }
  lines.push(`upstream: ${result.upstream.started} streams started, ${result.upstream.pings} SSE comment pings written to held streams`);
  for (const l of b.lowered) lines.push(`  ${l.requested} streams do not fit: measured at ${l.measured} and extrapolated by the ramp's slope`);
  lines.push(`${"side".padEnd(56)}${"streams".padStart(8)}${"RSS".padStart(10)}${"KB/stream".padStart(11)}${"heap".padStart(9)}${"heap total".padStart(12)}${"external".padStart(10)}${"buffers".padStart(9)}${"fds".padStart(7)}`);
  for (const id of P4_SIDE_IDS) {
    const side = result.sides[id];
    if (!side) continue;
    lines.push(`${side.name.padEnd(56)}${"0".padStart(8)}${`${side.baselineRssMb.toFixed(1)} MB`.padStart(10)}`);
    for (const c of side.counts) {
      lines.push(
        `${"".padEnd(56)}${String(c.streams).padStart(8)}${`${c.rssMb.toFixed(1)} MB`.padStart(10)}${c.kbPerStream.toFixed(1).padStart(11)}${c.heapKbPerStream.toFixed(1).padStart(9)}${c.heapTotalKbPerStream.toFixed(1).padStart(12)}${c.externalKbPerStream.toFixed(1).padStart(10)}${c.arrayBuffersKbPerStream.toFixed(1).padStart(9)}${String(c.fds ?? "?").padStart(7)}`,
      );
    }
    lines.push(`${"".padEnd(56)}slope ${kb(side.slopeKbPerStream)}/stream · after close: RSS ${kb(side.retainedKbPerStream)}, heap ${kb(side.retainedHeapKbPerStream)} per stream still held`);
  }
  for (const r of result.ratioModelMeshToPassThrough) lines.push(`ModelMesh / pass-through at ${String(r.streams).padStart(5)} streams   ${r.ratio.toFixed(3)}  (${r.addedKbPerStream >= 0 ? "+" : "−"}${kb(Math.abs(r.addedKbPerStream))}/stream)`);
  const h = result.headline;
  if (h) {
    lines.push(`idle stream RSS: ${h.kbPerStream.toFixed(1)} KB/stream at ${h.streams} streams (target ≤ ${result.target.kbPerStreamAtMost} KB: ${result.target.met ? "met" : "NOT met"})`);
    if (h.extrapolatedRssMbAtTarget !== undefined) {
      lines.push(`  ${result.target.streams} streams extrapolated: slope ${kb(h.slopeKbPerStream)}/stream → ${h.extrapolatedRssMbAtTarget.toFixed(1)} MB RSS`);
    }
  }
  lines.push(environmentLine(result.environment));
  return lines.join("\n");
}

const started = performance.now();
const result = await runP4({
  counts: countsFlag(),
  rounds: intFlag("rounds"),
  warmupStreams: intFlag("warmup"),
  concurrency: intFlag("concurrency"),
  settleMs: intFlag("settle"),
  pingMs: intFlag("ping"),
  origins: intFlag("origins"),
  log: (line) => console.log(line),
});
console.log(report(result));
console.log(`written ${writeResult("p4", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
