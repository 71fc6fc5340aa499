/**
 * The structure test over every published package (`private` unset in package.json). For each one:
 * - its manifest: ESM, `sideEffects: false`, every `exports` target built, every entry built from `src/<name>.ts`;
 * - its public surface: the runtime export names (and `typeof`) of every entry point, plus its runtime and peer
 *   dependencies, match the committed snapshot in `surface/<folder>.json`. Adding or removing an export is a
 *   public API change: update the snapshot (`pnpm --filter @modelmesh/structure-tests test -u`) in the same
 *   commit, with a changeset. The CommonJS build exports the same names, and `VERSION` is the package's version;
 * - importing any entry (ESM and CJS, built output, in a fresh process) does no work: no timer, socket, file,
 *   child process, `process.on` listener or global, except the listed work of third-party dependencies;
 * - every entry not listed as Node-only bundles for browsers with no `node:` built-in and no undici in its
 *   graph (peers and dependencies included), checked through `@modelmesh/testing/bundle`;
 * - its README has the sections every package README has (title, Install, Quick start, Errors, Runtime support).
 *
 * Packages are checked as built: `turbo run test` builds them first. After editing a package by hand, run
 * `pnpm --filter <package> build` before this test.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { browserBundleInputs, forbiddenBrowserInputs } from "@modelmesh/testing/bundle";
import { beforeAll, describe, expect, it } from "vitest";
import { mapLimited, probeImport, type ImportEffect, type ImportReport } from "./support/probe.js";
import { entryPoints, exportTargets, publishedPackages, ROOT, type EntryPoint, type WorkspacePackage } from "./support/workspace.js";

/** Entry points that are Node-only by design, and why; every other published entry must bundle for browsers. */
const NODE_ONLY: Record<string, string> = {
  "@modelmesh/cdk/node": "the undici transport and the Node defaults (docs/ARCHITECTURE.md §2.4)",
  "@modelmesh/storage-redis": "a Redis client over TCP sockets (node:net) for state shared by several instances",
  "@modelmesh/storage": "state files on the local disk (node:fs) through @modelmesh/cdk/node",
  "@modelmesh/secrets": "secret files on the local disk (node:fs) and scrypt (node:crypto) through @modelmesh/cdk/node",
  "@modelmesh/observability/node": "JSONL files on the local disk (node:fs) through @modelmesh/cdk/node",
  "@modelmesh/testing": "conformance suites for vitest in Node; the mock provider is a node:http server",
  "@modelmesh/testing/server": "the mock provider is a node:http server",
  "@modelmesh/testing/bundle": "drives esbuild",
  modelmesh: "wires the Node transport of @modelmesh/cdk/node in as the default",
  "@modelmesh/proxy": "the HTTP proxy and its CLI: a node:http server",
  "@modelmesh/proxy/server": "the HTTP proxy: a node:http server",
};

/**
 * Work that third-party dependencies do while they load, by package. It is theirs, not ours, but it is listed
 * so that a new dependency (or a new entry point pulling one in) that does work at import fails this test.
 */
const DEPENDENCY_IMPORT_WORK: Record<string, { kinds: ImportEffect["kind"][]; reason: string }> = {
  vitest: { kinds: ["timer", "async"], reason: "vitest arms a timer when it loads (only @modelmesh/testing's root, which runs under vitest)" },
};

/** Globals that dependencies define while they load. */
const DEPENDENCY_GLOBALS: { pattern: RegExp; reason: string }[] = [
  { pattern: /^__zod_global(Config|Registry)$/, reason: "zod's global registry" },
  { pattern: /^Symbol\((matchers-object|\$\$jest-matchers-object|asymmetric-matchers-object|expect-global)\)$/, reason: "vitest's expect state" },
];

/** Entry points whose CommonJS build cannot be loaded, with the error that proves why. */
const REQUIRE_UNSUPPORTED: Record<string, RegExp> = {
  // The proxy is ESM only: its exports have no `require` condition.
  "@modelmesh/proxy": /ERR_PACKAGE_PATH_NOT_EXPORTED|No "exports" main defined/,
  "@modelmesh/proxy/server": /ERR_PACKAGE_PATH_NOT_EXPORTED|is not defined by "exports"/,
};

