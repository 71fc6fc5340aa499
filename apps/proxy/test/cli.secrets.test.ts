/**
 * `modelmesh secrets …`: the CLI delegates to `runSecretsCommand` of @modelmesh/secrets. In-process through
 * `runCli` (stdin injected), and once as the real binary in a child process.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAll } from "../src/cli-main.js";
import { runCli, type CliIO } from "../src/index.js";
import { bundleCli, runCliChild } from "./support/cli-child.js";

const PASSPHRASE = "correct horse battery staple 42";
const VALUE = "sk-live-secret-value-0123456789";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelmesh-cli-secrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(extra: Partial<CliIO> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: () => out.join(""),
    err: () => err.join(""),
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), env: {}, cwd: dir, onSignal: () => () => {}, ...extra } satisfies CliIO,
  };
}

describe("modelmesh secrets (in-process)", () => {
  it("the usage lists the command, and `modelmesh secrets --help` prints its own", async () => {
    const main = io();
    expect(await runCli(["--help"], main.io)).toBe(0);
    expect(main.out()).toMatch(/modelmesh secrets {2}set NAME \[VALUE\]/);
    const help = io();
    expect(await runCli(["secrets", "--help"], help.io)).toBe(0);
    expect(help.out()).toContain("Usage: modelmesh secrets <command> [options]");
    expect(help.out()).toContain("import FILE");
    const setHelp = io();
    expect(await runCli(["secrets", "set", "--help"], setHelp.io)).toBe(0);
    expect(setHelp.out()).toContain("Usage: modelmesh secrets set NAME [VALUE] [options]");
  });

  it("set reads the value from stdin; list prints names only; get prints the value", async () => {
    const env = { MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE };
    let reads = 0;
    const set = io({ env, readStdin: async () => (reads++, `${VALUE}\n`) });
    expect(await runCli(["secrets", "set", "OPENAI_KEY"], set.io)).toBe(0);
    expect(reads).toBe(1);
    expect(set.out()).toBe(`Saved OPENAI_KEY to ${join(dir, ".modelmesh", "secrets.enc")}\n`);
    expect(set.out() + set.err()).not.toContain(VALUE);
    // Encrypted at rest under the default path.
    const file = await readFile(join(dir, ".modelmesh", "secrets.enc"), "utf8");
    expect(file).not.toContain(VALUE);
    expect(file).not.toContain("OPENAI_KEY");

    const second = io({ env });
    expect(await runCli(["secrets", "set", "OTHER_KEY", "other-value-987654"], second.io)).toBe(0);

    const list = io({ env });
    expect(await runCli(["secrets", "list"], list.io)).toBe(0);
    expect(list.out().split("\n").filter(Boolean).sort()).toEqual(["OPENAI_KEY", "OTHER_KEY"]);
    expect(list.out() + list.err()).not.toContain(VALUE);
    expect(list.out() + list.err()).not.toContain("other-value-987654");

    const get = io({ env });
    expect(await runCli(["secrets", "get", "OPENAI_KEY"], get.io)).toBe(0);
    expect(get.out()).toBe(`${VALUE}\n`);
  });

  it("a wrong passphrase exits 1 with a clear message and no value", async () => {
    const env = { MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE };
    const path = join(dir, "wrong-pass.enc");
    expect(await runCli(["secrets", "set", "API_KEY", VALUE, "--path", path], io({ env }).io)).toBe(0);
    const wrong = io({ env: { MODELMESH_SECRETS_PASSPHRASE: "not the passphrase" } });
    expect(await runCli(["secrets", "get", "API_KEY", "--path", path], wrong.io)).toBe(1);
    expect(wrong.out()).toBe("");
    expect(wrong.err()).toMatch(/^modelmesh secrets: .*wrong passphrase or damaged file/);
    expect(wrong.err()).not.toContain(VALUE);
    const missing = io({ env: {} });
    expect(await runCli(["secrets", "list", "--path", path], missing.io)).toBe(1);
    expect(missing.err()).toContain("MODELMESH_SECRETS_PASSPHRASE");
  });

  it("usage errors exit 2: no stdin for set, an unknown command, options before `secrets`", async () => {
    const noStdin = io({ readStdin: undefined });
    expect(await runCli(["secrets", "set", "NAME", "--store", "dotenv"], noStdin.io)).toBe(2);
    expect(noStdin.err()).toContain("no VALUE given and no stdin to read it from");
    const unknown = io();
    expect(await runCli(["secrets", "rotate"], unknown.io)).toBe(2);
    expect(unknown.err()).toContain("unknown command 'rotate'");
    const before = io();
    expect(await runCli(["--config", "x.yaml", "secrets", "list"], before.io)).toBe(2);
    expect(before.err()).toContain("options go after the secrets command");
  });

  it("stdin is read to its end as UTF-8 (the default io's reader)", async () => {
    expect(await readAll(Readable.from([Buffer.from("sk-"), Buffer.from("é\u00e9"), "tail\n"]))).toBe("sk-éétail\n");
    expect(await readAll(Readable.from([]))).toBe("");
  });
});

describe("modelmesh secrets (child process)", () => {
  it("node cli.js secrets list --store dotenv --path FILE prints the names, never the values", async () => {
    const cli = await bundleCli("cli-secrets-test");
    const envFile = join(dir, "child.env");
    await writeFile(envFile, `FIRST_KEY=${VALUE}\nSECOND_KEY="second value 31415"\n`);
    const result = await runCliChild(cli, ["secrets", "list", "--store", "dotenv", "--path", envFile], { cwd: dir });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("FIRST_KEY\nSECOND_KEY\n");
    expect(result.stdout + result.stderr).not.toContain(VALUE);
    expect(result.stdout + result.stderr).not.toContain("31415");
  });
});
