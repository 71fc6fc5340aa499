/** `modelmesh init` and `--help` on every command, run in-process through the CLI's main function. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMesh } from "@modelmesh/core";
import { runCli, type CliIO } from "../src/index.js";
import { createProxyRegistry } from "../src/server.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelmesh-init-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OPENAI_KEY = "sk-init-test-value-0123456789";
const GEMINI_KEY = "AIza-init-test-value-987654";

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Partial<CliIO> = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env, cwd: dir, onSignal: () => () => {} };
  const code = await runCli(argv, io);
  return { code, out: out.join(""), err: err.join("") };
}

describe("modelmesh init", () => {
  it("writes a starter config with one provider per key found, as references, that loads", async () => {
    const env = { OPENAI_API_KEY: OPENAI_KEY, GOOGLE_API_KEY: GEMINI_KEY, PATH: "/usr/bin" };
    const result = await run(["init"], env);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const text = await readFile(join(dir, "modelmesh.yaml"), "utf8");
    expect(text).toContain("${env:OPENAI_API_KEY}");
    expect(text).toContain("${env:GOOGLE_API_KEY}");
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(GEMINI_KEY);
    expect(result.out).not.toContain(OPENAI_KEY);
    expect(result.out).toMatch(/Wrote .*modelmesh\.yaml with providers openai \(OPENAI_API_KEY\), google \(GOOGLE_API_KEY\)/);
    expect(result.out).toMatch(/Next: modelmesh serve --config/);
    // The written file is a config the mesh accepts, with the keys taken from the environment.
    const mesh = await createMesh(text, { registry: createProxyRegistry(), env });
    try {
      expect(Object.keys(mesh.config.providers).sort()).toEqual(["google", "openai"]);
      const explained = await mesh.router.explain({ model: "chat", messages: [{ role: "user", content: "hi" }] });
      expect(explained.final).toBeDefined();
    } finally {
      await mesh.close();
    }
  });

  it("only vendors whose key is set (an empty variable is not a key)", async () => {
    const result = await run(["init", "--stdout"], { ANTHROPIC_API_KEY: "sk-ant-value-0123456789", OPENAI_API_KEY: "" });
    expect(result.code).toBe(0);
    expect(result.out).toContain("connector: anthropic.claude.v1");
    expect(result.out).not.toContain("connector: openai.llm.v1");
    expect(result.err).toMatch(/providers from the environment: anthropic \(ANTHROPIC_API_KEY\)/);
  });

  it("leaves an existing file alone unless --force, and writes where --output says", async () => {
    const path = join(dir, "modelmesh.yaml");
    await writeFile(path, "# mine\n");
    const refused = await run(["init"], { OPENAI_API_KEY: OPENAI_KEY });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/modelmesh\.yaml exists; left alone \(--force replaces it/);
    expect(await readFile(path, "utf8")).toBe("# mine\n");
    expect((await run(["init", "--force"], { OPENAI_API_KEY: OPENAI_KEY })).code).toBe(0);
    expect(await readFile(path, "utf8")).toContain("${env:OPENAI_API_KEY}");
    expect((await run(["init", "--output", "other.yml"], { OPENAI_API_KEY: OPENAI_KEY })).code).toBe(0);
    expect(await readFile(join(dir, "other.yml"), "utf8")).toContain("connector: openai.llm.v1");
  });

  it("with no key in the environment writes nothing and names the variables it looked for", async () => {
    const result = await run(["init"], { HOME: "/home/x" });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/nothing was written: no provider API key or local host was found in the environment\. Set one of: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY.*GROQ_API_KEY.*; or a local server: .*OLLAMA_HOST/);
    await expect(readFile(join(dir, "modelmesh.yaml"), "utf8")).rejects.toThrow(/ENOENT/);
  });
});

describe("--help on every command", () => {
  it.each([
    ["init", /modelmesh init \[--output FILE\] \[--force\] \[--stdout\]/],
    ["serve", /modelmesh serve \[--config FILE\].*--cors-origin ORIGIN/s],
    ["validate", /modelmesh validate \[--config FILE\]/],
    ["explain", /modelmesh explain \[--config FILE\] --model NAME/],
    ["secrets", /modelmesh secrets/],
  ])("modelmesh %s --help (and modelmesh help %s) print that command's help, exit 0", async (command, pattern) => {
    const viaFlag = await run([command, "--help"]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.out).toMatch(pattern);
    const viaHelp = await run(["help", command]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toMatch(pattern);
  });

  it("modelmesh --help lists every command; a flag another command owns is a usage error naming the command", async () => {
    const usage = await run(["--help"]);
    expect(usage.code).toBe(0);
    for (const command of ["init", "serve", "validate", "explain", "secrets"]) expect(usage.out).toMatch(new RegExp(`^  modelmesh ${command} `, "m"));
    const wrong = await run(["validate", "--port", "1"]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/validate takes no --port/);
    expect(wrong.err).toMatch(/modelmesh validate \[--config FILE\]/);
  });
});
