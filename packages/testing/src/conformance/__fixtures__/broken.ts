/**
 * Test fixtures (not exported): deliberately broken connectors, each violating one contract rule, used by
 * `test/conformance.*.test.ts` to prove the suites can fail — and fail the right check.
 */
import {
  ModelMeshError,
  type AttemptOutcome,
  type CallOptions,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type DeactivationDecision,
  type DeactivationPolicyV1,
  type DiscoveryConnectorV1,
  type ErrorClassification,
  type LockHandle,
  type ModelInfo,
  type ObservabilityConnectorV1,
  type RecoveryPolicyV1,
  type RouteSnapshot,
  type SecretStoreConnectorV1,
  type SelectionContext,
  type SelectionResult,
  type SelectionStrategyV1,
  type StorageConnectorV1,
  type StorageEntry,
} from "@modelmesh/core";
import { ReferenceProvider } from "./reference-provider.js";

// -- providers ---------------------------------------------------------------------------------------

/** `getCapabilities()` lists a path with an empty segment. */
export class BlankCapabilityProvider extends ReferenceProvider {
  override getCapabilities(): string[] {
    return ["generation..chat-completion"];
  }
}

/** A cut stream is swallowed and presented as a clean end (which docs/ARCHITECTURE.md §2.8 forbids). */
export class SwallowingStreamProvider extends ReferenceProvider {
  override async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<ChatCompletionChunk> {
    try {
      yield* super.stream(request, options);
    } catch {
      return;
    }
  }
}

/** The first malformed stream event kills the answer (instead of being skipped with a warning). */
export class MalformedKillsStreamProvider extends ReferenceProvider {
  protected override readonly maxMalformedEvents: number = 1;
}

/** Every non-ModelMesh error is "server"; HTTP errors are plain objects with a status. */
export class EverythingIsServerProvider extends ReferenceProvider {
  override classifyError(): ErrorClassification {
    return { category: "server", retryable: true, message: "failed" };
  }
  override async complete(request: ChatCompletionRequest, options: CallOptions) {
    try {
      return await super.complete(request, options);
    } catch (error) {
      throw Object.assign(new Error("request failed"), { status: (error as ModelMeshError).status ?? 500 });
    }
  }
}

/** Ignores the caller's connect timeout and waits three seconds instead. */
export class SlowTimeoutProvider extends ReferenceProvider {
  protected override connectTimeout(): number {
    return 3_000;
  }
}

/** Lists its model twice. */
export class DuplicateModelProvider extends ReferenceProvider {
  override async listModels(): Promise<ModelInfo[]> {
    const models = await super.listModels();
    return [...models, ...models];
  }
}

/** close() throws the second time. */
export class CloseOnceProvider extends ReferenceProvider {
  #closed = false;
  override async close(): Promise<void> {
    if (this.#closed) throw new Error("already closed");
    this.#closed = true;
  }
}

/** Never reports responses through `onResponse`: the router cannot learn its rate limits. */
export class SilentResponseProvider extends ReferenceProvider {
  protected override report(): void {}
}

// -- services ----------------------------------------------------------------------------------------

/** A secret store that caches forever (a `set` is never seen) and leaks the value of a neighbour when a name is missing. */
export class LeakyStaleSecretStore implements SecretStoreConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.secrets.v1";
  readonly #cache = new Map<string, string>();
  constructor(private readonly values: Map<string, string>) {}
  async get(name: string): Promise<string> {
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`secret ${name} missing; known: ${[...this.values.values()].join(",")}`);
    this.#cache.set(name, value);
    return value;
  }
  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
}

