/**
 * RegistrySync: keeps track of the models each provider lists. `start(host)` syncs once at once and then every
 * `interval` after the previous sync ends: `host.listModels(provider)` for each synced provider (`providers`, else
 * every provider of the mesh), diffed against that provider's previous listing, and the {@link SyncResult}
 * (`<provider>/<model>` ids; a provider that cannot list is an entry of `errors`) goes to `host.syncResult`.
 *
 * A provider's first successful listing is its baseline: nothing is reported as new on the first sync. New models
 * are reported, not registered (the mesh builds its pools at start-up).
 */
import { BaseDiscovery, type DiscoveredModel } from "@modelmesh/cdk";
import { ConfigError, type Clock, type DiscoveryHost, type SyncResult, type SyncStatus } from "@modelmesh/core";
import { Schedule } from "./schedule.js";

/** Options of {@link RegistrySync}. */
export interface RegistrySyncOptions {
  /** Providers to sync; default every provider of the mesh. */
  providers?: readonly string[];
  /** Period between the end of one sync and the next, in ms. Default 3 600 000. */
  intervalMs?: number;
  /** Time source and scheduler. */
  clock?: Clock;
  /** Config path of the section, for error messages. Default `discovery.sync`. */
  configPath?: string;
}

/**
 * Background model-listing sync that reports changes to the mesh.
 *
 * @example
 * const sync = new RegistrySync({ intervalMs: 3_600_000 });
 * sync.start(host); // host: the mesh's DiscoveryHost (createMesh does this for `discovery.sync`)
 * await sync.getSyncStatus(); // { status: "idle", lastSync, nextSync, modelsSynced }
 */
export class RegistrySync extends BaseDiscovery {
  readonly #configured: readonly string[] | undefined;
  readonly #path: string;
  #host: DiscoveryHost | undefined;
  #schedule: Schedule | undefined;

  constructor(options: RegistrySyncOptions = {}) {
    super({
      id: "modelmesh.registry-sync.v1",
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.intervalMs !== undefined ? { syncIntervalMs: options.intervalMs } : {}),
      onNewModel: "notify",
      onDeprecatedModel: "notify",
    });
    this.#configured = options.providers ? [...options.providers] : undefined;
    this.#path = options.configPath ?? "discovery.sync";
  }

  /**
   * Starts syncing for `host`: once now, then every interval after the previous sync ends. Throws a config
   * error when a configured provider is not in the mesh. Idempotent while running.
   */
  override start(host?: DiscoveryHost): void {
    if (this.#schedule) return;
    if (!host) throw new TypeError(`[modelmesh] [discovery:${this.id}] start(host) needs the mesh's DiscoveryHost: the models are listed through it`);
    const known = new Set(host.providerIds());
    const unknown = (this.#configured ?? []).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ConfigError({
        code: "MM_CONFIG_INVALID",
        issues: [{ path: `${this.#path}.providers`, message: `the mesh has no provider ${unknown.map((id) => `'${id}'`).join(", ")} to sync (it has: ${[...known].join(", ") || "none"})` }],
      });
    }
    this.options.providers = this.#configured ? [...this.#configured] : [...known];
    this.#host = host;
    this.#schedule = new Schedule(this.clock, this.options.syncIntervalMs, async () => {
      const result = await this.sync();
      this.#host?.syncResult(result);
    });
  }

  /** Resolves once the sync in progress (if any) has ended. */
  async idle(): Promise<void> {
    await this.#schedule?.idle();
  }

  /** Cancels the schedule and waits for a sync in progress; reports nothing afterwards. */
  override async stop(): Promise<void> {
    const schedule = this.#schedule;
    this.#host = undefined;
    await schedule?.stop();
    if (this.#schedule === schedule) this.#schedule = undefined;
    await super.stop();
  }

  /** Syncs `providers` (default: the synced ones) now. Before `start(host)` every provider is an error. */
  override async sync(providers?: string[]): Promise<SyncResult> {
    return super.sync(providers ?? this.options.providers);
  }

  /** Last sync, models known and state; `nextSync` only while the schedule runs. */
  override async getSyncStatus(): Promise<SyncStatus> {
    const status = await super.getSyncStatus();
    if (!this.#schedule) delete status.nextSync;
    return status;
  }

  /** The provider's listing through the host; its first listing becomes its baseline. */
  protected override async discoverProviderModels(providerId: string): Promise<DiscoveredModel[]> {
    const host = this.#host;
    if (!host) throw new Error("not started: start(host) gives the sync the mesh's providers");
    const models = [...(await host.listModels(providerId))];
    if (!this.known.has(providerId)) this.known.set(providerId, new Map(models.map((id) => [id, ""])));
    return models;
  }
}
