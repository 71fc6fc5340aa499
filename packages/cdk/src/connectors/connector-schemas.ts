/**
 * Shared pieces of the CDK's connector descriptors: a zod helper for durations written in YAML, and access to
 * what a `ConnectorContext` may carry (the injected transport).
 */
import { tryParseDuration, type ConnectorContext } from "@modelmesh/core";
import { z } from "zod";
import type { Transport } from "../transport/types.js";

/** A duration in YAML (`30s`, `5m`, `1h30m`) or milliseconds as a number; outputs milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((value, context) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: "expected a duration such as 500ms, 10s, 5m, 1h or a number of milliseconds" });
    return z.NEVER;
  }
  return ms;
});

/** The transport handed to connectors by the host (`createMesh({ transport })`), when it is one. */
export function contextTransport(context: ConnectorContext): Transport | undefined {
  return typeof context.transport === "function" ? (context.transport as Transport) : undefined;
}

/** Drops undefined values so optional config keys never override a class default with `undefined`. */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = inner;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
