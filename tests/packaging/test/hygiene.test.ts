/**
 * Package hygiene, checked on the packed tarballs (what the registry would serve), not on the workspace folders:
 * publint with no error or warning, @arethetypeswrong/cli clean under the node16 profile (node16 from CJS and
 * ESM, and bundler resolution; ESM-only packages under esm-only), a LICENSE, README and CHANGELOG in every
 * tarball, `engines`, `repository`, `homepage`, absolute README links, and source maps that do not embed the sources.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { REPOSITORY, ROOT, workspacePackages, type PackedPackage } from "./support/packages.js";

const run = promisify(execFile);
const packed = inject("packed");
const published = packed.filter((pkg) => !pkg.private);
const unpacked = new Map<string, string>();

async function unpack(pkg: PackedPackage): Promise<string> {
  const dir = join(inject("packDir"), "unpacked", pkg.name.replace(/[@/]/g, "_"));
  await mkdir(dir, { recursive: true });
  await run("tar", ["-xzf", pkg.tarball, "-C", dir]);
  return join(dir, "package");
}

async function files(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await files(dir, path)));
    else out.push(path);
  }
  return out;
}

interface Manifest {
  name: string;
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  exports?: Record<string, unknown>;
}

beforeAll(async () => {
  for (const pkg of published) unpacked.set(pkg.name, await unpack(pkg));
}, 120_000);

describe("the set of published packages", () => {
  it("every public package of the workspace was packed (nothing is forgotten)", () => {
    expect(published.map((pkg) => pkg.name)).toEqual(workspacePackages().map((pkg) => pkg.name));
    expect(published.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(["modelmesh", "@modelmesh/core", "@modelmesh/cdk", "@modelmesh/proxy"]));
  });
});

describe.each(published.map((pkg) => [pkg.name, pkg] as const))("%s tarball", (name, pkg) => {
  const dir = () => unpacked.get(name)!;

  it("carries LICENSE, README.md, CHANGELOG.md and no test or source folders", async () => {
    const list = await files(dir());
    expect(list).toEqual(expect.arrayContaining(["LICENSE", "README.md", "CHANGELOG.md", "package.json"]));
    expect(await readFile(join(dir(), "LICENSE"), "utf8")).toBe(await readFile(join(ROOT, "LICENSE"), "utf8"));
    expect(list.filter((file) => /^(src|test)\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file))).toEqual([]);
  });

  it("declares engines, repository (with its folder), homepage and license", async () => {
    const manifest = JSON.parse(await readFile(join(dir(), "package.json"), "utf8")) as Manifest;
    expect(manifest.engines?.node).toBe(">=20.19");
    expect(manifest.license).toBe("MIT");
    expect(manifest.repository).toEqual({ type: "git", url: `git+${REPOSITORY}.git`, directory: pkg.dir });
    expect(manifest.homepage).toBe(`${REPOSITORY}/tree/main/${pkg.dir}#readme`);
  });

  it("README links are absolute (a relative link breaks on the registry's page)", async () => {
    const readme = await readFile(join(dir(), "README.md"), "utf8");
    const withoutCode = readme.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
    const links = [...withoutCode.matchAll(/\]\(([^)\s]+)[^)]*\)|^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] ?? m[2]!);
    expect(links.filter((link) => !/^(https?:|mailto:|#)/.test(link))).toEqual([]);
  });

  it("source maps point at the sources without embedding them", async () => {
    const maps = (await files(dir())).filter((file) => file.endsWith(".map"));
    const embedding: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(await readFile(join(dir(), map), "utf8")) as { sourcesContent?: Array<string | null> };
      if (parsed.sourcesContent?.some((content) => content !== null && content !== undefined)) embedding.push(map);
    }
    expect(embedding).toEqual([]);
  });

  it("publint: no error and no warning", async () => {
    const { messages, pkg: manifest } = await publint({ pkgDir: dir(), pack: false, level: "warning" });
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, manifest) ?? message.code}`)).toEqual([]);
  });

  it("@arethetypeswrong/cli: types resolve for node16 (from CJS and ESM) and bundlers", async () => {
    const manifest = JSON.parse(await readFile(join(dir(), "package.json"), "utf8")) as Manifest;
    // A package without a `require` condition anywhere is ESM only: its CommonJS row is not a problem.
    const esmOnly = !JSON.stringify(manifest.exports ?? {}).includes('"require"');
    const bin = join(ROOT, "tests/packaging/node_modules/.bin/attw");
    const result = await run(bin, [pkg.tarball, "--profile", esmOnly ? "esm-only" : "node16", "--format", "json"], { maxBuffer: 64 * 1024 * 1024 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? "" }),
    );
    const report = JSON.parse(result.stdout) as { analysis: { problems?: Array<{ kind: string; entrypoint?: string; resolutionKind?: string }> } };
    const ignored = new Set(esmOnly ? ["node10", "node16-cjs"] : ["node10"]);
    const problems = (report.analysis.problems ?? []).filter((p) => !p.resolutionKind || !ignored.has(p.resolutionKind)).map((p) => `${p.kind} ${p.entrypoint ?? ""} ${p.resolutionKind ?? ""}`);
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
  });
});
