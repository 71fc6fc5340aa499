import type { RoutingTrace } from "../router/trace.js";

const traces = new WeakMap<object, RoutingTrace>();

/** Associates a routing trace with a response object (no enumerable property is added). */
export function attachTrace<T extends object>(value: T, trace: RoutingTrace): T {
  traces.set(value, trace);
  return value;
}

/**
 * The routing trace of any MeshClient response, stream or error: candidates, filters, attempts with their
 * errors, and the route that answered.
 * @example
 * const completion = await client.chat.completions.create({ model: "chat-completion", messages });
 * console.log(getTrace(completion)?.final?.routeId);
 */
export function getTrace(value: unknown): RoutingTrace | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return traces.get(value) ?? ((value as { trace?: RoutingTrace }).trace as RoutingTrace | undefined);
}
