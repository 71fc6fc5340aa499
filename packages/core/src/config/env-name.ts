/** How `${secrets:NAME}` maps to an environment variable by default (no dependencies: shared with browser-safe code). */

/** Converts `openai-key` / `openai.key` / `openaiKey` to `OPENAI_KEY`: the variable the env store reads second. */
export function toEnvName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

/** What the default env store answers for `name`: the variable of that name, else of its UPPER_SNAKE form. */
export function envSecret(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  return env[name] ?? env[toEnvName(name)];
}
