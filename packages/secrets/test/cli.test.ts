/**
 * `modelmesh secrets …` through `runSecretsCommand`: every subcommand on every store, values only ever
 * printed by `get`, and each usage error (exit 2) and failure (exit 1) with a clear message.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EncryptedFileSecretStore, runSecretsCommand, WritableFileSecretStore } from "../src/index.js";
import { tempDir } from "./support/files.js";

const PASSPHRASE = "cli passphrase";
const VALUE = "sk-cli-value-9f8e7d6c5b4a";

/** Runs the command in `cwd` and returns its exit code and output. */
async function cli(argv: string[], options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string | null }) {
  let stdout = "";
  let stderr = "";
  const code = await runSecretsCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: options.env ?? { MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE },
    cwd: options.cwd,
    ...(options.stdin === null ? {} : { readStdin: async () => options.stdin ?? "" }),
  });
  return { code, stdout, stderr };
}

describe("modelmesh secrets (encrypted-file, the default store)", () => {
  it("set (argument and stdin), get, list, delete in ./.modelmesh/secrets.enc", async () => {
    const cwd = tempDir();
    expect(await cli(["set", "OPENAI_KEY", VALUE], { cwd })).toEqual({ code: 0, stdout: `Saved OPENAI_KEY to ${join(cwd, ".modelmesh/secrets.enc")}\n`, stderr: "" });
    expect(await cli(["set", "ANTHROPIC_KEY"], { cwd, stdin: "sk-from-stdin\n" })).toMatchObject({ code: 0, stderr: "" });
    expect(await cli(["get", "ANTHROPIC_KEY"], { cwd })).toEqual({ code: 0, stdout: "sk-from-stdin\n", stderr: "" });
    expect(await cli(["get", "OPENAI_KEY"], { cwd })).toEqual({ code: 0, stdout: `${VALUE}\n`, stderr: "" });
    const listed = await cli(["list"], { cwd });
    expect(listed).toEqual({ code: 0, stdout: "ANTHROPIC_KEY\nOPENAI_KEY\n", stderr: "" });
    expect(await cli(["delete", "ANTHROPIC_KEY"], { cwd })).toMatchObject({ code: 0, stdout: `Deleted ANTHROPIC_KEY from ${join(cwd, ".modelmesh/secrets.enc")}\n` });
    expect(await cli(["list"], { cwd })).toMatchObject({ code: 0, stdout: "OPENAI_KEY\n" });
    // the file really is the encrypted store
    const store = new EncryptedFileSecretStore({ filePath: join(cwd, ".modelmesh/secrets.enc"), passphrase: PASSPHRASE });
    expect(await store.get("OPENAI_KEY")).toBe(VALUE);
    expect(readFileSync(join(cwd, ".modelmesh/secrets.enc"), "utf8")).not.toContain(VALUE);
  });

  it("list and import never print a value", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "in.env"), `# from a teammate\nOPENAI_KEY=${VALUE}\nOTHER_KEY="second value"\n`);
    const imported = await cli(["import", "in.env"], { cwd });
    expect(imported).toEqual({ code: 0, stdout: `Imported 2 secrets from in.env into ${join(cwd, ".modelmesh/secrets.enc")}\n`, stderr: "" });
    const listed = await cli(["list"], { cwd });
    expect(listed.stdout).toBe("OPENAI_KEY\nOTHER_KEY\n");
    for (const out of [imported, listed]) {
      expect(out.stdout + out.stderr).not.toContain(VALUE);
      expect(out.stdout + out.stderr).not.toContain("second value");
    }
  });

  it("import reads .json (nested keys dotted) and .toml files", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "in.json"), JSON.stringify({ openai: { key: "j1" }, TOP: "j2" }));
    writeFileSync(join(cwd, "in.toml"), '[anthropic]\nkey = "t1"\n');
    expect(await cli(["import", "in.json"], { cwd })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Imported 2 secrets from in.json/) });
    expect(await cli(["import", join(cwd, "in.toml")], { cwd })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Imported 1 secret from /) });
    expect((await cli(["list"], { cwd })).stdout).toBe("TOP\nanthropic.key\nopenai.key\n");
    expect((await cli(["get", "anthropic.key"], { cwd })).stdout).toBe("t1\n");
  });

  it("fails with exit 1 on a missing passphrase, a wrong passphrase, a missing secret or import file", async () => {
    const cwd = tempDir();
    await cli(["set", "A", "1"], { cwd });
    const noPass = await cli(["list"], { cwd, env: {} });
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toMatch(/^modelmesh secrets: .*environment variable MODELMESH_SECRETS_PASSPHRASE is not set/);
    const wrong = await cli(["get", "A"], { cwd, env: { MODELMESH_SECRETS_PASSPHRASE: "nope" } });
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr).toContain("wrong passphrase or damaged file");
    expect(wrong.stderr).toContain(join(cwd, ".modelmesh/secrets.enc"));
    const missing = await cli(["get", "B"], { cwd });
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toMatch(/secret 'B' was not found/);
    expect(await cli(["delete", "B"], { cwd })).toMatchObject({ code: 1, stderr: `modelmesh secrets: secret 'B' is not in ${join(cwd, ".modelmesh/secrets.enc")}\n` });
    expect((await cli(["import", "nope.env"], { cwd })).code).toBe(1);
    expect((await cli(["set", "bad name", "x"], { cwd })).stderr).toMatch(/invalid secret name "bad name"/);
    writeFileSync(join(cwd, "bad.toml"), 'ok = "sk-hidden-value"\nlist = [1, 2]\n');
    const badToml = await cli(["import", "bad.toml"], { cwd });
    expect(badToml).toMatchObject({ code: 1, stdout: "" });
    expect(badToml.stderr).toMatch(new RegExp(`^modelmesh secrets: ${join(cwd, "bad.toml")}: unsupported value: .* \\(line 2\\)\n$`));
    expect(badToml.stderr).not.toContain("sk-hidden-value");
  });
});

