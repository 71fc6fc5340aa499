/**
 * The command as users run it: a child process (the built package behind a stand-in for the modelmesh CLI)
 * with the value piped on stdin, so it never appears in argv or shell history, and exit codes seen by the shell.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "./support/files.js";

const BIN = fileURLToPath(new URL("./support/secrets-bin.mjs", import.meta.url));
const VALUE = "sk-piped-value-0a1b2c3d4e5f";

function run(args: string[], cwd: string, options: { input?: string; env?: Record<string, string> } = {}) {
  const env = { PATH: process.env.PATH ?? "", ...(options.env ?? { MODELMESH_SECRETS_PASSPHRASE: "child passphrase" }) };
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env, input: options.input ?? "", encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("modelmesh secrets in a child process", () => {
  it("set reads the value from a pipe; get prints it; list prints only names; errors exit 1 and 2", () => {
    const cwd = tempDir();
    const set = run(["set", "OPENAI_KEY"], cwd, { input: `${VALUE}\n` });
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout).not.toContain(VALUE);
    expect(run(["get", "OPENAI_KEY"], cwd)).toEqual({ code: 0, stdout: `${VALUE}\n`, stderr: "" });
    expect(run(["list"], cwd)).toEqual({ code: 0, stdout: "OPENAI_KEY\n", stderr: "" });
    const wrong = run(["get", "OPENAI_KEY"], cwd, { env: { MODELMESH_SECRETS_PASSPHRASE: "other" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong passphrase or damaged file");
    expect(wrong.stderr + wrong.stdout).not.toContain(VALUE);
    expect(run(["frobnicate"], cwd).code).toBe(2);
  });
});
