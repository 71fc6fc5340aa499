#!/usr/bin/env node
/**
 * Measures what a browser build pays for an OpenAI-compatible provider (docs: this package's README,
 * "Browser"). Not run by tests: `node scripts/browser-size.mjs [--entry=factory|class|both] [--top=N] [--json]`
 * from packages/provider-openai, after `pnpm --filter @modelmesh/cdk build` and
 * `pnpm --filter @modelmesh/provider-openai build` (it bundles the built `dist`, as a user's bundler would).
 *
 * For each entry it bundles with esbuild (`platform: "browser"`, `format: "esm"`, `minify: true`,
 * `metafile: true`) twice: the whole thing, and the provider path alone (`@modelmesh/core` external), and
 * prints minified and gzipped bytes, the bytes per package, the top inputs, and any forbidden input
 * (`node:` modules, undici, yaml, msgpackr, zod).
 *
 * Entries (each constructs a provider from a typed config object with a `fetch` transport and calls chat,
 * stream and embeddings; error classification is reached through the provider's own error path):
 * - `factory`: `createOpenAICompatibleProvider(config, { transport })`, the browser builder's import;
 * - `class`: `new OpenAIProvider({ ..., transport: createFetchTransport() })` from the package root.
 */
import { gzipSync } from "node:zlib";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const ENTRIES = {
  factory: `
import { createOpenAICompatibleProvider } from "@modelmesh/provider-openai";
import { createFetchTransport } from "@modelmesh/cdk";
export async function run(apiKey, signal) {
  const provider = createOpenAICompatibleProvider(
    { baseUrl: "https://api.openai.com/v1", apiKey, models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] },
    { transport: createFetchTransport() },
  );
  const messages = [{ role: "user", content: "hi" }];
  const reply = await provider.complete({ model: "gpt-4o-mini", messages }, { signal });
  let text = "";
  for await (const chunk of provider.stream({ model: "gpt-4o-mini", messages }, { signal })) text += chunk.choices[0]?.delta?.content ?? "";
  const vectors = await provider.embed({ model: "text-embedding-3-small", input: "hi" }, { signal });
  return [reply, text, vectors];
}
`,
  class: `
import { OpenAIProvider } from "@modelmesh/provider-openai";
import { createFetchTransport } from "@modelmesh/cdk";
export async function run(apiKey, signal) {
  const provider = new OpenAIProvider({ baseUrl: "https://api.openai.com/v1", apiKey, transport: createFetchTransport() });
  const messages = [{ role: "user", content: "hi" }];
  const reply = await provider.complete({ model: "gpt-4o-mini", messages }, { signal });
  let text = "";
  for await (const chunk of provider.stream({ model: "gpt-4o-mini", messages }, { signal })) text += chunk.choices[0]?.delta?.content ?? "";
  const vectors = await provider.embed({ model: "text-embedding-3-small", input: "hi" }, { signal });
  return [reply, text, vectors];
}
`,
};

const FORBIDDEN = /^node:|[/\\]node_modules[/\\](?:\.pnpm[/\\][^/\\]+[/\\]node_modules[/\\])?(undici|yaml|msgpackr|zod)[/\\]/;

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const which = args.entry ?? "both";
const top = Number(args.top ?? 12);

/** `…/node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4/…` → `zod`; `../cdk/dist/…` → `@modelmesh/cdk`; `dist/…` → this package. */
function packageOf(input) {
  if (input.includes("node_modules")) {
    const parts = input.split(/node_modules[/\\]/).at(-1).split(/[/\\]/);
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const sibling = /^\.\.[/\\]([^/\\]+)[/\\]/.exec(input);
  if (sibling) return `@modelmesh/${sibling[1]}`;
  if (/^dist[/\\]/.test(input)) return "@modelmesh/provider-openai";
  return "(entry)";
}

async function measure(name, external) {
  const result = await build({
    stdin: { contents: ENTRIES[name], resolveDir: PACKAGE_DIR, loader: "js", sourcefile: `browser-entry-${name}.js` },
    absWorkingDir: PACKAGE_DIR,
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    metafile: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
    // `node:*` external, so a violation shows up as an import instead of failing the build.
    external: [...external, "node:*"],
  });
  const code = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output.inputs).map(([path, info]) => ({ path, bytes: info.bytesInOutput })).filter((input) => input.bytes > 0);
  inputs.sort((a, b) => b.bytes - a.bytes);
  const byPackage = {};
  for (const input of inputs) byPackage[packageOf(input.path)] = (byPackage[packageOf(input.path)] ?? 0) + input.bytes;
  const imports = output.imports.map((entry) => entry.path);
  // Forbidden packages: those with bytes in the output, and those only in the module graph (tree-shaken away).
  const forbiddenOf = (paths) => [...new Set(paths.filter((path) => FORBIDDEN.test(path)).map((path) => (path.startsWith("node:") ? path : packageOf(path))))];
  const forbidden = forbiddenOf([...inputs.map((input) => input.path), ...imports]);
  const shaken = forbiddenOf(Object.keys(result.metafile.inputs)).filter((name) => !forbidden.includes(name));
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength, byPackage, inputs, forbidden, shaken, imports };
}

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const report = {};
for (const name of which === "both" ? Object.keys(ENTRIES) : [which]) {
  for (const [label, external] of [["whole (core bundled)", []], ["provider path (core external)", ["@modelmesh/core"]]]) {
    let r;
    try {
      r = await measure(name, external);
    } catch (error) {
      console.log(`\n== ${name}: ${label}: build failed: ${error.message.split("\n")[0]}`);
      continue;
    }
    report[`${name}/${label}`] = { minified: r.minified, gzipped: r.gzipped, byPackage: r.byPackage, forbidden: r.forbidden, shaken: r.shaken };
    if (args.json) continue;
    console.log(`\n== ${name}: ${label}: ${kb(r.minified)} minified, ${kb(r.gzipped)} gzipped`);
    console.log("   per package (minified bytes in output):");
    for (const [pkg, bytes] of Object.entries(r.byPackage).sort((a, b) => b[1] - a[1])) console.log(`     ${pkg.padEnd(28)} ${kb(bytes)}`);
    console.log(`   top ${top} inputs:`);
    for (const input of r.inputs.slice(0, top)) console.log(`     ${kb(input.bytes).padStart(9)}  ${input.path.replace(/^.*node_modules[/\\]/, "")}`);
    const externalImports = r.imports.filter((path) => !external.includes(path));
    console.log(`   forbidden (node:, undici, yaml, msgpackr, zod) in the output: ${r.forbidden.length === 0 ? "none" : r.forbidden.join(", ")}`);
    if (r.shaken.length > 0) console.log(`   forbidden in the module graph but tree-shaken away: ${r.shaken.join(", ")}`);
    if (externalImports.length > 0) console.log(`   unresolved imports: ${externalImports.join(", ")}`);
  }
}
if (args.json) console.log(JSON.stringify(report, null, 2));