/** Storage with three lock bugs: the wait is the ttl, release never fails, list ignores the prefix. */
export class SloppyStorage implements StorageConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.storage.v1";
  readonly #entries = new Map<string, StorageEntry>();
  readonly #locks = new Map<string, LockHandle>();
  async load(key: string) {
    return this.#entries.get(key) ?? null;
  }
  async save(key: string, entry: StorageEntry) {
    this.#entries.set(key, { ...entry, key });
  }
  async list() {
    return [...this.#entries.keys()];
  }
  async delete(key: string) {
    return this.#entries.delete(key);
  }
  async stat(key: string) {
    const entry = this.#entries.get(key);
    return entry ? { key, size: entry.data.byteLength, lastModified: Date.now() } : null;
  }
  async exists(key: string) {
    return this.#entries.has(key);
  }
  async acquire(key: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<LockHandle> {
    const ttl = options.waitMs ?? 30_000;
    const now = Date.now();
    const handle = { key, lockId: String(Math.random()), acquiredAt: now, expiresAt: now + ttl };
    this.#locks.set(key, handle);
    return handle;
  }
  async release(lock: LockHandle) {
    this.#locks.delete(lock.key);
    return true;
  }
}

/** Writes every record verbatim (no redaction) and throws on circular metadata. */
export class VerbatimObservability implements ObservabilityConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.observability.v1";
  readonly lines: string[] = [];
  emit(event: unknown): void {
    this.lines.push(JSON.stringify(event));
  }
  log(entry: unknown): void {
    this.lines.push(JSON.stringify(entry));
  }
  flush(stats: unknown): void {
    this.lines.push(JSON.stringify(stats));
  }
  trace(entry: unknown): void {
    this.lines.push(JSON.stringify(entry));
  }
}

/** Reports the same models as updated on every sync, changed or not, and lets probes reject. */
export class NoisyDiscovery implements DiscoveryConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.discovery.v1";
  #lastSync: number | undefined;
  async sync() {
    this.#lastSync = Date.now();
    return { newModels: [], deprecatedModels: [], updatedModels: ["p/model-a", "p/model-b"], errors: [] };
  }
  async getSyncStatus() {
    return { modelsSynced: 2, status: "idle" as const, ...(this.#lastSync !== undefined ? { lastSync: this.#lastSync } : {}) };
  }
  async probe(providerId: string) {
    if (providerId.includes("unknown")) throw new Error(`No URL registered for provider: ${providerId}`);
    return { providerId, success: true };
  }
  async getHealthReport(providerId?: string) {
    return [{ providerId: providerId ?? "p", success: true, availabilityScore: 1, timestamp: Date.now(), consecutiveFailures: 0 }];
  }
}

// -- rotation ----------------------------------------------------------------------------------------

/** Sorts the candidates in place (lowest error rate first) and picks the first. */
export class MutatingSelection implements SelectionStrategyV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.mutating-selection.v1";
  select(candidates: readonly RouteSnapshot[], _context: SelectionContext): SelectionResult | null {
    const list = candidates as RouteSnapshot[];
    list.sort((a, b) => a.errorRate - b.errorRate);
    return list[0] ? { routeId: list[0].routeId, reason: "lowest error rate" } : null;
  }
}

/** Picks with `Math.random` instead of the context's seeded source. */
export class UnseededSelection implements SelectionStrategyV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.unseeded-selection.v1";
  select(candidates: readonly RouteSnapshot[], _context: SelectionContext): SelectionResult | null {
    const chosen = candidates[Math.floor(Math.random() * candidates.length)];
    return chosen ? { routeId: chosen.routeId, reason: "random" } : null;
  }
}

/** Deactivates on any failure, caller errors included, and parks rate limits for a fixed minute. */
export class TriggerHappyDeactivation implements DeactivationPolicyV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.deactivation.v1";
  evaluate(_snapshot: RouteSnapshot, outcome: AttemptOutcome, now: number): DeactivationDecision | null {
    return outcome.ok ? null : { reason: "error_threshold", until: now + 60_000 };
  }
}

/** Brings every route back at once (no cooldown, no Retry-After). */
export class ImmediateRecovery implements RecoveryPolicyV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.recovery.v1";
  recoveryTime(_snapshot: RouteSnapshot, _reason: unknown, now: number): number {
    return now;
  }
}

/** The cooldown shrinks as failures repeat. */
export class ShrinkingRecovery implements RecoveryPolicyV1 {
  readonly specificationVersion = "v1" as const;
  readonly id = "broken.shrinking-recovery.v1";
  recoveryTime(snapshot: RouteSnapshot, _reason: unknown, now: number): number {
    return now + 600_000 / (1 + snapshot.cooldownLevel) + (snapshot.rateLimit?.retryAfterMs ?? 0);
  }
}
