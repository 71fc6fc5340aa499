/**
 * ConsoleObservability: one human-readable, ANSI-coloured line per record for development. Colour follows
 * the `useColor` option when given, else the NO_COLOR convention (https://no-color.org: set and non-empty
 * disables colour). Records are redacted by the base pipeline before they are formatted here.
 */
import type { Severity } from "@modelmesh/core";
import { BaseObservability, type ObservabilityOptions, type ObservabilityRecord } from "./base-observability.js";

/** Options of {@link ConsoleObservability}. */
export interface ConsoleObservabilityOptions extends ObservabilityOptions {
  /** Force colour on or off. Default: on unless `NO_COLOR` is set and non-empty. */
  useColor?: boolean;
  /** Print `HH:MM:SS.mmm` (UTC). Default true. */
  showTimestamp?: boolean;
  /** Line prefix. Default `[modelmesh]`. */
  prefix?: string;
  /** Output function. Default `console.log`. */
  write?: (line: string) => void;
  /** Environment consulted for NO_COLOR. Default `globalThis.process?.env`. */
  env?: Record<string, string | undefined>;
}

const ANSI = { reset: "\x1b[0m", bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m", blue: "\x1b[34m", magenta: "\x1b[35m", cyan: "\x1b[36m", redBg: "\x1b[41m" } as const;
type Colour = keyof typeof ANSI;

const SEVERITY_COLOURS: Record<Severity, Colour[]> = { debug: ["dim"], info: ["cyan"], warning: ["yellow"], error: ["red"], critical: ["bold", "redBg"] };

/** Colour of an event type: recoveries green, deactivations/errors red, rotations yellow. */
function eventColour(type: string): Colour {
  if (/recovered|commit|end$|start$/.test(type) && !/error/.test(type)) return "green";
  if (/deactivated|error|exhausted/.test(type)) return "red";
  if (/rotation|selected/.test(type)) return "yellow";
  return "cyan";
}

/** Pretty console output. */
export class ConsoleObservability extends BaseObservability {
  /** Whether ANSI colours are used. */
  readonly useColor: boolean;
  readonly #showTimestamp: boolean;
  readonly #prefix: string;
  readonly #write: (line: string) => void;

  constructor(options: ConsoleObservabilityOptions = {}) {
    super({ id: "modelmesh.console.v1", ...options });
    const env = options.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
    this.useColor = options.useColor ?? !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
    this.#showTimestamp = options.showTimestamp ?? true;
    this.#prefix = options.prefix ?? "[modelmesh]";
    this.#write = options.write ?? ((line) => console.log(line));
  }

  protected override write(line: string): void {
    this.#write(line);
  }

  protected override formatLine(record: ObservabilityRecord): string {
    const { kind, timestamp, ...rest } = record;
    const head = [this.#prefix];
    if (this.#showTimestamp) head.push(this.#paint(timestamp.slice(11, 23), "dim"));
    switch (kind) {
      case "event": {
        const { type, ...fields } = rest;
        return [...head, this.#paint("[EVENT]", "bold", "cyan"), this.#paint(String(type), eventColour(String(type))), this.#fields(fields)].join(" ").trimEnd();
      }
      case "log": {
        const status = rest.status as number | undefined;
        const colour: Colour = rest.ok === false || (status ?? 0) >= 500 ? "red" : (status ?? 0) >= 400 ? "yellow" : "green";
        const { status: _s, ok: _o, latencyMs, ...fields } = rest;
        const cost = typeof fields.costUsd === "number" ? { ...fields, costUsd: `$${fields.costUsd.toFixed(6)}` } : fields;
        return [...head, this.#paint("[LOG]", "bold"), this.#paint(String(status ?? (rest.ok ? "ok" : "error")), colour), `${latencyMs}ms`, this.#fields(cost)].join(" ").trimEnd();
      }
      case "stats": {
        const { scope, ...fields } = rest;
        return [...head, this.#paint("[STATS]", "bold", "magenta"), String(scope), this.#fields(fields)].join(" ").trimEnd();
      }
      default: {
        const severity = rest.severity as Severity;
        const { severity: _v, component, message, metadata } = rest;
        const meta = metadata && typeof metadata === "object" ? this.#fields(metadata as Record<string, unknown>) : "";
        return [...head, this.#paint(`[${String(severity).toUpperCase()}]`, ...(SEVERITY_COLOURS[severity] ?? ["cyan"])), `[${String(component)}]`, String(message), meta].join(" ").trimEnd();
      }
    }
  }

  #fields(fields: Record<string, unknown>): string {
    return Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${this.#paint(`${key}=`, "yellow")}${typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)}`)
      .join(" ");
  }

  #paint(text: string, ...colours: Colour[]): string {
    return this.useColor ? `${colours.map((c) => ANSI[c]).join("")}${text}${ANSI.reset}` : text;
  }
}
