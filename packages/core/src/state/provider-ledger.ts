import type { DeactivationReason, RecoveryTrigger } from "../connectors/rotation.js";
import type { MeshEventBus } from "../events/events.js";
import type { ProviderRecord, ProviderStatus } from "./ledger-types.js";
import { INITIAL_PROVIDER_RECORD, recoveryTriggerFor } from "./route-record.js";
import { updateState } from "./state-store.js";
import type { StateStore } from "./state-store.js";

/**
 * How long a provider's endpoint stays parked after a connection-level failure (refused, reset before the
 * response, DNS, TLS, connect timeout): 5 s, doubling with each failed probe, at most 5 min.
 */
export const ENDPOINT_COOLDOWN = Object.freeze({ initialMs: 5_000, growth: 2, maxMs: 300_000 });

/**
 * Provider-level availability, the part of the ledger that takes a whole provider out at once (auth
 * failure, an unreachable endpoint, provider budget, manual). Used by {@link StateLedger}; one JSON record
 * per provider.
 */
export class ProviderLedger {
  readonly #store: StateStore;
  readonly #prefix: string;
  readonly #events: MeshEventBus | undefined;
  readonly #onChange: (() => void) | undefined;
  readonly #onRecord: ((providerId: string, record: ProviderRecord | undefined) => void) | undefined;

  /** `onRecord` receives every provider record this ledger reads or writes (the availability index learns from it). */
  constructor(store: StateStore, keyPrefix: string, events?: MeshEventBus, onChange?: () => void, onRecord?: (providerId: string, record: ProviderRecord | undefined) => void) {
    this.#store = store;
    this.#prefix = keyPrefix;
    this.#events = events;
    this.#onChange = onChange;
    this.#onRecord = onRecord;
  }

  /** Current status; a timed standby that is over is ended here (emitting `provider-recovered` once). */
  async status(providerId: string, now: number): Promise<ProviderStatus> {
    return this.statusFrom(providerId, await this.#store.get<ProviderRecord>(this.key(providerId)), now);
  }

  /** The store key of a provider's record. */
  key(providerId: string): string {
    return this.#prefix + providerId;
  }

  /**
   * {@link status} from a record the caller read (at `key(providerId)`, e.g. in a batch with other keys). Synchronous
   * unless a timed standby is over and must be ended in the store.
   */
  statusFrom(providerId: string, stored: ProviderRecord | undefined, now: number): ProviderStatus | Promise<ProviderStatus> {
    this.#onRecord?.(providerId, stored);
    const record = stored ?? INITIAL_PROVIDER_RECORD;
    if (!isDue(record, now)) return record;
    return this.#recover(providerId, now);
  }

  /** Ends a timed standby that is over (emitting `provider-recovered` once, across instances). */
  async #recover(providerId: string, now: number): Promise<ProviderStatus> {
    let recoveredFrom: ProviderRecord | undefined;
    const result = await updateState<ProviderRecord>(this.#store, this.#prefix + providerId, (current) => {
      recoveredFrom = current !== undefined && isDue(current, now) ? current : undefined;
      if (!recoveredFrom) return current;
      // An unreachable endpoint comes back on probation: one request tries it, the level is kept for growth.
      return recoveredFrom.reason === "endpoint_unreachable" ? { status: "active", probing: true, endpointLevel: recoveredFrom.endpointLevel ?? 1 } : INITIAL_PROVIDER_RECORD;
    });
    this.#onRecord?.(providerId, result.value);
    if (result.written && recoveredFrom) {
      this.#events?.emit({ type: "provider-recovered", timestamp: now, providerId, trigger: recoveryTriggerFor(recoveredFrom.reason) });
      this.#onChange?.();
    }
    return result.value ?? INITIAL_PROVIDER_RECORD;
  }

  /**
   * Parks a provider. With `onlyIfActive` an already parked provider is left alone (a burst of 401s parks
   * it once). Returns true and emits `provider-deactivated` when this call changed the record.
   */
  async park(providerId: string, reason: DeactivationReason, until: number | undefined, now: number, onlyIfActive: boolean): Promise<boolean> {
    let changed = false;
    const result = await updateState<ProviderRecord>(this.#store, this.#prefix + providerId, (current) => {
      const active = current === undefined || current.status === "active" || isDue(current, now);
      changed = active || !onlyIfActive;
      if (!changed) return current;
      return until === undefined ? { status: "standby", reason, since: now } : { status: "standby", reason, until, since: now };
    });
    this.#onRecord?.(providerId, result.value);
    if (changed) {
      this.#events?.emit({ type: "provider-deactivated", timestamp: now, providerId, reason, until });
      this.#onChange?.();
    }
    return changed;
  }

  /**
   * Parks the provider's endpoint after a connection-level failure, for {@link ENDPOINT_COOLDOWN} grown by the
   * number of parks in a row. A provider already on standby (another request parked it, or auth) is left
   * alone. Returns the standby's end when this call parked it.
   */
  async parkEndpoint(providerId: string, now: number): Promise<number | undefined> {
    let until: number | undefined;
    const result = await updateState<ProviderRecord>(this.#store, this.#prefix + providerId, (current) => {
      const base = current ?? INITIAL_PROVIDER_RECORD;
      until = undefined;
      if (base.status === "standby" && !isDue(base, now)) return current;
      const level = base.endpointLevel ?? 0;
      until = now + Math.min(ENDPOINT_COOLDOWN.maxMs, ENDPOINT_COOLDOWN.initialMs * ENDPOINT_COOLDOWN.growth ** level);
      return { status: "standby", reason: "endpoint_unreachable", until, since: now, endpointLevel: level + 1 };
    });
    this.#onRecord?.(providerId, result.value);
    if (until !== undefined) {
      this.#events?.emit({ type: "provider-deactivated", timestamp: now, providerId, reason: "endpoint_unreachable", until });
      this.#onChange?.();
    }
    return until;
  }

  /** The endpoint answered its probe: the provider is fully back (emits `provider-recovered`, `probe_success`). */
  async endpointReachable(providerId: string, now: number): Promise<void> {
    let cleared = false;
    const result = await updateState<ProviderRecord>(this.#store, this.#prefix + providerId, (current) => {
      cleared = current !== undefined && current.status === "active" && current.probing === true;
      return cleared ? INITIAL_PROVIDER_RECORD : current;
    });
    this.#onRecord?.(providerId, result.value);
    if (cleared) {
      this.#events?.emit({ type: "provider-recovered", timestamp: now, providerId, trigger: "probe_success" });
      this.#onChange?.();
    }
  }

  /** Manual recovery; emits `provider-recovered` (trigger `manual`) when the provider was parked. */
  async reactivate(providerId: string, now: number, trigger: RecoveryTrigger = "manual"): Promise<void> {
    let wasParked = false;
    const result = await updateState<ProviderRecord>(this.#store, this.#prefix + providerId, (current) => {
      wasParked = current !== undefined && current.status === "standby";
      return wasParked ? INITIAL_PROVIDER_RECORD : current;
    });
    this.#onRecord?.(providerId, result.value);
    if (wasParked) {
      this.#events?.emit({ type: "provider-recovered", timestamp: now, providerId, trigger });
      this.#onChange?.();
    }
  }
}

function isDue(record: ProviderRecord, now: number): boolean {
  return record.status === "standby" && record.until !== undefined && record.until <= now;
}