describe("modelmesh secrets --store dotenv|json|toml --path", () => {
  it("manages each plain file store, at its default path or --path", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, ".env"), "# keep me\nEXISTING=1\n");
    expect(await cli(["set", "A", "a b", "--store", "dotenv"], { cwd, env: {} })).toMatchObject({ code: 0, stdout: `Saved A to ${join(cwd, ".env")}\n` });
    expect(readFileSync(join(cwd, ".env"), "utf8")).toBe("# keep me\nEXISTING=1\nA='a b'\n");
    expect(await cli(["--store=json", "set", "B", "b"], { cwd, env: {} })).toMatchObject({ code: 0, stdout: `Saved B to ${join(cwd, "secrets.json")}\n` });
    expect(JSON.parse(readFileSync(join(cwd, "secrets.json"), "utf8"))).toEqual({ B: "b" });
    expect(await cli(["set", "C", "c", "--store", "toml", "--path", "conf/s.toml"], { cwd, env: {} })).toMatchObject({ code: 0 });
    expect(readFileSync(join(cwd, "conf/s.toml"), "utf8")).toBe('C = "c"\n');
    expect(await cli(["list", "--store", "toml", "--path=conf/s.toml"], { cwd, env: {} })).toMatchObject({ code: 0, stdout: "C\n" });
    expect(await cli(["get", "EXISTING", "--store", "dotenv"], { cwd, env: {} })).toMatchObject({ code: 0, stdout: "1\n" });
    expect(await cli(["delete", "B", "--store", "json"], { cwd, env: {} })).toMatchObject({ code: 0 });
    expect(await cli(["list", "--store", "json"], { cwd, env: {} })).toEqual({ code: 0, stdout: "", stderr: `No secrets in ${join(cwd, "secrets.json")}\n` });
    const target = new WritableFileSecretStore({ filePath: join(cwd, "secrets.json") });
    expect(await target.list()).toEqual([]);
    expect(await cli(["import", ".env", "--store", "json"], { cwd, env: {} })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Imported 2 secrets/) });
    expect(await new WritableFileSecretStore({ filePath: join(cwd, "secrets.json") }).list()).toEqual(["A", "EXISTING"]);
  });
});

