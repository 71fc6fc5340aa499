/**
 * A bounded, seeded generator of hostile config documents for the abuse tests: valid configs mutated
 * structurally (wrong types, huge strings, deep nesting, unknown keys, secrets in every kind of field) and
 * textually (anchors and aliases — billion laughs, fan-out, merge keys, self-reference —, duplicate keys,
 * stray indicators, truncation, invalid UTF-8). The same seed always gives the same documents.
 *
 * Documents reference the upstream only through `${env:UPSTREAM}`, so no mutation can point a connector at a
 * host other than the test's mock; cloud connector ids are never generated.
 */
import { seededRandom } from "@modelmesh/core";


/** One generated document. */
export interface FuzzDoc {
  /** Which mutations made it (for failure messages). */
  label: string;
  /** The file content (may be invalid UTF-8). */
  bytes: Buffer;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SECRET_REFS = ["${env:SECRET}", "${secrets:SECRET}", "${env:SECRET:-fallback}", "pre-${env:SECRET}-post", "${env:SECRET}${env:MISSING_VAR}"];
const BROKEN_REFS = ["${env:", "${env:1BAD}", "${vault:x}", "$${env:SECRET}", "${}", "${env:MISSING_VAR}"];

function baseConfigs(): Json[] {
  const provider = (models: Json) => ({ connector: "openai-compatible", config: { base_url: "${env:UPSTREAM}", api_key: "${env:SECRET}" }, models });
  return [
    {
      providers: { p0: provider([{ id: "m0", capabilities: ["chat-completion"], context_window: 8000 }]) },
      pools: { chat: { capability: "chat-completion", retry: { max_attempts: 2, backoff: "exponential_jitter", initial_delay: "10ms" } } },
      routing: { deadline: "30s", timeouts: { connect: "5s", idle: "10s" }, stream: { commit: "first_token" } },
    },
    {
      providers: {
        p0: { ...provider([{ id: "m0", capabilities: ["chat-completion"] }]), budget: { daily_limit: 5 }, quota: { reset_time: "00:00", time_zone: "UTC", requests_per_minute: 60 }, timeouts: { connect: "2s", first_token: "auto" } },
        p1: { ...provider([{ id: "m1", capabilities: ["chat-completion"], features: { tool_calling: true } }]), enabled: true, auth: { method: "api_key" } },
      },
      models: { "p0.extra": { provider: "p0", model: "extra", capabilities: ["chat-completion"] } },
      pools: { chat: { models: ["p0.m0", "p1.m1"], strategy: "modelmesh.round-robin.v1", deactivation: { error_rate_threshold: 0.5 } } },
      storage: { connector: "modelmesh.memory.v1", sync_policy: "in-memory" },
    },
    { providers: { p0: provider([{ id: "m0", capabilities: ["chat-completion"] }]) } },
  ];
}

/** All paths to values in a JSON tree. */
function paths(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [at];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...at, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function getAt(root: Json, path: Array<string | number>): Json {
  let node: Json = root;
  for (const key of path) node = (node as Record<string | number, Json>)[key]!;
  return node;
}

function setAt(root: Json, path: Array<string | number>, value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path[path.length - 1]!] = value;
  return root;
}

/** Emits block-style YAML (strings double-quoted, which YAML reads like JSON strings). */
function toYaml(value: Json, indent = ""): string {
  const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) ? k : JSON.stringify(k));
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return value.map((item) => `\n${indent}- ${toYaml(item, `${indent}  `).replace(/^\n\s*/, "")}`).join("");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return entries.map(([k, v]) => `\n${indent}${key(k)}: ${toYaml(v, `${indent}  `)}`).join("");
  }
  return JSON.stringify(value);
}

