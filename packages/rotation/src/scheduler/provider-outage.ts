import type { StateLedger } from "@modelmesh/core";
import type { WatchedRoute } from "./route-catalog.js";

/** Standby reasons that say the upstream is failing (as opposed to quota, maintenance or manual). */
const OUTAGE_REASONS: ReadonlySet<string> = /* @__PURE__ */ new Set(["error_threshold", "error_rate", "error_code"]);

/** Provider-level settings of the pools that contain a provider's routes. */
export interface OutageSettings {
  /** Some pool says `provider_deactivation: on_api_outage`. */
  detect: boolean;
  /** `on_manual` when any such pool says so (the stricter wins), else `on_probe_success`. */
  recovery: "on_probe_success" | "on_manual";
}

/** Reads `provider_deactivation` / `provider_recovery` of the watched pools containing `providerId`. */
export function outageSettings(routes: ReadonlyMap<string, WatchedRoute>, providerId: string): OutageSettings {
  let detect = false;
  let manual = false;
  for (const watched of routes.values()) {
    if (watched.route.providerId !== providerId) continue;
    if (watched.pool.provider_deactivation === "on_api_outage") detect = true;
    if (watched.pool.provider_recovery === "on_manual") manual = true;
  }
  return { detect, recovery: manual ? "on_manual" : "on_probe_success" };
}

/**
 * Provider-level deactivation on an API outage: when every watched route of `providerId` is on standby for
 * an error reason, the whole provider is parked (reason `error_threshold`), so its models drop out of every
 * pool at once, including pools that were not watching. It comes back when its earliest route does, or, with
 * `provider_recovery: on_manual`, only through `ledger.reactivateProvider`. Returns true when it parked.
 */
export async function detectProviderOutage(ledger: StateLedger, routes: ReadonlyMap<string, WatchedRoute>, providerId: string): Promise<boolean> {
  const settings = outageSettings(routes, providerId);
  if (!settings.detect) return false;
  if ((await ledger.providerStatus(providerId)).status === "standby") return false;
  let earliest = Infinity;
  for (const watched of routes.values()) {
    if (watched.route.providerId !== providerId) continue;
    const snapshot = await ledger.snapshot(watched.route, watched.policies);
    if (snapshot.status !== "standby" || snapshot.reason === undefined || !OUTAGE_REASONS.has(snapshot.reason)) return false;
    earliest = Math.min(earliest, snapshot.standbyUntil ?? Infinity);
  }
  const until = settings.recovery === "on_manual" || !Number.isFinite(earliest) ? undefined : earliest;
  await ledger.deactivateProvider(providerId, "error_threshold", until);
  return true;
}
