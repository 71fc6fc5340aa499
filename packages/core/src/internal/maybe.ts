/**
 * A value that is either ready or still to come. The state ledger composes store operations with it so that
 * the in-process memory store, which answers synchronously, costs no promise and no microtask per step,
 * while any other store keeps going through its promises (docs/ARCHITECTURE.md §2.9). Internal: not exported
 * from the package index.
 */
export type Maybe<T> = T | Promise<T>;

/** True when `value` is still to come (a promise or any thenable a store returned). */
export function isPending<T>(value: Maybe<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * `fn(value)`: at once when `value` is ready (a throw propagates synchronously), else once it settles
 * (`value.then(fn)`, a throw becomes a rejection). Not named `then`: a module exporting `then` is itself a
 * thenable, and `await import(...)` of it would never yield the module.
 */
export function chain<T, R>(value: Maybe<T>, fn: (value: T) => Maybe<R>): Maybe<R> {
  return isPending(value) ? value.then(fn) : fn(value);
}

/** The promise of `value`, for a public method that promises its result: at most one promise per call. */
export function promised<T>(value: Maybe<T>): Promise<T> {
  // A native promise is handed back as is; `Promise.resolve` wraps a ready value or adopts a foreign thenable.
  return value instanceof Promise ? value : Promise.resolve(value);
}
