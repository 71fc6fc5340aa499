/**
 * HealthMonitor: the CDK's HttpHealthDiscovery (`GET <endpoint><health_path>`, success iff the status is
 * `expected_status`) run in the background for a mesh. `start(host)` probes every monitored provider at once and
 * then every `interval` after a round ends; after `failure_threshold` consecutive failures it calls
 * `host.providerUnhealthy(id, report)` (once), and on the next success `host.providerHealthy(id, report)`.
 *
 * The monitored providers are `providers` when given, else every provider of the mesh (`host.providerIds()`).
 * Endpoints are never guessed (the monitor does not see the providers' configs): each monitored provider needs
 * an entry in `endpoints`, and `start` throws a config error naming the providers that have none, instead of
 * skipping them. An endpoint or a listed provider the mesh does not have is an error too.
 */
import { HttpHealthDiscovery, type HttpHealthDiscoveryOptions } from "@modelmesh/cdk";
import { ConfigError, type ConfigIssue, type DiscoveryHost, type HealthReport } from "@modelmesh/core";
import { Schedule } from "./schedule.js";

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions extends HttpHealthDiscoveryOptions {
  /** Config path of the section, for error messages. Default `discovery.health`. */
  configPath?: string;
}

/**
 * Background HTTP health probes that report findings to the mesh.
 *
 * @example
 * const monitor = new HealthMonitor({ endpoints: { openai: "https://api.openai.com/v1" }, healthPath: "/models", headers, failureThreshold: 2 });
 * monitor.start(host); // host: the mesh's DiscoveryHost (createMesh does this for `discovery.health`)
 * await monitor.stop();
 */
export class HealthMonitor extends HttpHealthDiscovery {
  readonly #configured: readonly string[] | undefined;
  /** Providers with an endpoint; filled by `registerProviderUrl`, which the base constructor already calls (so not a `#` field). */
  private declare endpointIds: Set<string> | undefined;
  readonly #path: string;
  readonly #unhealthy = new Set<string>();
  #schedule: Schedule | undefined;
  #host: DiscoveryHost | undefined;
  #reportedTo: DiscoveryHost | undefined;

  constructor(options: HealthMonitorOptions = {}) {
    super({ id: "modelmesh.health-monitor.v1", ...options });
    this.#configured = options.providers ? [...options.providers] : undefined;
    this.#path = options.configPath ?? "discovery.health";
  }

  /** Sets the base URL probed for a provider (takes effect at the next `start`). */
  override registerProviderUrl(providerId: string, baseUrl: string): void {
    super.registerProviderUrl(providerId, baseUrl);
    (this.endpointIds ??= new Set()).add(providerId);
  }

  /** The providers probed by the running monitor (empty before `start`). */
  get monitored(): readonly string[] {
    return this.#schedule ? [...this.options.providers] : [];
  }

  /** Providers currently reported unhealthy to the host. */
  get unhealthy(): readonly string[] {
    return [...this.#unhealthy].sort();
  }

  /**
   * Starts the probes: one round now, then one every `interval` after the previous ends. With a host, the
   * monitored providers are checked first (see the module comment) and a config error is thrown for any that
   * cannot be probed. Idempotent while running.
   */
  override start(host?: DiscoveryHost): void {
    if (this.#schedule) return;
    const providers = host ? this.#resolve(host) : [...(this.#configured ?? this.#endpoints())];
    this.options.providers = providers;
    // What another host was told does not concern this one; the same host restarted still has them parked.
    if (host !== this.#reportedTo) this.#unhealthy.clear();
    this.#host = host;
    this.#reportedTo = host;
    this.#schedule = new Schedule(this.clock, this.options.healthIntervalMs, () => this.#round());
  }

  /** Resolves once the probe round in progress (if any) has ended. */
  async idle(): Promise<void> {
    await this.#schedule?.idle();
  }

  /** Cancels the schedule and waits for a probe round in progress; reports nothing afterwards. */
  override async stop(): Promise<void> {
    const schedule = this.#schedule;
    this.#host = undefined;
    await schedule?.stop();
    if (this.#schedule === schedule) this.#schedule = undefined;
    await super.stop();
  }

  #endpoints(): string[] {
    return [...(this.endpointIds ?? [])];
  }

  async #round(): Promise<void> {
    const reports = await Promise.all(this.options.providers.map((id) => this.checkHealth(id)));
    for (const report of reports) this.#report(report);
  }

  #report(report: HealthReport): void {
    const host = this.#host;
    if (!host) return;
    const id = report.providerId;
    if (!report.success && report.consecutiveFailures >= this.options.failureThreshold && !this.#unhealthy.has(id)) {
      this.#unhealthy.add(id);
      host.providerUnhealthy(id, report);
    } else if (report.success && this.#unhealthy.delete(id)) {
      host.providerHealthy(id, report);
    }
  }

  /** The providers to monitor for `host`, or a config error listing every one that cannot be monitored. */
  #resolve(host: DiscoveryHost): string[] {
    const known = new Set(host.providerIds());
    const providers = this.#configured ? [...this.#configured] : [...known];
    const issues: ConfigIssue[] = [];
    for (const id of this.#configured ?? []) {
      if (!known.has(id)) issues.push({ path: `${this.#path}.providers`, message: `the mesh has no provider '${id}' to monitor (it has: ${[...known].join(", ") || "none"})` });
    }
    const missing = providers.filter((id) => known.has(id) && !this.#endpoints().includes(id));
    if (missing.length > 0) {
      issues.push({
        path: `${this.#path}.endpoints`,
        message: `no endpoint to probe for ${missing.map((id) => `'${id}'`).join(", ")}: the health monitor does not guess URLs; add endpoints.<provider>: <base url> for each, or list only the providers to probe in ${this.#path}.providers`,
      });
    }
    for (const id of this.#endpoints()) {
      if (!known.has(id)) issues.push({ path: `${this.#path}.endpoints.${id}`, message: `the mesh has no provider '${id}'` });
      else if (!providers.includes(id)) issues.push({ path: `${this.#path}.endpoints.${id}`, message: `provider '${id}' is not in ${this.#path}.providers, so this endpoint would never be probed` });
    }
    if (issues.length > 0) throw new ConfigError({ code: "MM_CONFIG_INVALID", issues });
    return providers;
  }
}
