/**
 * `@modelmesh/testing/bundle` — proves a package's entry bundles for the browser with no Node built-ins
 * (docs/ARCHITECTURE.md §1). Node-only; needs `esbuild` (an optional peer dependency).
 *
 * `node:*` stays external so a violation shows up as an import in the metafile rather than as a build error.
 * @example
 * const inputs = await browserBundleInputs("src/index.ts", { cwd: packageRoot });
 * expect(forbiddenBrowserInputs(inputs)).toEqual([]);
 */
import { build, type Metafile } from "esbuild";

/** Options of {@link browserBundleInputs}. */
export interface BrowserBundleOptions {
  /** Directory the entry is relative to (the package root). */
  cwd: string;
  /** Modules left out of the bundle (peers such as `@modelmesh/*`, `zod`). Default `["@modelmesh/*", "zod"]`. */
  external?: readonly string[];
  /** Compile-time constants (e.g. `__PACKAGE_VERSION__`). */
  define?: Record<string, string>;
}

/** Every input file and import path esbuild saw while bundling `entry` for `platform: "browser"`. */
export async function browserBundleInputs(entry: string, options: BrowserBundleOptions): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: options.cwd,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: [...(options.external ?? ["@modelmesh/*", "zod"]), "node:*"],
    ...(options.define ? { define: options.define } : {}),
  });
  const inputs = (result.metafile as Metafile).inputs;
  return [...Object.keys(inputs), ...Object.values(inputs).flatMap((input) => input.imports.map((imported) => imported.path))];
}

/** The inputs that must never reach a browser bundle: Node built-ins and undici. */
export function forbiddenBrowserInputs(inputs: readonly string[]): string[] {
  return inputs.filter((input) => input.startsWith("node:") || /(^|[/\\])undici([/\\]|$)/.test(input));
}

/** Options of {@link browserBundleReport}. */
export interface BrowserBundleReportOptions {
  /** Directory the entry is relative to, and where packages are resolved from. */
  cwd: string;
  /** Minify (default true): the size a page would ship. */
  minify?: boolean;
  /** Modules left out of the bundle (default none: everything the page needs is measured). */
  external?: readonly string[];
}

/** What a browser bundle of an entry contains, and its size. */
export interface BrowserBundleReport {
  /** Bundle size in bytes (minified unless asked otherwise). */
  bytes: number;
  /** The same, gzipped (level 9). */
  gzipBytes: number;
  /** Bytes of the bundle by package name (`@modelmesh/core`, `zod`, …; the entry's own files under its package). */
  byPackage: Record<string, number>;
  /** The input files that put bytes in the bundle (paths as esbuild prints them, relative to `cwd`). */
  inputs: string[];
  /** Imports left in the bundle (externals). */
  imports: string[];
  /** `node:*` and other Node built-in imports left in the bundle. */
  nodeImports: string[];
  /** Free references to Node globals (`process`, `Buffer`, `require`, `__dirname`, `__filename`, `global`) in the code. */
  nodeGlobals: string[];
}

const NODE_BUILTIN = /^(node:|(assert|buffer|child_process|crypto|events|fs|http|https|net|os|path|stream|tls|url|util|worker_threads|zlib)(\/|$))/;

/**
 * Bundles `entry` (a file, or module text resolved from `cwd`) as a page would (esbuild, `platform: "browser"`,
 * the `browser` export condition, ESM, minified) and reports its size, gzipped size, each package's share, the
 * inputs kept and any Node dependency left in it.
 * @example
 * const report = await browserBundleReport("src/index.ts", { cwd: packageRoot });
 * console.log(report.gzipBytes, report.byPackage);
 * const provider = await browserBundleReport({ contents: 'export { createOpenAICompatibleProvider } from "./src/index.ts";' }, { cwd: packageRoot, external: ["@modelmesh/core"] });
 */
export async function browserBundleReport(entry: string | { contents: string }, options: BrowserBundleReportOptions): Promise<BrowserBundleReport> {
  const { gzipSync } = await import("node:zlib");
  const { dirname, join, resolve } = await import("node:path");
  const { existsSync, readFileSync } = await import("node:fs");
  const result = await build({
    ...(typeof entry === "string" ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: options.cwd, loader: "ts" as const, sourcefile: "entry.ts" } }),
    absWorkingDir: options.cwd,
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: options.minify ?? true,
    write: false,
    metafile: true,
    outfile: "bundle.js",
    logLevel: "silent",
    external: [...(options.external ?? [])],
  });
  const code = result.outputFiles[0]!.contents;
  const metafile = result.metafile as Metafile;
  const names = new Map<string, string>();
  const packageOf = (input: string): string => {
    let dir = dirname(resolve(options.cwd, input.replace(/^[a-z-]+:/, "")));
    const start = dir;
    if (names.has(start)) return names.get(start)!;
    let name = "(unknown)";
    for (let i = 0; i < 40; i++) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const found = (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name;
        if (found) {
          name = found;
          break;
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    names.set(start, name);
    return name;
  };
  const byPackage: Record<string, number> = {};
  const inputs: string[] = [];
  const output = Object.values(metafile.outputs)[0]!;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    inputs.push(input);
    const name = packageOf(input);
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  const nodeImports = [...new Set(Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path)).filter((path) => NODE_BUILTIN.test(path)))];
  const text = new TextDecoder().decode(code).replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
  const nodeGlobals = [...new Set(text.match(/(?<![\w$.])(process|Buffer|require|__dirname|__filename|global)(?=\s*[.([])/g) ?? [])];
  const imports = [...new Set(output.imports.map((i) => i.path))];
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, byPackage, inputs, imports, nodeImports, nodeGlobals };
}
