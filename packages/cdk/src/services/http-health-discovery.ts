/**
 * HttpHealthDiscovery: BaseDiscovery whose probe is `GET {baseUrl}{healthPath}`; success iff the status
 * equals `expectedStatus`. Uses an injected `Transport` (docs/ARCHITECTURE.md §2.4) or the global `fetch`; the probe
 * is aborted after `healthTimeoutMs`. Errors are reported without URLs' credentials or query strings.
 */
import { BaseDiscovery, type DiscoveryOptions } from "./base-discovery.js";
import type { ProbeResult } from "@modelmesh/core";
import type { Transport } from "../transport/types.js";
import { redactText } from "../helpers/redact.js";

/** Options of {@link HttpHealthDiscovery}. */
export interface HttpHealthDiscoveryOptions extends DiscoveryOptions {
  /** Base URL per provider id (trailing `/` ignored). More can be added with `registerProviderUrl`. */
  endpoints?: Record<string, string>;
  /** Path appended to the base URL. Default `/health`. */
  healthPath?: string;
  /** Status that means healthy. Default 200. */
  expectedStatus?: number;
  /** Headers sent with each probe (e.g. auth for a private health endpoint). */
  headers?: Record<string, string>;
  /** Transport; default: the global `fetch`. */
  transport?: Transport;
}

/** Health probes over HTTP. */
export class HttpHealthDiscovery extends BaseDiscovery {
  readonly #endpoints = new Map<string, string>();
  readonly #healthPath: string;
  readonly #expectedStatus: number;
  readonly #headers: Record<string, string>;
  readonly #transport: Transport | undefined;

  constructor(options: HttpHealthDiscoveryOptions = {}) {
    super({ id: "modelmesh.http-health.v1", providers: options.providers ?? Object.keys(options.endpoints ?? {}), ...options });
    for (const [id, url] of Object.entries(options.endpoints ?? {})) this.registerProviderUrl(id, url);
    this.#healthPath = options.healthPath ?? "/health";
    this.#expectedStatus = options.expectedStatus ?? 200;
    this.#headers = options.headers ?? {};
    this.#transport = options.transport;
  }

  /** Sets the base URL probed for a provider. */
  registerProviderUrl(providerId: string, baseUrl: string): void {
    this.#endpoints.set(providerId, baseUrl.replace(/\/+$/, ""));
    if (!this.options.providers.includes(providerId)) this.options.providers = [...this.options.providers, providerId];
  }

  /** GETs the health URL; latency is measured on the discovery clock. */
  override async probe(providerId: string): Promise<ProbeResult> {
    const base = this.#endpoints.get(providerId);
    if (base === undefined) return { providerId, success: false, error: `No URL registered for provider: ${providerId}` };
    const controller = new AbortController();
    // Request-scoped (the probe is awaited); bounded by `healthTimeoutMs` and cancelled in `finally`.
    const cancel = this.clock.setTimer(() => controller.abort(new Error(`health probe timed out after ${this.options.healthTimeoutMs} ms`)), this.options.healthTimeoutMs);
    const started = this.clock.now();
    try {
      const status = await this.#get(`${base}${this.#healthPath}`, controller.signal);
      const latencyMs = this.clock.now() - started;
      const success = status === this.#expectedStatus;
      return { providerId, success, latencyMs, statusCode: status, ...(success ? {} : { error: `expected HTTP ${this.#expectedStatus}, got ${status}` }) };
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      return { providerId, success: false, latencyMs: this.clock.now() - started, error: redactText(reason instanceof Error ? reason.message : String(reason)) };
    } finally {
      cancel();
    }
  }

  async #get(url: string, signal: AbortSignal): Promise<number> {
    if (this.#transport) {
      const response = await this.#transport({ method: "GET", url, headers: { ...this.#headers }, signal, headersTimeoutMs: this.options.healthTimeoutMs });
      await response.cancel();
      return response.status;
    }
    const response = await globalThis.fetch(url, { method: "GET", headers: this.#headers, signal });
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
}
