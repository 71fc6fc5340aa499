/** Text output of the CLI: the config summary of `validate` and the dry-run trace of `explain`. */
import type { Mesh, RoutingTrace } from "@modelmesh/core";

/** Providers, models and pools of a built mesh, one per line. */
export function formatSummary(mesh: Mesh, file: string): string {
  const { router, config } = mesh;
  const lines: string[] = [`${file}: valid`];
  lines.push(`providers (${router.providers.size}):`);
  for (const [id] of router.providers) {
    const entry = config.providers[id];
    const models = [...router.models.values()].filter((m) => m.providerId === id).length;
    lines.push(`  ${id}  ${entry?.connector ?? "(injected)"}  ${models} model(s)`);
  }
  lines.push(`models (${router.models.size}):`);
  for (const model of router.models.values()) {
    lines.push(`  ${model.id}  → ${model.providerId}/${model.upstreamModel}  [${model.capabilities.join(", ")}]${model.contextWindow ? `  ctx ${model.contextWindow}` : ""}`);
  }
  const pools = [...router.pools.values()].filter((p) => !p.id.includes(":"));
  lines.push(`pools (${pools.length}):`);
  for (const pool of pools) {
    lines.push(`  ${pool.id}${pool.capability ? `  (${pool.capability})` : ""}  ${pool.policies.selection.id}  ${pool.members.length} member(s)${pool.members.length ? `: ${pool.members.join(", ")}` : ""}`);
  }
  const proxy = config.proxy;
  lines.push(`proxy: ${proxy.host}:${proxy.port}  auth ${proxy.auth && proxy.auth.enabled !== false ? `${proxy.auth.tokens.length} token(s)` : "off"}`);
  return `${lines.join("\n")}\n`;
}

/** The dry-run trace: what was asked, how it resolved, every candidate and why it is (not) eligible, the pick. */
export function formatTrace(trace: RoutingTrace, mesh: Mesh): string {
  const lines: string[] = [];
  lines.push(`request: model "${trace.requested}" (${trace.kind}${trace.stream ? ", stream" : ""})`);
  if (trace.resolution) lines.push(`resolved as ${trace.resolution.kind}: pool ${trace.resolution.poolId}${trace.resolution.node ? ` (${trace.resolution.node})` : ""}`);
  lines.push(`requirements: ${trace.requirements.length ? trace.requirements.join(", ") : "none"}`);
  lines.push(`candidates (${trace.candidates.length}):`);
  for (const candidate of trace.candidates) {
    const mark = candidate.excluded ? "✗" : "✓";
    const why = candidate.excluded
      ? `excluded at ${candidate.excluded.stage}${candidate.excluded.requirement ? ` (${candidate.excluded.requirement})` : ""}: ${candidate.excluded.reason}`
      : "eligible";
    lines.push(`  ${mark} ${candidate.routeId}  ${why}`);
  }
  const pick = trace.final;
  const pool = trace.resolution ? mesh.router.pools.get(trace.resolution.poolId) : undefined;
  if (pick) lines.push(`pick: ${pick.routeId} (upstream model ${pick.upstreamModel})${pool ? ` by ${pool.policies.selection.id}` : ""}`);
  else lines.push("pick: none — no candidate is eligible");
  for (const warning of trace.warnings) lines.push(`note: ${warning}`);
  return `${lines.join("\n")}\n`;
}

