/**
 * Turns what the mesh reports (its events and the routing trace of each request) into the short "why"
 * phrases of the demo's request lines. Pure functions; no I/O.
 */
import type { MeshEvent, RoutingTrace } from "modelmesh";

/** `primary/primary.swift-1` → `primary/swift-1` (the route id repeats the provider in the model id). */
export function labelOf(routeId: string): string {
  const slash = routeId.indexOf("/");
  if (slash < 0) return routeId;
  const provider = routeId.slice(0, slash);
  const model = routeId.slice(slash + 1);
  return `${provider}/${model.startsWith(`${provider}.`) ? model.slice(provider.length + 1) : model}`;
}

/** `1234` → `1.2s`, `80` → `80ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.max(0, Math.round(ms))}ms`;
}

/** `HH:MM UTC` of an epoch instant. */
export function formatUtcTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 16)} UTC`;
}

/** A phrase about one event: the route it concerns (a label) and what happened to it. */
export interface EventPhrase {
  route?: string;
  text: string;
}

/**
 * What an event says about routing, or undefined for bookkeeping events (request-start, attempt-start,
 * route-selected, stream-commit, stream-end, request-end).
 */
export function phraseOf(event: MeshEvent): EventPhrase | undefined {
  switch (event.type) {
    case "attempt-error": {
      const what = `${event.status ?? event.code} ${event.category}`;
      const then = event.action === "retry-same-route" ? ` → retry in ${formatMs(event.delayMs ?? 0)}` : event.action === "rotate" ? "" : ` → ${event.action}`;
      return { route: labelOf(event.routeId), text: `${what}${then}` };
    }
    case "rotation":
      return { text: `failover to ${labelOf(event.to)} (${event.reason})` };
    case "route-deactivated":
      return { route: labelOf(event.routeId), text: `standby${event.until !== undefined ? ` ${formatMs(event.until - event.timestamp)}` : ""} (${event.reason})` };
    case "route-recovered":
      if (event.halfOpen) return { route: labelOf(event.routeId), text: "cooldown over → probe" };
      return { route: labelOf(event.routeId), text: event.trigger === "probe_success" ? "probe ok → active" : `active again (${event.trigger})` };
    case "quota-exhausted":
      return { route: labelOf(event.routeId), text: `quota full (${event.window.replace(":", " ")}), resets ${formatUtcTime(event.resetsAt)}` };
    case "provider-deactivated":
      return { text: `provider ${event.providerId} on standby (${event.reason})` };
    case "provider-recovered":
      return { text: `provider ${event.providerId} back (${event.trigger})` };
    default:
      return undefined;
  }
}

/** One self-contained phrase per event (for events that happen between requests). */
export function describeEvent(event: MeshEvent): string | undefined {
  const phrase = phraseOf(event);
  return phrase && (phrase.route ? `${phrase.route}: ${phrase.text}` : phrase.text);
}

/** Phrases of consecutive events about the same route, merged: `primary/swift-1: 503 server, standby 1.3s (…)`. */
export function describeEvents(events: readonly MeshEvent[]): string[] {
  const out: string[] = [];
  let group: { route: string; texts: string[] } | undefined;
  const flush = () => {
    if (group) out.push(`${group.route}: ${group.texts.join(", ")}`);
    group = undefined;
  };
  for (const event of events) {
    const phrase = phraseOf(event);
    if (!phrase) continue;
    if (phrase.route === undefined) {
      flush();
      out.push(phrase.text);
    } else if (group?.route === phrase.route) group.texts.push(phrase.text);
    else {
      flush();
      group = { route: phrase.route, texts: [phrase.text] };
    }
  }
  flush();
  return out;
}

/** Shortens an exclusion reason from the trace (`quota: provider requests-per-day until <ISO>` → `quota full`). */
function shortExclusion(reason: string, now: number): string {
  if (reason.startsWith("quota:")) return "quota full";
  const standby = /^(?:on standby \(([^)]*)\)|route standby: (\S+))(?: until (\S+))?/.exec(reason);
  if (standby) {
    const why = standby[1] ?? standby[2];
    const until = standby[3] ? Date.parse(standby[3]) : NaN;
    return Number.isFinite(until) ? `standby, ${formatMs(until - now)} left` : `standby: ${why}`;
  }
  return reason;
}

/** Candidates the state filter removed (standby, quota), as `label (why)` phrases. */
export function describeSkipped(trace: RoutingTrace, now: number): string[] {
  return trace.candidates
    .filter((c) => c.excluded?.stage === "state")
    .map((c) => `${labelOf(c.routeId)} (${shortExclusion(c.excluded!.reason, now)})`);
}

/** Why the answering route was chosen (the strategy's reason on the last attempt). */
export function describePick(trace: RoutingTrace): string | undefined {
  const reason = trace.attempts.at(-1)?.reason;
  if (!reason) return undefined;
  const priority = /model priority #(\d+)/.exec(reason);
  return priority ? `priority #${priority[1]}` : reason;
}

/**
 * The "why" of a request: what happened during it (failures, failovers, standby, quota), then which
 * candidates were skipped, then why the answering model was picked.
 */
export function explainRequest(trace: RoutingTrace | undefined, events: readonly MeshEvent[]): string[] {
  const ordered = orderForReading(events);
  const phrases = describeEvents(ordered);
  if (!trace) return phrases;
  const now = trace.endedAt ?? trace.startedAt;
  const mentioned = new Set(ordered.map((e) => phraseOf(e)?.route));
  const skipped = describeSkipped(trace, now).filter((s) => !mentioned.has(s.slice(0, s.indexOf(" "))));
  if (skipped.length > 0) phrases.push(`skipped ${skipped.join(", ")}`);
  const pick = describePick(trace);
  if (pick) phrases.push(`picked: ${pick}`);
  return phrases;
}

/** The ledger reports a standby before the attempt error that caused it; tell them in the order they happened. */
export function orderForReading(events: readonly MeshEvent[]): MeshEvent[] {
  const out = [...events];
  for (let i = 0; i + 1 < out.length; i++) {
    const [a, b] = [out[i]!, out[i + 1]!];
    if (a.type === "route-deactivated" && b.type === "attempt-error" && a.routeId === b.routeId) {
      out[i] = b;
      out[i + 1] = a;
      i++;
    }
  }
  return out;
}
