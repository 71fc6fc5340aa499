/** The fault schedule: which installed rule, if any, applies to an incoming request. */
import type { Fault, FaultKind, FaultRule } from "./fault-types.js";

/** What a rule is matched against. */
export interface FaultMatchInput {
  /** Model named by the request, if any. */
  model: string | undefined;
  /** URL path. */
  path: string;
  /** 1-based attempt number for the request's model. */
  attempt: number;
  /** Parsed request body (read by `reject-prefill`). */
  body: unknown;
}

interface InstalledRule {
  readonly rule: FaultRule;
  /** Remaining uses; Infinity when the rule has no `times`. */
  remaining: number;
  /** `now()` when installed, the origin of a `down` window. */
  readonly installedAt: number;
}

/** Faults that let the normal answer start and damage it, as opposed to answering instead of the model. */
const SHAPERS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  "slow-first-token",
  "cut-after",
  "stall-after",
  "malformed-chunk",
  "missing-done",
  "error-in-stream",
]);

const KINDS: ReadonlySet<string> = new Set<FaultKind>([
  ...SHAPERS,
  "rate-limit",
  "quota-exhausted",
  "status",
  "auth",
  "reset-before-headers",
  "no-response",
  "context-length",
  "content-policy",
  "reject-prefill",
  "down",
]);

/** True for the faults applied while writing a normal answer (see `fault-types.ts`). */
export function isShapingFault(fault: Fault): boolean {
  return SHAPERS.has(fault.kind);
}

/** Ordered fault rules with their remaining uses. The first installed rule that matches wins. */
export class FaultBook {
  readonly #now: () => number;
  #rules: InstalledRule[] = [];

  /** @param now the server clock, which times `down` windows. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Validates and appends a rule; returns a function that removes it again. */
  add(rule: FaultRule): () => void {
    validateRule(rule);
    const installed: InstalledRule = { rule, remaining: rule.times ?? Infinity, installedAt: this.#now() };
    this.#rules.push(installed);
    return () => {
      this.#rules = this.#rules.filter((candidate) => candidate !== installed);
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /** Finds the fault for a request and uses up one `times` of its rule; undefined when none applies. */
  match(input: FaultMatchInput): Fault | undefined {
    const now = this.#now();
    // An expired `down` window never comes back, so drop it instead of re-testing it on every request.
    this.#rules = this.#rules.filter(
      (installed) => installed.rule.fault.kind !== "down" || now < installed.installedAt + installed.rule.fault.forMs,
    );
    for (const installed of this.#rules) {
      if (!ruleMatches(installed.rule, input)) continue;
      installed.remaining -= 1;
      if (installed.remaining <= 0) this.#rules = this.#rules.filter((candidate) => candidate !== installed);
      return installed.rule.fault;
    }
    return undefined;
  }
}

function ruleMatches(rule: FaultRule, input: FaultMatchInput): boolean {
  if (rule.model !== undefined && rule.model !== input.model) return false;
  if (rule.path !== undefined && !input.path.endsWith(rule.path)) return false;
  if (rule.attempts !== undefined && !rule.attempts.includes(input.attempt)) return false;
  if (rule.fault.kind === "reject-prefill") return endsWithAssistant(input.body);
  return true;
}

function endsWithAssistant(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const last: unknown = messages[messages.length - 1];
  return typeof last === "object" && last !== null && (last as { role?: unknown }).role === "assistant";
}

/** Throws on rules that could never behave as the author meant, rather than silently never firing. */
function validateRule(rule: FaultRule): void {
  const fail = (what: string): never => {
    throw new TypeError(`[modelmesh] [testing] Invalid fault rule: ${what}.`);
  };
  if (typeof rule !== "object" || rule === null || typeof rule.fault !== "object" || rule.fault === null) {
    fail("expected { fault: { kind, ... } }");
  }
  if (!KINDS.has(rule.fault.kind)) fail(`unknown fault kind ${JSON.stringify(rule.fault.kind)}`);
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
    fail("times must be a positive integer");
  }
  if (rule.attempts !== undefined && !rule.attempts.every((n) => Number.isInteger(n) && n >= 1)) {
    fail("attempts must be 1-based integers");
  }
  const fault = rule.fault;
  const counts: Array<[string, unknown]> = [];
  if (fault.kind === "cut-after" || fault.kind === "stall-after") counts.push(["tokens", fault.tokens]);
  if (fault.kind === "malformed-chunk" || fault.kind === "error-in-stream") counts.push(["afterTokens", fault.afterTokens]);
  if (fault.kind === "slow-first-token") counts.push(["delayMs", fault.delayMs]);
  if (fault.kind === "down") counts.push(["forMs", fault.forMs]);
  for (const [name, value] of counts) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      fail(`${fault.kind}.${name} must be a number >= 0`);
    }
  }
  if (fault.kind === "malformed-chunk" && fault.count !== undefined && !(Number.isInteger(fault.count) && fault.count >= 1)) {
    fail("malformed-chunk.count must be an integer >= 1");
  }
  if (fault.kind === "status" && !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599)) {
    fail("status.status must be an HTTP status code");
  }
}
