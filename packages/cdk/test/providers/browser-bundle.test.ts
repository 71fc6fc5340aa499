import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every module of the provider side that the root entry may export (the Node transport is not among them). */
const ROOT_REACHABLE = [
  "./src/transport/fetch-transport.js",
  "./src/transport/proxy-url.js",
  "./src/transport/redact-headers.js",
  "./src/transport/transport-errors.js",
  "./src/transport/timers.js",
  "./src/transport/read-body.js",
  "./src/sse/parse-sse.js",
  "./src/sse/chat-stream.js",
  "./src/sse/stream-errors.js",
  "./src/providers/base-provider.js",
  "./src/providers/provider-base.js",
  "./src/providers/provider-config.js",
  "./src/providers/provider-config-schema.js",
  "./src/helpers/config-checks.js",
  "./src/providers/openai-compatible-provider.js",
  "./src/providers/http-api-provider.js",
  "./src/providers/http-api-mapping.js",
  "./src/providers/quick-provider.js",
  "./src/providers/provider-init-error.js",
];

async function browserInputs(options: { entryPoints: string[] } | { stdin: string }): Promise<string[]> {
  const result = await build({
    ...("stdin" in options ? { stdin: { contents: options.stdin, resolveDir: ROOT, loader: "ts" as const } } : { entryPoints: options.entryPoints }),
    absWorkingDir: ROOT,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // `node:*` is external so a violation shows up in the metafile (as an import) instead of failing the build.
    external: ["@modelmesh/core", "zod", "yaml", "node:*"],
  });
  const inputs = (result.metafile as Metafile).inputs;
  const imported = Object.values(inputs).flatMap((input) => input.imports.map((entry) => entry.path));
  return [...Object.keys(inputs), ...imported];
}

function forbidden(inputs: string[]): string[] {
  return inputs.filter((input) => input.startsWith("node:") || /(^|[/\\])undici([/\\]|$)/.test(input) || /undici-transport/.test(input));
}

describe("browser bundle (esbuild, platform: browser)", () => {
  it("src/index.ts bundles for the browser without node: builtins or undici", async () => {
    const inputs = await browserInputs({ entryPoints: ["src/index.ts"] });
    expect(forbidden(inputs)).toEqual([]);
  });

  it("every root-reachable provider module bundles for the browser without node: builtins or undici", async () => {
    const stdin = ROOT_REACHABLE.map((path, index) => `export * as m${index} from ${JSON.stringify(path)};`).join("\n");
    const inputs = await browserInputs({ stdin });
    expect(inputs.some((input) => input.includes("provider-base"))).toBe(true);
    expect(forbidden(inputs)).toEqual([]);
  });

  it("a provider class with the fetch transport keeps no zod, yaml or msgpackr (the YAML mapper is zod-free)", async () => {
    const report = await browserBundleReport(
      { contents: 'import { OpenAICompatibleProvider, createFetchTransport } from "./src/index.js"; export const p = () => new OpenAICompatibleProvider({ baseUrl: "https://x.test/v1", transport: createFetchTransport() });' },
      { cwd: ROOT, external: ["@modelmesh/core", "node:*"] },
    );
    const kept = report.inputs;
    expect(kept.some((path) => path.includes("provider-catalogue"))).toBe(true);
    expect(kept.filter((path) => /[/\\](zod|yaml|msgpackr|undici)[/\\]|provider-config-schema|serialization/.test(path))).toEqual([]);
    expect(forbidden(report.imports)).toEqual([]);
  });

  it("the check itself catches the Node transport", async () => {
    const inputs = await browserInputs({ stdin: 'export * from "./src/providers/node-base-provider.js";' });
    expect(forbidden(inputs)).toEqual(expect.arrayContaining([expect.stringMatching(/^node:/), expect.stringMatching(/undici/)]));
  });
});