describe("usage", () => {
  it("--help on the command and on every subcommand prints its usage and exits 0", async () => {
    const cwd = tempDir();
    const top = await cli(["--help"], { cwd });
    expect(top.code).toBe(0);
    for (const command of ["set NAME [VALUE]", "get NAME", "list", "delete NAME", "import FILE", "--store KIND", "--path FILE", "MODELMESH_SECRETS_PASSPHRASE"]) expect(top.stdout).toContain(command);
    for (const [command, usage] of [
      ["set", "Usage: modelmesh secrets set NAME [VALUE]"],
      ["get", "Usage: modelmesh secrets get NAME"],
      ["list", "Usage: modelmesh secrets list"],
      ["delete", "Usage: modelmesh secrets delete NAME"],
      ["import", "Usage: modelmesh secrets import FILE"],
    ] as const) {
      const out = await cli([command, "--help"], { cwd, env: {} });
      expect(out, command).toMatchObject({ code: 0, stderr: "" });
      expect(out.stdout.startsWith(usage), command).toBe(true);
      expect(await cli(["-h", command], { cwd, env: {} })).toEqual(out);
    }
    expect(await cli([], { cwd })).toMatchObject({ code: 2, stderr: "modelmesh secrets: missing command\nRun 'modelmesh secrets --help' for usage.\n" });
  });

  it("usage errors exit 2 and say what is wrong", async () => {
    const cwd = tempDir();
    const cases: Array<[string[], string, string | null | undefined]> = [
      [["rotate"], "unknown command 'rotate'", undefined],
      [["get"], "missing NAME: modelmesh secrets get NAME", undefined],
      [["set"], "missing NAME: modelmesh secrets set NAME [VALUE]", undefined],
      [["delete"], "missing NAME", undefined],
      [["import"], "missing FILE: modelmesh secrets import FILE", undefined],
      [["get", "A", "B"], "too many arguments: modelmesh secrets get NAME", undefined],
      [["list", "extra"], "too many arguments: modelmesh secrets list", undefined],
      [["list", "--verbose"], "unknown option --verbose", undefined],
      [["list", "--store", "vault"], "unknown store 'vault': use encrypted-file, dotenv, json, toml", undefined],
      [["list", "--path"], "--path needs a value", undefined],
      [["set", "A"], "no VALUE given and no stdin to read it from", null],
      [["set", "A"], "the value read from stdin is empty", "\n"],
    ];
    for (const [argv, message, stdin] of cases) {
      const out = await cli(argv, { cwd, stdin });
      expect(out.code, argv.join(" ")).toBe(2);
      expect(out.stdout, argv.join(" ")).toBe("");
      expect(out.stderr, argv.join(" ")).toContain(`modelmesh secrets: ${message}`);
      expect(out.stderr, argv.join(" ")).toMatch(/Run 'modelmesh secrets( \w+)? --help' for usage\.\n$/);
    }
    expect((await cli(["get"], { cwd })).stderr).toContain("Run 'modelmesh secrets get --help'");
    // nothing was written by any of them
    expect((await cli(["list"], { cwd })).stdout).toBe("");
  });

  it("-- ends the options, so a value may start with a dash", async () => {
    const cwd = tempDir();
    expect(await cli(["set", "--", "A", "--not-an-option"], { cwd })).toMatchObject({ code: 0 });
    expect((await cli(["get", "A"], { cwd })).stdout).toBe("--not-an-option\n");
  });
});
