#!/usr/bin/env node
/**
 * Packages the ModelMesh proxy with chosen connectors and a config into one self-contained folder, the unit
 * the Dockerfile copies and any host with Node ≥ 20 can run:
 *
 *   dist-bundle/
 *     server.mjs                 the `modelmesh` CLI with the proxy and every shipped connector, bundled by esbuild
 *     modelmesh.yaml             the config (a copy of --config)
 *     node_modules/<connector>/  each --connector package, bundled to one index.mjs (loaded by the registry's
 *                                import() through `connectors.packages`, exactly as an npm install would be)
 *     package.json               minimal: type module, bin, start script, engines, the connectors it carries
 *
 * Usage (from apps/proxy, after `pnpm build` of the workspace packages):
 *   node scripts/build-bundle.mjs --config modelmesh.yaml [--connector NAME[=PATH]]... [--out dist-bundle]
 *                                 [--minify] [--no-check]
 *   - NAME alone is resolved like an import from the current directory; NAME=PATH points at a package folder
 *     (its package.json `exports`/`module`/`main` is bundled) or straight at an entry file (.ts or .js).
 *   - Unless --no-check, the result is checked by running `node server.mjs validate --config modelmesh.yaml`
 *     inside the folder (with this process's environment, so `${env:…}` references must resolve).
 * Run it:  cd dist-bundle && node server.mjs serve --config modelmesh.yaml
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PROXY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = join(PROXY_DIR, "src", "cli.ts");

// CommonJS dependencies (undici, …) call require() for Node built-ins; an ESM bundle needs a real one.
const BANNER = [
  "// ModelMesh proxy bundle (apps/proxy/scripts/build-bundle.mjs). Run: node server.mjs serve --config modelmesh.yaml",
  'import { createRequire as __mmCreateRequire } from "node:module";',
  'import { fileURLToPath as __mmFileURLToPath } from "node:url";',
  'import { dirname as __mmDirname } from "node:path";',
  "const require = __mmCreateRequire(import.meta.url);",
  "const __filename = __mmFileURLToPath(import.meta.url);",
  "const __dirname = __mmDirname(__filename);",
].join("\n");

// Optional native accelerators that their packages load inside try/catch and do without (@redis/client loads
// @node-rs/xxhash only for its own digest() helper, which the Redis state store never calls).
const OPTIONAL_NATIVE = ["msgpackr-extract", "@node-rs/xxhash"];

/** The imports an output leaves to run time (Node built-ins, optional natives), from esbuild's metafile. */
function externalsOf(metafile) {
  const found = new Set();
  for (const output of Object.values(metafile.outputs)) for (const entry of output.imports) if (entry.external) found.add(entry.path);
  return [...found].sort();
}

/** Error with the repo's message shape. */
function fail(message) {
  return new Error(`[modelmesh] [bundle] ${message}`);
}

/** Parses `NAME` or `NAME=PATH`. */
export function parseConnectorSpec(spec, cwd = process.cwd()) {
  const eq = spec.indexOf("=", 1);
  const name = eq > 0 ? spec.slice(0, eq) : spec;
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) throw fail(`'${name}' is not a package name. Use --connector NAME or NAME=PATH.`);
  const path = eq > 0 ? resolve(cwd, spec.slice(eq + 1)) : undefined;
  return { name, path };
}

/** The entry file of a package folder: exports["."] (import/default), then module, then main. */
function packageEntry(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const dot = typeof manifest.exports === "string" ? manifest.exports : manifest.exports?.["."];
  const pickTarget = (target) => {
    if (typeof target === "string") return target;
    if (target && typeof target === "object") return pickTarget(target.import ?? target.default ?? target.node);
    return undefined;
  };
  const rel = pickTarget(dot) ?? manifest.module ?? manifest.main ?? "index.js";
  const file = join(dir, rel);
  if (!existsSync(file)) throw fail(`${manifest.name ?? dir}: entry ${rel} does not exist (build the package first, or pass NAME=path/to/src/index.ts).`);
  return { file, version: manifest.version };
}

/** Where esbuild should start for a connector, and its version when known. */
function connectorEntry({ name, path }, cwd) {
  if (path === undefined) return { stdin: `export * from ${JSON.stringify(name)};\n`, resolveDir: cwd, version: undefined };
  if (!existsSync(path)) throw fail(`connector ${name}: ${path} does not exist.`);
  if (statSync(path).isDirectory()) {
    const { file, version } = packageEntry(path);
    return { file, version };
  }
  // An entry file (e.g. src/index.ts): the version comes from the nearest package.json above it.
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return { file: path, version: JSON.parse(readFileSync(manifest, "utf8")).version };
  }
  return { file: path, version: undefined };
}

function esbuildOptions(minify) {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify,
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
    external: OPTIONAL_NATIVE,
    banner: { js: BANNER },
    // Dynamic import(specifier) of connector packages stays a runtime import on purpose.
    logOverride: { "unsupported-dynamic-import": "silent" },
  };
}

