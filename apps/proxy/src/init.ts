/**
 * `modelmesh init`: a starter config from the provider keys found in the environment. Which variables belong to
 * which vendor is `modelmesh`'s detection table (`DETECTABLE_PROVIDERS`, the one `create()` uses when there is no
 * config); this module writes what it finds as a file. Values are never written: every key is an `${env:NAME}`
 * reference.
 */
import { DETECTABLE_PROVIDERS, detectProviders, type DetectedProvider } from "modelmesh";
import { stringify } from "yaml";

/**
 * The providers whose key (or local host) is set in `env`; throws the detection's ConfigError, which names every
 * variable it looked for, when there is none.
 */
export function detectStarterProviders(env: Readonly<Record<string, string | undefined>>): DetectedProvider[] {
  return detectProviders(DETECTABLE_PROVIDERS, { ...env });
}

/** The starter config as YAML: the providers, a `chat` pool over them, and comments on what to do next. */
export function starterYaml(providers: readonly DetectedProvider[]): string {
  const entries = Object.fromEntries(providers.map((p) => [p.name, { connector: p.connector, config: p.config }]));
  const body = stringify({ providers: entries, pools: { chat: { capability: "chat-completion" } } }, { lineWidth: 0 });
  return [
    "# modelmesh.yaml, written by `modelmesh init` from the provider keys found in the environment.",
    "# Keys are ${env:NAME} references: the values stay in the environment (or use ${secrets:NAME} with",
    "# `modelmesh secrets set NAME`). Check it with `modelmesh validate`, run it with `modelmesh serve`.",
    "",
    body.trimEnd(),
    "# More pools: a pool per capability or set of models, e.g.",
    "#   embeddings: { capability: text-embeddings }",
    "",
    "# The proxy listens on 127.0.0.1:8080. Before exposing it, require a token (clients send it as the API key):",
    "# proxy:",
    "#   auth:",
    '#     tokens: ["${env:MODELMESH_PROXY_TOKEN}"]',
    "",
  ].join("\n");
}
