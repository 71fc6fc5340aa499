/**
 * The compact status block under the request log: one row per route of the pool (state, cooldown, quota
 * used today, requests served), plus a header line with the story time and what is in flight. Pure.
 */
import type { RouteSnapshot } from "@modelmesh/core";
import { formatMs, formatUtcTime, labelOf } from "./narrate.js";
import type { Segment } from "./view.js";

/** What the block shows besides the route snapshots. */
export interface StatusInput {
  /** Route snapshots in pool order (`client.poolStatus(pool)[pool]`). */
  routes: readonly RouteSnapshot[];
  /** Current story time (epoch ms) for countdowns. */
  now: number;
  /** Milliseconds since the story began. */
  elapsedMs: number;
  /** Requests-per-day caps by provider name. */
  dailyLimits: Readonly<Record<string, number>>;
  /** Requests served so far by route id. */
  served: ReadonlyMap<string, number>;
  /** When each route's full quota window resets (from `quota-exhausted` events). */
  quotaResets: ReadonlyMap<string, number>;
  /** One line about what is going on (`#12 streaming from …`), or undefined. */
  activity?: string;
  pool: string;
  strategy: string;
}

const LABEL_WIDTH = 22;
const STATE_WIDTH = 40;

/** The rows of the block. */
export function statusBlock(input: StatusInput): Segment[][] {
  const header: Segment[] = [["  ▸ ", "dim"], [`t=${(input.elapsedMs / 1000).toFixed(1)}s`, "bold"], [` pool ${input.pool} (${input.strategy})`, "dim"]];
  if (input.activity) header.push(["  ", "dim"], [input.activity, "magenta"]);
  const columns: Segment[] = [["    " + "route".padEnd(LABEL_WIDTH) + "state".padEnd(STATE_WIDTH) + "reqs/day".padEnd(10) + "served", "dim"]];
  return [header, columns, ...input.routes.map((route) => routeRow(route, input))];
}

/** What identifies the block's state for plain output (ignores countdowns and served counts). */
export function statusKey(routes: readonly RouteSnapshot[], dailyLimits: Readonly<Record<string, number>>): string {
  return routes
    .map((r) => {
      const limit = dailyLimits[r.providerId];
      const full = limit !== undefined && r.usage.requestsDay >= limit;
      return `${r.routeId}:${r.status}:${r.circuit}:${r.reason ?? ""}:${r.standbyUntil ?? ""}:${full}`;
    })
    .join("|");
}

function routeRow(route: RouteSnapshot, input: StatusInput): Segment[] {
  const limit = input.dailyLimits[route.providerId];
  const used = route.usage.requestsDay;
  const resetsAt = input.quotaResets.get(route.routeId);
  const [symbol, state, style] =
    route.status === "active" && limit !== undefined && used >= limit
      ? (["○", `quota full${resetsAt !== undefined ? `, resets ${formatUtcTime(resetsAt)}` : ""}: skipped`, "red"] as const)
      : stateOf(route, input.now);
  const quota = limit === undefined ? `${used}` : `${used}/${limit}${used >= limit ? " full" : ""}`;
  return [
    "  ",
    [`${symbol} `, style],
    labelOf(route.routeId).padEnd(LABEL_WIDTH),
    [state.padEnd(STATE_WIDTH), style],
    [quota.padEnd(10), limit !== undefined && used >= limit ? "red" : "dim"],
    `${input.served.get(route.routeId) ?? 0}`,
  ];
}

function stateOf(route: RouteSnapshot, now: number): [symbol: string, text: string, style: "green" | "yellow" | "red"] {
  if (route.status === "standby") {
    const left = route.standbyUntil !== undefined ? route.standbyUntil - now : undefined;
    const when = left === undefined ? "until reactivated" : left > 0 ? `back in ${formatMs(left)}` : "probe due";
    return ["●", `standby: ${route.reason ?? "manual"}, ${when}`, "red"];
  }
  if (route.circuit === "half-open") return ["◐", "half-open: next request is a probe", "yellow"];
  const limit = route.consecutiveFailures > 0 ? `, ${route.consecutiveFailures} failure(s) in a row` : "";
  return ["●", `active${limit}`, limit ? "yellow" : "green"];
}
