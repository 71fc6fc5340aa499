/**
 * The writable `.env`, JSON and TOML stores: set / delete / setMany persist and a new instance reads them;
 * dotenv keeps comments and other lines and quotes values that need it; JSON keeps other keys; TOML is
 * rewritten as plain key = value lines under [table] headers. Writes are atomic (no temporary file left).
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDotenv, parseTomlSubset } from "@modelmesh/cdk";
import { describeSecretStoreConformance } from "@modelmesh/testing";
import { describe, expect, it } from "vitest";
import { WritableFileSecretStore } from "../src/index.js";
import { filesIn, modeOf, tempDir } from "./support/files.js";

const FORMATS = [
  { format: "dotenv", file: ".env" },
  { format: "json", file: "secrets.json" },
  { format: "toml", file: "secrets.toml" },
] as const;

/** Values that need quoting or escaping in one format or another. */
const TRICKY: Record<string, string> = {
  plain: "sk-abc_123./:@+,%=~^",
  spaced: "  leading and trailing  ",
  hash: "value # not a comment",
  quotes: `it's "quoted"`,
  lines: "line1\nline2\r\n\ttabbed",
  backslash: "C:\\path\\to\\",
  dollar: "${NOT_EXPANDED} $HOME",
  empty: "",
};

for (const { format, file } of FORMATS) {
  describeSecretStoreConformance(`WritableFileSecretStore (${format})`, {
    create: async ({ secrets }) => {
      const store = new WritableFileSecretStore({ filePath: join(tempDir(), file), format });
      await store.setMany(secrets);
      return store;
    },
  });

  describe(`WritableFileSecretStore (${format})`, () => {
    it("persists set / setMany / delete; a new instance reads them; no temporary file is left", async () => {
      const dir = tempDir();
      const path = join(dir, file);
      const store = new WritableFileSecretStore({ filePath: path, format });
      await store.set("OPENAI_KEY", "sk-one");
      await store.setMany({ ANTHROPIC_KEY: "sk-two", "db.password": "pw" });
      await store.set("OPENAI_KEY", "sk-one-rotated");
      expect(await store.get("OPENAI_KEY")).toBe("sk-one-rotated");
      const again = new WritableFileSecretStore({ filePath: path, format });
      expect(await again.list()).toEqual(["ANTHROPIC_KEY", "OPENAI_KEY", "db.password"]);
      expect(await again.get("db.password")).toBe("pw");
      expect(await again.delete("ANTHROPIC_KEY")).toBe(true);
      expect(await again.delete("ANTHROPIC_KEY")).toBe(false);
      expect(await new WritableFileSecretStore({ filePath: path, format }).list()).toEqual(["OPENAI_KEY", "db.password"]);
      expect(filesIn(dir)).toEqual([file]);
      expect(modeOf(path)).toBe(0o600); // a file the store creates
      chmodSync(path, 0o640);
      await again.set("NEW", "x");
      expect(modeOf(path)).toBe(0o640); // an existing file keeps its mode
    });

    it("round-trips values that need quoting or escaping", async () => {
      const path = join(tempDir(), file);
      await new WritableFileSecretStore({ filePath: path, format }).setMany(TRICKY);
      const again = new WritableFileSecretStore({ filePath: path, format });
      for (const [name, value] of Object.entries(TRICKY)) expect(await again.get(name), name).toBe(value);
    });

    it("rejects names that cannot be written, and writes nothing", async () => {
      const path = join(tempDir(), file);
      const store = new WritableFileSecretStore({ filePath: path, format });
      for (const name of ["has space", "A=B", "#x", "", "quote\"d", "new\nline", "__proto__"]) await expect(store.set(name, "v"), name).rejects.toThrow(/invalid secret name/);
      await expect(store.setMany({ ok: "1", "bad name": "2" })).rejects.toThrow(/invalid secret name/);
      expect(await store.list()).toEqual([]);
    });
  });
}

