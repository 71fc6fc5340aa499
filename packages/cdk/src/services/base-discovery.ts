/**
 * BaseDiscovery: registry sync by content hash (a model is "updated" only when its description changed,
 * not on every sync that still lists it), health probes with a rolling availability score, and
 * start/stop scheduling on the injected Clock (background timers: they never keep the process alive). Override
 * `discoverProviderModels(id)` and `probe(id)`; act on changes through the `registerModel` /
 * `deactivateModel` / `notify` hooks or the `onChange` option.
 */
import { systemClock, type Clock, type DiscoveryConnectorV1, type HealthReport, type ModelInfo, type ProbeResult, type SyncResult, type SyncStatus } from "@modelmesh/core";
import type { DeprecationAction, SyncAction } from "../helpers/enums.js";
import { redactText } from "../helpers/redact.js";
import { contentHash, stableStringify } from "../helpers/stable-json.js";
import { raceTimeout } from "../mixins/timeout.js";

/** A discovered model: its id, or its full description (hashed for change detection). */
export type DiscoveredModel = string | ModelInfo;

/** Options of {@link BaseDiscovery}. Durations in ms. */
export interface DiscoveryOptions {
  /** Connector id. Default `modelmesh.base-discovery.v1`. */
  id?: string;
  /** Provider ids synced and probed by default. */
  providers?: readonly string[];
  /** Known catalogue per provider (the baseline of the first diff). */
  models?: Record<string, readonly DiscoveredModel[]>;
  /** Sync interval when started. Default 3 600 000. */
  syncIntervalMs?: number;
  /** Health probe interval when started. Default 60 000. */
  healthIntervalMs?: number;
  /** Per-probe timeout. Default 10 000. */
  healthTimeoutMs?: number;
  /** Consecutive probe failures after which a provider counts as degraded. Default 3. */
  failureThreshold?: number;
  /** Probe results kept per provider for the availability score. Default 100. */
  historySize?: number;
  /** What to do with new models. Default `register`. */
  onNewModel?: SyncAction;
  /** What to do with models that disappeared. Default `notify`. */
  onDeprecatedModel?: DeprecationAction;
  /** `getHealthReport` probes now (true) or returns the latest results (false). Default true. */
  probeOnReport?: boolean;
  /** Called after every sync that found changes. */
  onChange?: (result: SyncResult) => void;
  /** Time source and scheduler. Default: the system clock. */
  clock?: Clock;
}

