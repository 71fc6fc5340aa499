import { ConfigError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { defineConnector } from "../../src/helpers/define-connector.js";
import { mergeConfigs } from "../../src/helpers/merge-configs.js";
import { isSecretKey, REDACTED, redactObject, redactSecret, redactText } from "../../src/helpers/redact.js";
import { contentHash, stableStringify } from "../../src/helpers/stable-json.js";

describe("redaction", () => {
  it("recognises secret keys but not token counters", () => {
    for (const key of ["api_key", "apiKey", "X-Api-Key", "Authorization", "token", "access_token", "client_secret", "password", "openai_api_key", "Cookie"]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ["max_tokens", "prompt_tokens", "total_tokens", "tokensIn", "tokenizer", "model", "base_url"]) expect(isSecretKey(key), key).toBe(false);
  });

  it("masks values keeping at most a vendor prefix", () => {
    expect(redactSecret("sk-abcdefghijklmnop")).toBe("sk-***");
    expect(redactSecret("ghp_abcdefghijklmnop")).toBe("ghp_***");
    expect(redactSecret("AIzaSyA1234567890abcdefgh")).toBe("AIza***");
    expect(redactSecret("short")).toBe("***");
    expect(redactSecret("correct horse battery staple")).toBe("***");
    expect(redactSecret("Bearer abc.def.ghi")).toBe("Bearer ***");
  });

  it("scrubs credentials inside free text", () => {
    expect(redactText("call failed: Authorization: Bearer abcdef123456 sent")).toBe("call failed: Authorization: Bearer *** sent");
    expect(redactText("invalid key sk-proj-abcdefghijklmnopqr")).toBe("invalid key sk-***");
    expect(redactText("nothing secret here")).toBe("nothing secret here");
  });

  it("walks nested objects, arrays, Maps, Headers, Errors and cycles without mutating the input", () => {
    const input: Record<string, unknown> = {
      level1: { level2: [{ token: "tok_abcdefghijklmnop" }, { password: { nested: "object" } }] },
      headers: new Headers({ authorization: "Bearer secret-token-value", "content-type": "json" }),
      map: new Map([["secret", "s3cr3t-value-long"]]),
      error: Object.assign(new Error("failed with sk-abcdefghijklmnopqrst"), { code: "E1" }),
      bytes: new Uint8Array(3),
      when: new Date(0),
    };
    input.self = input;
    const out = redactObject(input) as Record<string, any>;
    expect(out.level1.level2).toEqual([{ token: "tok_***" }, { password: REDACTED }]);
    expect(out.headers).toEqual({ authorization: "Bearer ***", "content-type": "json" });
    expect(out.map).toEqual({ secret: "s3cr3t-***" });
    expect(out.error).toEqual({ name: "Error", message: "failed with sk-***", code: "E1" });
    expect(out.bytes).toBe("[3 bytes]");
    expect(out.when).toBe("1970-01-01T00:00:00.000Z");
    expect(out.self).toBe("[Circular]");
    expect((input.level1 as any).level2[0].token).toBe("tok_abcdefghijklmnop");
    const shared = { v: 1 };
    expect(redactObject({ a: shared, b: shared })).toEqual({ a: { v: 1 }, b: { v: 1 } });
  });
});

describe("mergeConfigs", () => {
  it("deep-merges plain objects, replaces arrays and scalars, keeps base for undefined", () => {
    const base = { retry: { max: 3, base: 100 }, tags: ["a"], name: "x", keep: 1 };
    const override = { retry: { max: 5 }, tags: ["b"], name: undefined, extra: { y: true } };
    const merged = mergeConfigs(base, override);
    expect(merged).toEqual({ retry: { max: 5, base: 100 }, tags: ["b"], name: "x", keep: 1, extra: { y: true } });
    expect(base).toEqual({ retry: { max: 3, base: 100 }, tags: ["a"], name: "x", keep: 1 });
    (merged.tags as string[]).push("c");
    expect(override.tags).toEqual(["b"]);
    (merged.retry as { base: number }).base = 0;
    expect(base.retry.base).toBe(100);
  });

  it("ignores prototype-polluting keys", () => {
    const merged = mergeConfigs({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
    expect(merged).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("defineConnector", () => {
  it("returns the descriptor unchanged", () => {
    const descriptor = { id: "acme.echo.v1", type: "provider", specificationVersion: "v1", create: () => ({}) } as const;
    expect(defineConnector(descriptor)).toBe(descriptor);
  });

  it("rejects malformed ids with a config error", () => {
    expect(() => defineConnector({ id: "Acme.Echo", type: "provider" })).toThrow(ConfigError);
    expect(() => defineConnector({ id: "acme.echo", type: "provider" })).toThrow(/not a valid connector id/);
  });
});

describe("stable JSON and content hash", () => {
  it("is independent of key order and sensitive to content", () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: [3] } })).toBe('{"a":{"c":[3],"d":2},"b":1}');
    expect(contentHash(stableStringify({ a: 1, b: 2 }))).toBe(contentHash(stableStringify({ b: 2, a: 1 })));
    expect(contentHash("a")).not.toBe(contentHash("b"));
    expect(contentHash("x")).toMatch(/^[0-9a-f]{14}$/);
  });
});
