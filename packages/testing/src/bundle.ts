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
