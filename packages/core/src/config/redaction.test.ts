/**
 * Issue 11, item 7: a value resolved from `${env:…}` / `${secrets:…}` never appears in a config error — the
 * error names the path and the reference instead, whatever the field kind and whatever the env var is called.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { fakeTree } from "./__fixtures__/fake-tree.js";
import { loadConfig } from "./load.js";

const SECRET = "sk-live-SUPERSECRET123";

async function rejection(text: string, env: Record<string, string>): Promise<ConfigError> {
  const error: unknown = await loadConfig(text, { file: "mesh.yaml", env, tree: fakeTree() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!ConfigError.is(error)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

/** Each case: label, YAML with `${env:SECRET}` in one field, the path reported. */
const FIELD_CASES: Array<[string, string, string]> = [
  ["a URL field", "providers:\n  p:\n    config:\n      base_url: ${env:SECRET}\n", "providers.p.config.base_url"],
  ["an enum", "providers:\n  p:\n    auth:\n      method: ${env:SECRET}\n", "providers.p.auth.method"],
  ["a number", "proxy:\n  port: ${env:SECRET}\n", "proxy.port"],
  ["a duration", "routing:\n  deadline: ${env:SECRET}\n", "routing.deadline"],
  ["a time zone", "providers:\n  p:\n    quota:\n      time_zone: ${env:SECRET}\n", "providers.p.quota.time_zone"],
  ["a capability path", "capabilities:\n  - ${env:SECRET}\n", "capabilities.0"],
  ["a stream commit mode", "routing:\n  stream:\n    commit: ${env:SECRET}\n", "routing.stream.commit"],
];

describe("resolved values in config errors", () => {
  it.each(FIELD_CASES)("%s names the path and the reference, never the value", async (_label, text, path) => {
    const error = await rejection(text, { SECRET });
    const issue = error.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(error.issues)).toBeDefined();
    expect(issue!.message).toContain("${env:SECRET}");
    expect(error.message).toContain(path);
    expect(error.message).not.toContain("SUPERSECRET");
    expect(JSON.stringify(error.issues)).not.toContain("SUPERSECRET");
  });

  it("messages that quote a value show the reference, whatever the variable is called", async () => {
    // Reference checks quote the name they could not find; an env var whose name does not look secret used
    // to be printed as it is.
    const env = { MODEL_ID: "private-model-0xC0FFEE", PROVIDER: "hidden-vendor-42", CAP: "zz-secret-capability" };
    const error = await rejection(
      "providers:\n  a: {}\nmodels:\n  a.m:\n    provider: ${env:PROVIDER}\n    capabilities: [chat-completion]\npools:\n  p:\n    models: [a.m, '${env:MODEL_ID}']\n  q:\n    capability: ${env:CAP}\n",
      env,
    );
    const text = `${error.message}\n${JSON.stringify(error.issues)}`;
    for (const value of Object.values(env)) expect(text).not.toContain(value);
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      ["models.a.m.provider", 'unknown provider "${env:PROVIDER}"; configured providers: a'],
      ["pools.p.models.1", 'unknown model "${env:MODEL_ID}"; define it under models or list it under its provider'],
      ["pools.q.capability", 'unknown capability "${env:CAP}"'],
    ]);
  });

  it("a short value is hidden where it sits without mangling the rest of the message", async () => {
    const error = await rejection("providers:\n  a: {}\nmodels:\n  m:\n    provider: ${env:P}\n", { P: "e" });
    expect(error.issues).toEqual([
      { path: "models.m.provider", message: 'unknown provider "${env:P}"; configured providers: a', line: 5, column: 5 },
    ]);
  });

  it("a value built from several references names each of them, also from ${secrets:…}", async () => {
    const error = await rejection("providers:\n  p:\n    config:\n      base_url: 'x ${env:HOST} ${secrets:PATH_PART}'\n", {
      HOST: "internal-host-7781",
      PATH_PART: SECRET,
    });
    expect(error.issues[0]!.message).toBe("expected a URL (value from ${env:HOST}, ${secrets:PATH_PART})");
    expect(error.message).not.toContain("internal-host-7781");
  });
});
