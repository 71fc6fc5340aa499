/**
 * Shared pieces of the connector descriptors: zod helpers for config values written in YAML (durations,
 * sizes), and access to what a `ConnectorContext` may carry (the injected transport).
 */
import { tryParseDuration, tryParseSize, type ConnectorContext } from "@modelmesh/core";
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

/** A size in YAML (`10MB`, `512KB`) or bytes as a number; outputs bytes. */
export const sizeBytes = z.union([z.number(), z.string()]).transform((value, context) => {
  const bytes = tryParseSize(value);
  if (bytes === undefined) {
    context.addIssue({ code: "custom", message: "expected a size such as 512KB, 10MB or a number of bytes" });
    return z.NEVER;
  }
  return bytes;
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