describe("dotenv writes", () => {
  it("keep comments, blank lines, export and other assignments; drop duplicates of a changed name", async () => {
    const path = join(tempDir(), ".env");
    const original = ["# API keys", "export OPENAI_KEY=old # trailing", "", "OTHER='keep me'", "  # indented comment", "DUP=1", "DUP=2", "not an assignment", ""].join("\n");
    writeFileSync(path, original);
    const store = new WritableFileSecretStore({ filePath: path });
    await store.set("OPENAI_KEY", "new value");
    await store.set("DUP", "3");
    await store.set("ADDED", "a#b");
    expect(readFileSync(path, "utf8")).toBe(
      ["# API keys", "export OPENAI_KEY='new value'", "", "OTHER='keep me'", "  # indented comment", "DUP=3", "not an assignment", "ADDED='a#b'", ""].join("\n"),
    );
    await store.delete("OTHER");
    expect(readFileSync(path, "utf8")).toBe(["# API keys", "export OPENAI_KEY='new value'", "", "  # indented comment", "DUP=3", "not an assignment", "ADDED='a#b'", ""].join("\n"));
    expect(parseDotenv(readFileSync(path, "utf8"))).toEqual({ OPENAI_KEY: "new value", DUP: "3", ADDED: "a#b" });
  });

  it("keep CRLF line endings", async () => {
    const path = join(tempDir(), ".env");
    writeFileSync(path, "# c\r\nA=1\r\n");
    await new WritableFileSecretStore({ filePath: path }).set("B", "2");
    expect(readFileSync(path, "utf8")).toBe("# c\r\nA=1\r\nB=2\r\n");
  });
});

describe("JSON writes", () => {
  it("keep other keys and nesting, write a nested secret where it is, and scope to json_path", async () => {
    const path = join(tempDir(), "secrets.json");
    writeFileSync(path, JSON.stringify({ version: 3, prod: { openai: { key: "old" }, region: "eu" }, dev: { openai: { key: "dev" } } }, null, 2));
    const prod = new WritableFileSecretStore({ filePath: path, jsonPath: "prod" });
    expect(await prod.list()).toEqual(["openai.key", "region"]);
    await prod.set("openai.key", "new");
    await prod.set("anthropic-key", "ant");
    expect(await prod.delete("region")).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ version: 3, prod: { openai: { key: "new" }, "anthropic-key": "ant" }, dev: { openai: { key: "dev" } } });
    const staging = new WritableFileSecretStore({ filePath: path, jsonPath: "staging.eu" });
    await staging.set("K", "v");
    expect(JSON.parse(readFileSync(path, "utf8")).staging).toEqual({ eu: { K: "v" } });
    await expect(prod.set("openai", "x")).rejects.toThrow(/'openai' is a table of secrets/);
  });

  it("refuse to write over a file that is not valid JSON, without quoting it", async () => {
    const path = join(tempDir(), "secrets.json");
    writeFileSync(path, '{"KEY": "sk-secret-value", oops}');
    const error = await new WritableFileSecretStore({ filePath: path }).set("A", "b").catch((caught: Error) => caught);
    expect(String(error)).toMatch(/not valid JSON/);
    expect(String(error)).not.toContain("sk-secret-value");
    expect(readFileSync(path, "utf8")).toBe('{"KEY": "sk-secret-value", oops}');
  });
});

describe("TOML writes", () => {
  it("rewrite tables as key = value lines that read back the same (comments are not kept)", async () => {
    const path = join(tempDir(), "secrets.toml");
    writeFileSync(path, ['# keys', 'top = "t"', "port = 5432", "enabled = true", "", "[prod]", 'openai = "old"', "", "[prod.db]", "password = 'pw'"].join("\n"));
    const store = new WritableFileSecretStore({ filePath: path, jsonPath: "prod" });
    await store.set("openai", "new");
    await store.set("db.password", "pw2");
    await store.set("dotted.name", "d");
    const text = readFileSync(path, "utf8");
    expect(text).toBe(['top = "t"', "port = 5432", "enabled = true", "", "[prod]", 'openai = "new"', '"dotted.name" = "d"', "", "[prod.db]", 'password = "pw2"', ""].join("\n"));
    expect(parseTomlSubset(text)).toEqual({ top: "t", port: 5432, enabled: true, prod: { openai: "new", "dotted.name": "d", db: { password: "pw2" } } });
    expect(await new WritableFileSecretStore({ filePath: path, jsonPath: "prod" }).list()).toEqual(["db.password", "dotted.name", "openai"]);
  });
});
