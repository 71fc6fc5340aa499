/**
 * Holds the current mesh and swaps it atomically on reload. Each request leases the mesh it started on; a
 * replaced mesh keeps serving its in-flight requests and is closed (state flushed) when the last lease ends,
 * or after `drainMs` at the latest.
 */
import type { Mesh } from "@modelmesh/core";
import type { Logger } from "./log.js";

/** A request's hold on the mesh it runs on. `release()` is idempotent. */
export interface MeshLease {
  readonly mesh: Mesh;
  release(): void;
}

interface Generation {
  mesh: Mesh;
  leases: number;
  retired: boolean;
  closed?: Promise<void>;
  onDrained?: () => void;
}

/** One lease (a class, not a closure: one object per request). */
class Lease implements MeshLease {
  readonly #generation: Generation;
  #released = false;

  constructor(generation: Generation) {
    this.#generation = generation;
  }

  get mesh(): Mesh {
    return this.#generation.mesh;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const generation = this.#generation;
    generation.leases--;
    if (generation.retired && generation.leases === 0) generation.onDrained?.();
  }
}

/** The current mesh plus the retired ones still draining. */
export class MeshHost {
  #current: Generation;
  readonly #draining = new Set<Promise<void>>();
  readonly #drainMs: number;
  readonly #log: Logger;

  constructor(initial: Mesh, options: { drainMs: number; log: Logger }) {
    this.#current = { mesh: initial, leases: 0, retired: false };
    this.#drainMs = options.drainMs;
    this.#log = options.log;
  }

  /** The mesh new requests run on. */
  get mesh(): Mesh {
    return this.#current.mesh;
  }

  /** Leases the current mesh for one request. */
  acquire(): MeshLease {
    const generation = this.#current;
    generation.leases++;
    return new Lease(generation);
  }

  /** Makes `next` current at once; the previous mesh closes after its in-flight requests (bounded by drainMs). */
  swap(next: Mesh): void {
    const previous = this.#current;
    this.#current = { mesh: next, leases: 0, retired: false };
    const closing = this.#retire(previous);
    this.#draining.add(closing);
    void closing.finally(() => this.#draining.delete(closing));
  }

  /** Closes the current mesh (after its leases end, bounded by `graceMs`) and waits for draining ones. */
  async close(graceMs = this.#drainMs): Promise<void> {
    await Promise.all([this.#retire(this.#current, graceMs), ...this.#draining]);
  }

  #retire(generation: Generation, drainMs = this.#drainMs): Promise<void> {
    if (generation.closed) return generation.closed;
    generation.retired = true;
    const drained =
      generation.leases === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              this.#log.warn("closing a replaced mesh with requests still in flight", { inFlight: generation.leases });
              resolve();
            }, drainMs);
            timer.unref();
            generation.onDrained = () => {
              clearTimeout(timer);
              resolve();
            };
          });
    generation.closed = drained.then(() =>
      generation.mesh.close().catch((error: unknown) => {
        this.#log.error("closing a mesh failed", { error: (error as Error).message });
      }),
    );
    return generation.closed;
  }
}
