/** Types of scripts/build-bundle.mjs (the script is plain Node ESM so it runs without a build step). */

/** Options of {@link buildBundle}. */
export interface BuildBundleOptions {
  /** The config file to package (YAML or JSON), relative to `cwd`. Required. */
  config: string;
  /** Connectors to package: `NAME` (resolved from `cwd`) or `NAME=PATH` (a package folder or an entry file). */
  connectors?: string[];
  /** Output folder, emptied first. Default `apps/proxy/dist-bundle`. */
  out?: string;
  /** Minify server.mjs and the connectors. Default false. */
  minify?: boolean;
  /** Run `node server.mjs validate` on the result. Default true. */
  check?: boolean;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
  /** Environment of the validate check. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What {@link buildBundle} produced. */
export interface BuildBundleResult {
  out: string;
  server: string;
  config: string;
  connectors: Array<{ name: string; version: string; modules: number }>;
  /** Per output file (relative to `out`): the imports left to run time, from esbuild's metafile. */
  externals: Record<string, string[]>;
}

/** Builds the self-contained proxy folder (server.mjs + config + bundled connectors + package.json). */
export function buildBundle(options: BuildBundleOptions): Promise<BuildBundleResult>;

/** Parses a `--connector` value: `NAME` or `NAME=PATH` (PATH resolved against `cwd`). */
export function parseConnectorSpec(spec: string, cwd?: string): { name: string; path: string | undefined };