/** Files a browser bundle must contain, so that the check provably walked the package's real graph. */
const BUNDLE_MUST_INCLUDE: Record<string, RegExp[]> = {
  "@modelmesh/core": [/node_modules\/zod\//, /node_modules\/yaml\//],
  "@modelmesh/browser": [/src\/create-browser\.ts$/, /src\/connectors\/indexed-db-storage\.ts$/],
  "@modelmesh/cdk": [/src\/providers\/provider-base\.ts$/],
  "@modelmesh/provider-anthropic": [/anthropic-provider\.ts$/],
  "@modelmesh/provider-google": [/gemini-provider\.ts$/],
  "@modelmesh/provider-openai": [/openai-provider/, /presets\/ollama/],
  "@modelmesh/rotation": [/core\/dist\//],
};

/** The `## ` sections every published README has, in this order (a heading may continue: `## Quick start: …`). */
const README_SECTIONS = ["Install", "Quick start", "Errors", "Runtime support"];

const packages = publishedPackages();
const entries = packages.flatMap((pkg) => entryPoints(pkg).map((entry) => ({ pkg, entry })));
const esm = new Map<string, ImportReport>();
const cjs = new Map<string, ImportReport | Error>();

function unexplained(effects: readonly ImportEffect[]): ImportEffect[] {
  return effects.filter((effect) =>
    effect.kind === "global"
      ? !DEPENDENCY_GLOBALS.some(({ pattern }) => pattern.test(effect.what))
      : !DEPENDENCY_IMPORT_WORK[effect.origin]?.kinds.includes(effect.kind),
  );
}

/** Forbidden inputs of a browser bundle of `entry`, or the build errors when it cannot be bundled at all. */
async function browserProblems(pkg: WorkspacePackage, entry: EntryPoint): Promise<string[]> {
  try {
    const inputs = await browserBundleInputs(entry.source, {
      cwd: join(ROOT, pkg.dir),
      external: [],
      define: { __PACKAGE_VERSION__: JSON.stringify(pkg.manifest.version) },
    });
    return forbiddenBrowserInputs(inputs);
  } catch (error) {
    return [String((error as Error).message)];
  }
}

beforeAll(async () => {
  await mapLimited(entries, 3, async ({ entry }) => {
    esm.set(entry.specifier, await probeImport("import", entry.specifier));
    cjs.set(entry.specifier, await probeImport("require", entry.specifier).catch((error: Error) => error));
  });
}, 180_000);

it("finds every published package, each a dev dependency of this one (so turbo builds it first)", () => {
  const own = JSON.parse(readFileSync(join(ROOT, "tests/structure/package.json"), "utf8")) as { devDependencies: Record<string, string> };
  expect(packages.filter((pkg) => own.devDependencies[pkg.manifest.name] !== "workspace:*").map((pkg) => pkg.manifest.name)).toEqual([]);
  expect(packages.map((pkg) => pkg.manifest.name).sort()).toEqual([
    "@modelmesh/ai-sdk",
    "@modelmesh/browser",
    "@modelmesh/cdk",
    "@modelmesh/core",
    "@modelmesh/discovery",
    "@modelmesh/observability",
    "@modelmesh/observability-otel",
    "@modelmesh/provider-anthropic",
    "@modelmesh/provider-bedrock",
    "@modelmesh/provider-cohere",
    "@modelmesh/provider-google",
    "@modelmesh/provider-openai",
    "@modelmesh/proxy",
    "@modelmesh/rotation",
    "@modelmesh/secrets",
    "@modelmesh/storage",
    "@modelmesh/storage-redis",
    "@modelmesh/testing",
    "modelmesh",
  ]);
});

describe.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s", (name, pkg) => {
  const folder = join(ROOT, pkg.dir);
  const pkgEntries = entryPoints(pkg);

  it("is an ESM package without side effects whose every export target is built", () => {
    expect(pkg.manifest.type).toBe("module");
    expect(pkg.manifest.sideEffects).toBe(false);
    expect(pkg.manifest.exports?.["./package.json"]).toBe("./package.json");
    for (const entry of pkgEntries) {
      expect(existsSync(join(folder, entry.source)), entry.source).toBe(true);
      for (const target of exportTargets(pkg.manifest.exports![entry.subpath])) expect(existsSync(join(folder, target)), target).toBe(true);
    }
  });

  it("exports the reviewed public surface and dependencies (surface snapshot)", async () => {
    const surface = {
      name,
      dependencies: Object.keys(pkg.manifest.dependencies ?? {}).sort(),
      peerDependencies: Object.keys(pkg.manifest.peerDependencies ?? {}).sort(),
      entries: Object.fromEntries(pkgEntries.map((entry) => [entry.subpath, esm.get(entry.specifier)!.exports])),
    };
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot(`../surface/${basename(pkg.dir)}.json`);
  });

  it("exports the same names from its CommonJS build, and VERSION is the package version", () => {
    for (const entry of pkgEntries) {
      const report = esm.get(entry.specifier)!;
      const required = cjs.get(entry.specifier)!;
      if (entry.specifier in REQUIRE_UNSUPPORTED) {
        expect(required).toBeInstanceOf(Error);
        expect((required as Error).message).toMatch(REQUIRE_UNSUPPORTED[entry.specifier]!);
      } else {
        expect(required, entry.specifier).not.toBeInstanceOf(Error);
        expect((required as ImportReport).exports, entry.specifier).toEqual(report.exports);
      }
      if ("VERSION" in report.exports) expect(report.version, entry.specifier).toBe(pkg.manifest.version);
    }
  });

  it("does no work at import time (ESM and CJS)", () => {
    for (const entry of pkgEntries) {
      expect(unexplained(esm.get(entry.specifier)!.effects), `import ${entry.specifier}`).toEqual([]);
      const required = cjs.get(entry.specifier)!;
      if (!(required instanceof Error)) expect(unexplained(required.effects), `require ${entry.specifier}`).toEqual([]);
    }
  });

  const browserEntries = pkgEntries.filter((entry) => !(entry.specifier in NODE_ONLY));
  if (browserEntries.length > 0) it("bundles for browsers with no node: built-in or undici in its graph", { timeout: 90_000 }, async () => {
    for (const entry of browserEntries) {
      const inputs = await browserBundleInputs(entry.source, {
        cwd: folder,
        external: [],
        define: { __PACKAGE_VERSION__: JSON.stringify(pkg.manifest.version) },
      });
      expect(forbiddenBrowserInputs(inputs), entry.specifier).toEqual([]);
      // The whole graph was walked: the entry itself, each first-party dependency's build, the listed files.
      expect(inputs).toContain(entry.source);
      const firstParty = Object.keys({ ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies }).filter((dep) => dep.startsWith("@modelmesh/"));
      for (const dep of firstParty) expect(inputs.some((input) => input.includes(`${dep.slice("@modelmesh/".length)}/dist/`)), dep).toBe(true);
      for (const pattern of entry.subpath === "." ? (BUNDLE_MUST_INCLUDE[name] ?? []) : []) {
        expect(inputs.some((input) => pattern.test(input)), String(pattern)).toBe(true);
      }
      if (name === "@modelmesh/core") expect(inputs.length).toBeGreaterThan(20);
    }
  });

  it("has a README with the shared sections", () => {
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    const lines = readme.split("\n");
    expect(lines[0]).toBe(`# ${name}`);
    expect(lines.slice(1).find((line) => line.trim() !== ""), "a sentence under the title").toMatch(/^[^#`]/);
    const headings = lines.filter((line) => line.startsWith("## ")).map((line) => line.slice(3));
    const positions = README_SECTIONS.map((section) => headings.findIndex((heading) => heading === section || heading.startsWith(`${section}:`)));
    expect(Object.fromEntries(README_SECTIONS.map((section, i) => [section, positions[i]! >= 0]))).toEqual(Object.fromEntries(README_SECTIONS.map((s) => [s, true])));
    expect([...positions].sort((a, b) => a - b), "sections in order").toEqual(positions);
    const section = (title: string) => readme.slice(readme.indexOf(`\n## ${title}`) + 1).split(/\n## /)[0]!;
    expect(section("Install")).toMatch(new RegExp(`\`\`\`sh\\n(npm install|pnpm add)[^\\n]* ${name.replace("/", "\\/")}( |\\n)`));
    const quickStart = /```(\w+)\n([\s\S]*?)```/.exec(section("Quick start"));
    expect(quickStart?.[1], "the quick start's first block").toBe("ts");
    expect(quickStart![2]).toMatch(new RegExp(`from "${name}(/[a-z-]+)?"`));
  });
});

describe("browser-bundle check", () => {
  it("lists only existing entry points as Node-only", () => {
    expect(Object.keys(NODE_ONLY).filter((specifier) => !entries.some(({ entry }) => entry.specifier === specifier))).toEqual([]);
  });

  it("fails every Node-only entry, so each exemption is needed and the check can fail", { timeout: 90_000 }, async () => {
    for (const { pkg, entry } of entries.filter(({ entry }) => entry.specifier in NODE_ONLY)) {
      expect(await browserProblems(pkg, entry), entry.specifier).not.toEqual([]);
    }
    const server = entries.find(({ entry }) => entry.specifier === "@modelmesh/testing/server")!;
    expect(await browserProblems(server.pkg, server.entry)).toContain("node:http");
    const node = entries.find(({ entry }) => entry.specifier === "@modelmesh/cdk/node")!;
    expect(await browserProblems(node.pkg, node.entry)).toEqual(expect.arrayContaining([expect.stringMatching(/undici/)]));
  });
});

describe("import-time exemptions", () => {
  it("are all still needed", () => {
    const effects = [...esm.values(), ...[...cjs.values()].filter((report): report is ImportReport => !(report instanceof Error))].flatMap((report) => report.effects);
    expect(Object.keys(DEPENDENCY_IMPORT_WORK).filter((origin) => !effects.some((effect) => effect.origin === origin))).toEqual([]);
    expect(DEPENDENCY_GLOBALS.filter(({ pattern }) => !effects.some((effect) => effect.kind === "global" && pattern.test(effect.what))).map(({ reason }) => reason)).toEqual([]);
  });

  it("catch work done by our own code (control)", () => {
    const ours: ImportEffect = { kind: "timer", what: "setTimeout()", origin: "packages/core" };
    const global: ImportEffect = { kind: "global", what: "__modelmesh", origin: "?" };
    expect(unexplained([ours, global])).toEqual([ours, global]);
  });
});
