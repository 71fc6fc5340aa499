/**
 * A cheap view of one abort, and the lazy abort behind the router's attempts (docs/ARCHITECTURE.md §2.5).
 *
 * Following a Node AbortSignal costs far more than its size suggests: creating one, and adding and removing an
 * `abort` listener, goes through the EventTarget machinery, and on Node 20 a listened-to signal costs tens of
 * µs per request once real I/O runs between the calls (measured with `apps/bench`). Inside ModelMesh an abort is
 * followed through {@link AbortWatch} instead (plain callbacks); an `AbortSignal` is still there for code that
 * wants one, created only when it is asked for and aborted together with the watch.
 */

/** The state of one abort and plain-callback subscriptions to it. An AbortSignal's equivalent, without EventTarget. */
export interface AbortWatch {
  /** True once aborted. */
  readonly aborted: boolean;
  /** Why (undefined until aborted). */
  readonly reason: unknown;
  /**
   * Calls `listener` once, with the reason, when the abort happens (never when it already happened: check
   * `aborted` first). Returns a function that stops it.
   */
  onAbort(listener: (reason: unknown) => void): () => void;
}

/**
 * An abort that costs nothing until it is followed: its state, plain callbacks, and an `AbortSignal` created on
 * first use of {@link signal} (already aborted if the abort came first). One abort, two views: aborting it
 * aborts the signal too, with the same reason.
 * @example
 * const abort = new LazyAbort();
 * const stop = abort.onAbort((reason) => console.log("stopped:", reason));
 * abort.abort(new Error("deadline"));
 */
export class LazyAbort implements AbortWatch {
  #aborted = false;
  #reason: unknown;
  /** The oldest listener (usually the only one), then any others in order. */
  #listener: ((reason: unknown) => void) | undefined;
  #more: Array<(reason: unknown) => void> | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** An AbortSignal for this abort, created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.#aborted) return noop;
    if (this.#listener === undefined) this.#listener = listener;
    else (this.#more ??= []).push(listener);
    return () => this.#remove(listener);
  }

  /**
   * Aborts with `reason` (default: an `AbortError` DOMException, as `AbortController.abort()` gives) and calls
   * the listeners in the order they were added. Returns false when it was already aborted. A listener that
   * throws does not stop the others; the first such error is rethrown afterwards, as EventTarget reports it.
   */
  abort(reason?: unknown): boolean {
    if (this.#aborted) return false;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = undefined;
    this.#more = undefined;
    let failure: { error: unknown } | undefined;
    const listeners = first === undefined ? [] : more === undefined ? [first] : [first, ...more];
    for (const listener of listeners) {
      try {
        listener(this.#reason);
      } catch (error) {
        failure ??= { error };
      }
    }
    this.#controller?.abort(this.#reason);
    if (failure) {
      const { error } = failure;
      queueMicrotask(() => {
        throw error;
      });
    }
    return true;
  }

  #remove(listener: (reason: unknown) => void): void {
    if (this.#listener === listener) {
      this.#listener = this.#more?.shift();
      return;
    }
    const at = this.#more?.indexOf(listener) ?? -1;
    if (at >= 0) this.#more!.splice(at, 1);
  }
}

/** An {@link AbortWatch} over an AbortSignal (a caller's): it listens to the signal only while someone follows it. */
export function watchSignal(signal: AbortSignal): AbortWatch {
  return new SignalWatch(signal);
}

/**
 * {@link watchSignal}'s watch: a class, so a request that brings a signal does not pay for an object literal
 * with getters (V8 builds those through a slow path, with a fresh hidden class each time).
 */
class SignalWatch implements AbortWatch {
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  get aborted(): boolean {
    return this.#signal.aborted;
  }

  get reason(): unknown {
    return this.#signal.reason;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    const signal = this.#signal;
    if (signal.aborted) return noop;
    const onAbort = () => listener(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }
}

function noop(): void {}