export class ConfigFuzzer {
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  #int(max: number): number {
    return Math.floor(this.#random() * max);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  #weirdValue(): Json {
    const kind = this.#int(14);
    switch (kind) {
      case 0:
        return this.#pick([-1, 0, 1e308, -1e-9, 2 ** 53 + 1, 70000, 0.5]);
      case 1:
        return this.#pick([true, false, null]);
      case 2:
        return this.#pick<Json>([[], {}, [1, "two", null], { nested: { deeper: ["x"] } }]);
      case 3:
        return "x".repeat(this.#pick([1_000, 50_000, 300_000]));
      case 4:
        return this.#pick(["", " ", "\u0000", "\u202e\u2028", "🙂".repeat(100), "\ud800", "Ω≈ç√", "a\nb\tc"]);
      case 5:
      case 6:
      case 7:
        return this.#pick(SECRET_REFS);
      case 8:
        return this.#pick(BROKEN_REFS);
      case 9:
        return this.#pick(["10 minutes", "1e999", "0x10", "-5s", "NaN", "1h30", "99999999999999999999ms"]);
      case 10:
        return this.#pick(["http://", "ftp://x", "not a url", "http://${env:SECRET}", "${env:UPSTREAM}"]);
      case 11:
        return this.#pick(["chat-completion", "generation", "no-such-capability", "p0.m0", "ghost.model", "openai-compatible", "bogus.connector.v1"]);
      case 12: {
        let nested: Json = this.#pick(SECRET_REFS);
        const depth = this.#pick([10, 40, 70, 200]);
        for (let i = 0; i < depth; i++) nested = this.#random() < 0.5 ? [nested] : { k: nested };
        return nested;
      }
      default:
        return this.#pick(["eu-west", "Mars/Phobos", "25:61", "0 25 * * *", "relative", "first_token", "ms=abc"]);
    }
  }

  #mutateTree(root: Json): { root: Json; steps: string[] } {
    const steps: string[] = [];
    const count = 1 + this.#int(4);
    for (let i = 0; i < count; i++) {
      const all = paths(root);
      const path = this.#pick(all);
      const op = this.#int(5);
      const at = path.join(".") || "<root>";
      if (op <= 1) {
        root = setAt(root, path, this.#weirdValue());
        steps.push(`set ${at}`);
      } else if (op === 2) {
        const node = getAt(root, path);
        if (node !== null && typeof node === "object" && !Array.isArray(node)) {
          const name = this.#pick(["colour", "constructor", "toString", "hasOwnProperty", "valueOf", "k".repeat(5_000), "ключ", "${env:SECRET}", "base_url", "models", "enabled"]);
          node[name] = this.#weirdValue();
          steps.push(`add key at ${at}`);
        }
      } else if (op === 3 && path.length > 0) {
        const parent = getAt(root, path.slice(0, -1));
        const last = path[path.length - 1]!;
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (parent !== null && typeof parent === "object") delete parent[last as string];
        steps.push(`delete ${at}`);
      } else {
        const donor = structuredClone(getAt(root, this.#pick(all)));
        root = setAt(root, path, donor);
        steps.push(`copy to ${at}`);
      }
    }
    return { root, steps };
  }

  #mutateText(text: string): { text: string; steps: string[] } {
    const steps: string[] = [];
    const count = this.#int(3);
    for (let i = 0; i < count; i++) {
      const op = this.#int(9);
      const at = this.#int(text.length + 1);
      const lines = text.split("\n");
      if (op === 0) {
        const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
        for (let n = 1; n < 9; n++) laughs.push(`${String.fromCharCode(97 + n)}: &${String.fromCharCode(97 + n)} [${Array(9).fill(`*${String.fromCharCode(96 + n)}`).join(",")}]`);
        text += `\nx-laughs:\n${laughs.map((l) => `  ${l}`).join("\n")}\n`;
        steps.push("billion laughs");
      } else if (op === 1) {
        const size = this.#pick([100, 5_000, 20_000]);
        const fan = this.#pick([10, 500, 999]);
        text += `\nfan:\n  big: &big {${Array.from({ length: size }, (_, k) => `k${k}: v`).join(", ")}}\n  copies: [${Array(fan).fill("*big").join(", ")}]\n  merged: {<<: *big, extra: 1}\n`;
        steps.push(`alias fan-out ${size}x${fan}`);
      } else if (op === 2) {
        text += this.#pick(["\nself: &s [1, *s]\n", "\nself: &s {a: *s}\n", "\nundefined-alias: *nowhere\n", "\nmerge: {<<: [*nowhere]}\n"]);
        steps.push("bad alias");
      } else if (op === 3 && lines.length > 1) {
        const n = this.#int(lines.length);
        lines.splice(n, 0, lines[n]!);
        text = lines.join("\n");
        steps.push(`duplicate line ${n}`);
      } else if (op === 4) {
        const junk = this.#pick([":", "- ", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", '"', "#", "%", "@", "\t", "\u0000", "\ufeff", "\u2028", "\n---\n", "\n...\n", "? ", "<<: ", "!!binary "]);
        text = text.slice(0, at) + junk + text.slice(at);
        steps.push(`insert ${JSON.stringify(junk)} at ${at}`);
      } else if (op === 5) {
        const end = Math.min(text.length, at + 1 + this.#int(40));
        text = text.slice(0, at) + text.slice(end);
        steps.push(`delete ${at}..${end}`);
      } else if (op === 6) {
        text = text.slice(0, at);
        steps.push(`truncate at ${at}`);
      } else if (op === 7) {
        text = lines.map((line) => (this.#random() < 0.2 ? ` ${line}` : line)).join("\n");
        steps.push("shift indentation");
      } else {
        text = `${text}\n${"[".repeat(this.#pick([65, 1_000, 50_000]))}`;
        steps.push("deep flow nesting");
      }
    }
    return { text, steps };
  }

  #corruptBytes(bytes: Buffer): { bytes: Buffer; step?: string } {
    if (this.#random() >= 0.12) return { bytes };
    const bad = this.#pick([[0xff], [0xfe, 0xff], [0xc3], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
    const at = this.#int(bytes.length + 1);
    return { bytes: Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]), step: `invalid UTF-8 at byte ${at}` };
  }

  /** The next document: a mutated valid config; `suffix` is appended to the text before byte corruption. */
  next(suffix = ""): FuzzDoc {
    let root = structuredClone(this.#pick(baseConfigs()));
    const tree = this.#mutateTree(root);
    root = tree.root;
    const asJson = this.#random() < 0.25;
    const body = asJson ? JSON.stringify(root) : toYaml(root).replace(/^\n/, "");
    const text = this.#mutateText(body);
    const corrupted = this.#corruptBytes(Buffer.from(`${text.text}\n${suffix}`, "utf8"));
    const steps = [asJson ? "json" : "yaml", ...tree.steps, ...text.steps, ...(corrupted.step ? [corrupted.step] : [])];
    return { label: steps.join("; "), bytes: corrupted.bytes };
  }
}
