import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSecretStore, secretFileFormat } from "../../src/services/file-secret-store.js";
import { flattenToDotted, parseDotenv, parseTomlSubset } from "../../src/services/secret-file-parsers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mm-secrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parsers", () => {
  it("parses dotenv: comments, export, quotes, escapes, inline comments, first '='", () => {
    const text = ["# comment", "", "export A=1", "B = 'lit $x # not comment'", 'C="line\\nnext"', "D=plain # trailing", "E=a=b", "NOEQUALS"].join("\n");
    expect(parseDotenv(text)).toEqual({ A: "1", B: "lit $x # not comment", C: "line\nnext", D: "plain", E: "a=b" });
  });

  it("parses the TOML subset: tables, dotted and quoted keys, strings, numbers, booleans", () => {
    const text = [
      "title = \"x\" # comment",
      "[openai]",
      'api_key = "sk-abc#notcomment"',
      "org.id = 'lit'",
      "[limits.daily]",
      "requests = 1_000",
      "ratio = 0.5",
      "enabled = true",
      '"quoted key" = "q"',
    ].join("\n");
    expect(parseTomlSubset(text)).toEqual({
      title: "x",
      openai: { api_key: "sk-abc#notcomment", org: { id: "lit" } },
      limits: { daily: { requests: 1000, ratio: 0.5, enabled: true, "quoted key": "q" } },
    });
  });

  it("rejects unsupported TOML with the line and without the value", () => {
    const error = (() => {
      try {
        parseTomlSubset('a = "ok"\nsecret = [ "sk-hidden-1234567890" ]', "s.toml");
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ line: 2 });
    expect((error as Error).message).not.toContain("sk-hidden");
    expect(() => parseTomlSubset("a = 1\na = 2")).toThrow(/duplicate key 'a'/);
  });

  it("flattens nested JSON to dotted keys", () => {
    expect(flattenToDotted({ a: { b: 1, c: [true, "x"] }, n: null })).toEqual({ "a.b": "1", "a.c.0": "true", "a.c.1": "x" });
  });
});

describe("FileSecretStore", () => {
  it("reads a .env file through the cache and failOnMissing", async () => {
    const file = join(dir, ".env");
    await writeFile(file, "OPENAI_KEY=sk-from-dotenv\n");
    const store = new FileSecretStore({ filePath: file });
    expect(store.format).toBe("dotenv");
    expect(await store.get("OPENAI_KEY")).toBe("sk-from-dotenv");
    expect(await store.list()).toEqual(["OPENAI_KEY"]);
    const error = await store.get("MISSING").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MM_SECRET_MISSING" });
    expect((error as Error).message).toContain(`Add it to ${file}.`);
  });

  it("reads nested JSON as dotted keys, scoped by jsonPath", async () => {
    const file = join(dir, "secrets.json");
    await writeFile(file, JSON.stringify({ prod: { openai: { key: "sk-json" }, port: 8080 }, dev: { openai: { key: "dev" } } }));
    expect(await new FileSecretStore({ filePath: file }).get("prod.openai.key")).toBe("sk-json");
    const scoped = new FileSecretStore({ filePath: file, jsonPath: "prod" });
    expect(await scoped.get("openai.key")).toBe("sk-json");
    expect(await scoped.get("port")).toBe("8080");
    await expect(new FileSecretStore({ filePath: file, jsonPath: "nope" }).get("x")).rejects.toThrow(/no table or object at this path/);
  });

  it("reads TOML tables", async () => {
    const file = join(dir, "secrets.toml");
    await writeFile(file, '[anthropic]\napi_key = "sk-ant-toml"\n');
    expect(secretFileFormat(file)).toBe("toml");
    expect(await new FileSecretStore({ filePath: file }).get("anthropic.api_key")).toBe("sk-ant-toml");
  });

  it("never quotes file content in parse errors", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, '{"key": "sk-do-not-leak-123456",');
    const error = await new FileSecretStore({ filePath: file }).get("key").catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect(JSON.stringify({ message: (error as Error).message, issues: (error as ConfigError).issues })).not.toContain("sk-do-not-leak");
    expect((error as Error).cause).toBeUndefined();
  });

  it("falls back to the environment only when configured", async () => {
    const file = join(dir, "empty.env");
    await writeFile(file, "");
    await expect(new FileSecretStore({ filePath: file }).get("HOME_ONLY")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    expect(await new FileSecretStore({ filePath: file, envFallback: { HOME_ONLY: "env" } }).get("HOME_ONLY")).toBe("env");
  });

  it("treats a missing file as empty unless required", async () => {
    const missing = join(dir, "nope.env");
    expect(await new FileSecretStore({ filePath: missing, failOnMissing: false }).get("A")).toBe("");
    await expect(new FileSecretStore({ filePath: missing, required: true }).get("A")).rejects.toThrow(/cannot read the secret file \(ENOENT\)/);
  });

  it("reloads when the file's mtime changes with watch, and is read-only", async () => {
    const file = join(dir, "watched.env");
    await writeFile(file, "K=one\n");
    await utimes(file, new Date(1_000_000), new Date(1_000_000));
    const store = new FileSecretStore({ filePath: file, watch: true });
    expect(await store.get("K")).toBe("one");
    await writeFile(file, "K=two\n");
    await utimes(file, new Date(2_000_000), new Date(2_000_000));
    expect(await store.get("K")).toBe("two");
    const unwatched = new FileSecretStore({ filePath: file });
    expect(await unwatched.get("K")).toBe("two");
    await writeFile(file, "K=three\n");
    await utimes(file, new Date(3_000_000), new Date(3_000_000));
    expect(await unwatched.get("K")).toBe("two");
    await unwatched.reload();
    expect(await unwatched.get("K")).toBe("three");
    await expect(store.set("K", "x")).rejects.toThrow(/read-only/);
  });
});
