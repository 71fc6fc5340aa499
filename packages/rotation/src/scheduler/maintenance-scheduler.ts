import type { Clock, StateLedger } from "@modelmesh/core";
import { parseCron } from "../policies/cron.js";
import type { CronSchedule } from "../policies/cron.js";
import { catalogRoutes } from "./route-catalog.js";
import type { SchedulerMesh } from "./route-catalog.js";

/** Options of {@link MaintenanceScheduler}. */
export interface MaintenanceSchedulerOptions {
  /** Pools whose `deactivation.maintenance_window` is honoured. Default: every configured pool. */
  pools?: readonly string[];
  /** Time zone the cron fields are read in. Default `UTC`. */
  timeZone?: string;
  /** Time source. Default: the router's clock. */
  clock?: Clock;
}

interface Window {
  poolId: string;
  schedule: CronSchedule;
  routeIds: string[];
}

/**
 * Puts routes on standby for their pool's `deactivation.maintenance_window` before the window starts to
 * matter: at each window start it parks every route of the pool with reason `maintenance_window` until the
 * window ends (`ledger.deactivateRoute`), so no request is sent into the window; afterwards the route comes
 * back through the usual half-open probe. Without this scheduler the rules deactivation policy still parks a
 * route, but only after the first attempt inside the window. Timers come from the clock.
 *
 * @example
 * const maintenance = new MaintenanceScheduler(mesh);
 * await maintenance.start();
 */
export class MaintenanceScheduler {
  readonly #ledger: StateLedger;
  readonly #clock: Clock;
  readonly #windows: Window[] = [];
  readonly #timers = new Map<string, () => void>();
  readonly #pending = new Set<Promise<void>>();
  #running = false;

  constructor(mesh: SchedulerMesh & { readonly ledger: StateLedger }, options: MaintenanceSchedulerOptions = {}) {
    this.#ledger = mesh.ledger;
    this.#clock = options.clock ?? mesh.router.clock;
    const routes = [...catalogRoutes(mesh, options.pools).values()];
    for (const poolId of options.pools ?? Object.keys(mesh.config.pools)) {
      const cron = mesh.config.pools[poolId]?.deactivation.maintenance_window;
      if (cron === undefined) continue;
      const routeIds = mesh.router.pools.get(poolId)?.members.map((m) => routes.find((w) => w.model.id === m)?.route.routeId).filter((id): id is string => id !== undefined) ?? [];
      this.#windows.push({ poolId, schedule: parseCron(cron, options.timeZone), routeIds });
    }
  }

  /** Parks the routes of pools already inside a window and arms a timer for each pool's next window. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await Promise.all(this.#windows.map((window) => this.#enter(window)));
  }

  /** Resolves when the window openings fired by timers so far have parked their routes. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Cancels the timers. Routes already parked stay parked until their window ends. */
  stop(): void {
    this.#running = false;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  /** Parks the pool's routes if its window is open now, then waits for the next window. */
  async #enter(window: Window): Promise<void> {
    if (!this.#running) return;
    const now = this.#clock.now();
    const end = window.schedule.windowEnd(now);
    if (end !== undefined) await Promise.all(window.routeIds.map((id) => this.#ledger.deactivateRoute(id, "maintenance_window", end)));
    const next = window.schedule.nextStart(end ?? now);
    if (next === undefined) return;
    this.#timers.set(
      window.poolId,
      this.#clock.setTimer(() => {
        // Timer-driven: nobody awaits it except `idle()`, so a failure must not become an unhandled rejection.
        const entering = this.#enter(window).catch(() => {});
        this.#pending.add(entering);
        void entering.finally(() => this.#pending.delete(entering));
      }, next - now, { background: true }),
    );
  }
}
