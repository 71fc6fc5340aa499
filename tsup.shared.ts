import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Options } from "tsup";

/** What a package's `tsup.config.ts` passes to {@link sharedBuildConfig}: its entries and what differs. */
export interface SharedBuildOverrides extends Omit<Options, "entry" | "dts"> {
  /** Output name → source file, e.g. `{ index: "src/index.ts", node: "src/node.ts" }`. */
  entry: Record<string, string>;
  /** `false` for apps that ship no types; `{ entry }` to emit declarations for some entries only. */
  dts?: false | { entry: Record<string, string> };
}

/**
 * Build settings shared by every package and app; tsup runs in the package's folder. ESM and CJS, declarations,
 * source maps (without the sources inside), ES2022, platform-neutral (Node-only packages pass `platform: "node"`, see docs/ARCHITECTURE.md §1),
 * and `__PACKAGE_VERSION__` set from the package's own package.json (it feeds the `VERSION` exports).
 */
export function sharedBuildConfig(overrides: SharedBuildOverrides): Options {
  const { dts, define, esbuildOptions, ...rest } = overrides;
  const { version } = JSON.parse(readFileSync(resolve("package.json"), "utf8")) as { version: string };
  return {
    format: ["esm", "cjs"],
    clean: true,
    sourcemap: true,
    target: "es2022",
    platform: "neutral",
    ...rest,
    // tsup 8 injects `baseUrl` into the dts compiler options; TypeScript 6 rejects it unless silenced.
    dts: dts === false ? false : { ...dts, compilerOptions: { ignoreDeprecations: "6.0" } },
    define: { __PACKAGE_VERSION__: JSON.stringify(version), ...define },
    // Maps point at the sources by path and do not embed them: stack traces and debuggers map to src/, and a
    // tarball does not carry every source a second time.
    esbuildOptions(options, context) {
      options.sourcesContent = false;
      esbuildOptions?.(options, context);
    },
  };
}

/**
 * The build of a package whose ESM is emitted unbundled, one file per module (hono's layout), CJS staying one
 * bundled file per entry: with `sideEffects: false` a bundler keeps only the modules a program reaches, so a
 * browser build never sees what the rest of the package imports (zod schemas, yaml, a Node transport).
 * `exclude` adds source globs that are not part of the package (test kits, fixtures).
 */
export function perModuleBuildConfig(overrides: SharedBuildOverrides & { exclude?: string[] }): Options[] {
  const { exclude = [], ...rest } = overrides;
  const dts = { entry: rest.entry };
  return [
    {
      ...sharedBuildConfig({ ...rest, format: ["esm"], dts, clean: ["**/*.js", "**/*.js.map", "**/*.d.ts"] }),
      entry: ["src/**/*.ts", "!src/**/*.test.ts", "!src/**/*.test-d.ts", ...exclude.map((glob) => `!${glob}`)],
      bundle: false,
    },
    sharedBuildConfig({ ...rest, format: ["cjs"], dts, clean: ["**/*.cjs", "**/*.cjs.map", "**/*.d.cts"] }),
  ];
}