/**
 * Builds the bundle folder. Returns what went in.
 * @param {{ config: string, connectors?: string[], out?: string, minify?: boolean, check?: boolean, cwd?: string, env?: NodeJS.ProcessEnv, log?: (line: string) => void }} options
 */
export async function buildBundle(options) {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => {});
  if (!options.config) throw fail("--config is required: the modelmesh.yaml (or .json) to package.");
  const config = resolve(cwd, options.config);
  if (!existsSync(config)) throw fail(`config ${config} does not exist.`);
  const out = resolve(cwd, options.out ?? join(PROXY_DIR, "dist-bundle"));
  // The folder is emptied first: never the package itself, one of its ancestors, its sources or the cwd.
  const up = relative(out, PROXY_DIR);
  if (up === "" || !up.startsWith("..") || out === cwd || out === join(PROXY_DIR, "src") || out === join(PROXY_DIR, "scripts")) {
    throw fail(`refusing to empty ${out} for the bundle; choose a new folder such as dist-bundle.`);
  }
  const { build } = await import("esbuild");
  const minify = options.minify === true;

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const server = await build({ ...esbuildOptions(minify), entryPoints: [ENTRY], outfile: join(out, "server.mjs"), absWorkingDir: PROXY_DIR });
  const externals = { "server.mjs": externalsOf(server.metafile) };
  log(`server.mjs: ${Object.keys(server.metafile.inputs).length} modules bundled`);

  const connectors = [];
  for (const spec of options.connectors ?? []) {
    const parsed = parseConnectorSpec(spec, cwd);
    const entry = connectorEntry(parsed, cwd);
    const dir = join(out, "node_modules", ...parsed.name.split("/"));
    mkdirSync(dir, { recursive: true });
    const common = { ...esbuildOptions(minify), outfile: join(dir, "index.mjs"), absWorkingDir: cwd };
    const result = entry.stdin
      ? await build({ ...common, stdin: { contents: entry.stdin, resolveDir: entry.resolveDir, sourcefile: `${parsed.name}-entry.mjs`, loader: "js" } })
      : await build({ ...common, entryPoints: [entry.file] });
    const version = entry.version ?? "0.0.0";
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: parsed.name, version, type: "module", exports: "./index.mjs", main: "./index.mjs" }, null, 2)}\n`);
    connectors.push({ name: parsed.name, version, modules: Object.keys(result.metafile.inputs).length });
    externals[`node_modules/${parsed.name}/index.mjs`] = externalsOf(result.metafile);
    log(`connector ${parsed.name}: ${Object.keys(result.metafile.inputs).length} modules bundled`);
  }

  const configName = /\.json$/i.test(config) ? "modelmesh.json" : "modelmesh.yaml";
  copyFileSync(config, join(out, configName));
  const proxyManifest = JSON.parse(readFileSync(join(PROXY_DIR, "package.json"), "utf8"));
  const manifest = {
    name: "modelmesh-proxy-bundle",
    version: proxyManifest.version,
    private: true,
    description: "The ModelMesh proxy, bundled with its connectors and config (apps/proxy/scripts/build-bundle.mjs).",
    type: "module",
    bin: { modelmesh: "./server.mjs" },
    scripts: { start: `node server.mjs serve --config ${configName}` },
    engines: { node: ">=20.19" },
    modelmesh: { config: configName, connectors: connectors.map((c) => `${c.name}@${c.version}`) },
  };
  writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  if (options.check !== false) {
    const result = spawnSync(process.execPath, ["server.mjs", "validate", "--config", configName], { cwd: out, env: options.env ?? process.env, encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) {
      throw fail(`the bundled server rejected ${configName} (exit ${result.status}):\n${(result.stderr || result.stdout || String(result.error)).trim()}\nPass --no-check to skip this check (e.g. when secrets are only set at run time).`);
    }
    log(`checked: node server.mjs validate --config ${configName} → ok`);
  }
  return { out, server: join(out, "server.mjs"), config: join(out, configName), connectors, externals };
}

function parseArgv(argv) {
  const options = { connectors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw fail(`${arg} needs a value.`);
      return v;
    };
    if (arg === "--config") options.config = value();
    else if (arg === "--connector") options.connectors.push(value());
    else if (arg === "--out") options.out = value();
    else if (arg === "--minify") options.minify = true;
    else if (arg === "--no-check") options.check = false;
    else if (arg === "--help" || arg === "-h") options.help = true;
    else throw fail(`unknown argument ${arg}. See --help.`);
  }
  return options;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  try {
    const options = parseArgv(process.argv.slice(2));
    if (options.help) {
      const text = readFileSync(fileURLToPath(import.meta.url), "utf8");
      process.stdout.write(`${text.slice(text.indexOf("/**") + 3, text.indexOf("*/")).replace(/^ \* ?/gm, "").trim()}\n`);
    } else {
      const result = await buildBundle({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
      const rel = relative(process.cwd(), result.out);
      const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? result.out : rel;
      process.stdout.write(`bundle ready in ${shown}: cd ${shown} && node server.mjs serve --config ${relative(result.out, result.config)}\n`);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