/** Base discovery connector with working defaults. */
export class BaseDiscovery implements DiscoveryConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  /** Time source. */
  protected readonly clock: Clock;
  /** Resolved options. */
  protected readonly options: Required<Omit<DiscoveryOptions, "onChange" | "clock" | "models" | "id">> & Pick<DiscoveryOptions, "onChange">;
  /** Known catalogue: provider → model id → content hash. */
  protected readonly known = new Map<string, Map<string, string>>();
  readonly #history = new Map<string, { results: boolean[]; consecutiveFailures: number; last?: HealthReport }>();
  #lastSync: number | undefined;
  #status: SyncStatus["status"] = "pending";
  #timers: Array<() => void> = [];
  #running = new Set<Promise<unknown>>();
  #started = false;

  constructor(options: DiscoveryOptions = {}) {
    this.id = options.id ?? "modelmesh.base-discovery.v1";
    this.clock = options.clock ?? systemClock;
    this.options = {
      providers: options.providers ?? Object.keys(options.models ?? {}),
      syncIntervalMs: options.syncIntervalMs ?? 3_600_000,
      healthIntervalMs: options.healthIntervalMs ?? 60_000,
      healthTimeoutMs: options.healthTimeoutMs ?? 10_000,
      failureThreshold: options.failureThreshold ?? 3,
      historySize: Math.max(1, options.historySize ?? 100),
      onNewModel: options.onNewModel ?? "register",
      onDeprecatedModel: options.onDeprecatedModel ?? "notify",
      probeOnReport: options.probeOnReport ?? true,
      onChange: options.onChange,
    };
    for (const [provider, models] of Object.entries(options.models ?? {})) this.known.set(provider, this.#hashAll(models));
  }

  // -- registry sync ----------------------------------------------------------------------------------

  /** Diffs each provider's current catalogue against the known one; ids are `<provider>/<model>`. */
  async sync(providers: readonly string[] = this.options.providers): Promise<SyncResult> {
    const result: SyncResult = { newModels: [], deprecatedModels: [], updatedModels: [], errors: [] };
    this.#status = "running";
    for (const provider of providers) {
      try {
        const discovered = this.#hashAll(await this.discoverProviderModels(provider));
        await this.#apply(provider, discovered, result);
      } catch (error) {
        result.errors.push(`${provider}: ${redactText(error instanceof Error ? error.message : String(error))}`);
      }
    }
    this.#lastSync = this.clock.now();
    this.#status = result.errors.length > 0 && result.errors.length === providers.length && providers.length > 0 ? "error" : "idle";
    if (result.newModels.length + result.deprecatedModels.length + result.updatedModels.length > 0) this.options.onChange?.(result);
    return result;
  }

  /** Last and next sync, models known, state. */
  async getSyncStatus(): Promise<SyncStatus> {
    let modelsSynced = 0;
    for (const models of this.known.values()) modelsSynced += models.size;
    const status: SyncStatus = { modelsSynced, status: this.#status };
    if (this.#lastSync !== undefined) {
      status.lastSync = this.#lastSync;
      status.nextSync = this.#lastSync + this.options.syncIntervalMs;
    }
    return status;
  }

  /** The provider's current catalogue (hook). Default: the known list, i.e. no change. */
  protected async discoverProviderModels(providerId: string): Promise<DiscoveredModel[]> {
    return [...(this.known.get(providerId)?.keys() ?? [])];
  }

  /** Called for a new model when `onNewModel` is `register` (hook). */
  protected async registerModel(_providerId: string, _modelId: string): Promise<void> {}

  /** Called for a vanished model when `onDeprecatedModel` is `deactivate` (hook). */
  protected async deactivateModel(_providerId: string, _modelId: string): Promise<void> {}

  /** Called for changes whose action is `notify` (hook). */
  protected async notify(_change: { kind: "new" | "deprecated" | "updated"; providerId: string; modelId: string }): Promise<void> {}

  async #apply(provider: string, discovered: Map<string, string>, result: SyncResult): Promise<void> {
    const known = this.known.get(provider) ?? new Map<string, string>();
    const next = new Map<string, string>();
    for (const [model, hash] of discovered) {
      const previous = known.get(model);
      if (previous === undefined) {
        if (this.options.onNewModel === "ignore") continue;
        result.newModels.push(`${provider}/${model}`);
        if (this.options.onNewModel === "register") await this.registerModel(provider, model);
        else await this.notify({ kind: "new", providerId: provider, modelId: model });
      } else if (previous !== hash) {
        result.updatedModels.push(`${provider}/${model}`);
        await this.notify({ kind: "updated", providerId: provider, modelId: model });
      }
      next.set(model, hash);
    }
    for (const model of known.keys()) {
      if (discovered.has(model)) continue;
      result.deprecatedModels.push(`${provider}/${model}`);
      if (this.options.onDeprecatedModel === "deactivate") await this.deactivateModel(provider, model);
      else if (this.options.onDeprecatedModel === "notify") await this.notify({ kind: "deprecated", providerId: provider, modelId: model });
    }
    this.known.set(provider, next);
  }

  #hashAll(models: readonly DiscoveredModel[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const model of models) {
      if (typeof model === "string") out.set(model, "");
      else out.set(model.id, contentHash(stableStringify(model)));
    }
    return out;
  }

  // -- health -----------------------------------------------------------------------------------------

  /** One health probe (hook). Default: success in 0 ms. */
  async probe(providerId: string): Promise<ProbeResult> {
    return { providerId, success: true, latencyMs: 0 };
  }

  /** Probes (or, with `probeOnReport: false`, reads) the health of one or all providers. */
  async getHealthReport(providerId?: string): Promise<HealthReport[]> {
    const targets = providerId !== undefined ? [providerId] : this.options.providers;
    if (!this.options.probeOnReport) {
      return targets.map((id) => this.#history.get(id)?.last ?? { providerId: id, success: true, availabilityScore: 1, timestamp: this.clock.now(), consecutiveFailures: 0 });
    }
    return Promise.all(targets.map((id) => this.checkHealth(id)));
  }

  /** Runs one bounded probe and records it in the provider's history. */
  async checkHealth(providerId: string): Promise<HealthReport> {
    let result: ProbeResult;
    try {
      result = await raceTimeout(this.probe(providerId), this.options.healthTimeoutMs, undefined, { clock: this.clock, operation: `discovery:${this.id}:probe` });
    } catch (error) {
      result = { providerId, success: false, error: redactText(error instanceof Error ? error.message : String(error)) };
    }
    let history = this.#history.get(providerId);
    if (!history) this.#history.set(providerId, (history = { results: [], consecutiveFailures: 0 }));
    history.results.push(result.success);
    if (history.results.length > this.options.historySize) history.results.shift();
    history.consecutiveFailures = result.success ? 0 : history.consecutiveFailures + 1;
    const successes = history.results.filter(Boolean).length;
    const report: HealthReport = { ...result, availabilityScore: successes / history.results.length, timestamp: this.clock.now(), consecutiveFailures: history.consecutiveFailures };
    history.last = report;
    return report;
  }

  /** True once `failureThreshold` probes in a row failed. */
  isProviderDegraded(providerId: string): boolean {
    return (this.#history.get(providerId)?.consecutiveFailures ?? 0) >= this.options.failureThreshold;
  }

  // -- scheduling -------------------------------------------------------------------------------------

  /** Starts periodic sync and health probes. Idempotent. Runs do not overlap: the next is armed after one ends. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(this.options.syncIntervalMs, () => this.sync());
    this.#schedule(this.options.healthIntervalMs, () => this.getHealthReport());
  }

  /** Cancels the schedules and waits for runs in progress. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const cancel of this.#timers.splice(0)) cancel();
    await Promise.allSettled([...this.#running]);
  }

  #schedule(intervalMs: number, job: () => Promise<unknown>): void {
    const slot = this.#timers.length;
    const arm = () => {
      this.#timers[slot] = this.clock.setTimer(() => {
        if (!this.#started) return;
        const run = job().catch(() => undefined);
        this.#running.add(run);
        void run.finally(() => {
          this.#running.delete(run);
          if (this.#started) arm();
        });
      }, intervalMs, { background: true });
    };
    arm();
  }
}
