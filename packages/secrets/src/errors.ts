/**
 * Errors of the writable and encrypted secret stores. All are core `ConfigError`s (code `MM_CONFIG_INVALID`)
 * that name the file and the problem; none ever carries a secret value or file content.
 */
import { ConfigError } from "@modelmesh/core";

/** What secret names the writable stores accept: letters, digits, `_`, `.`, `-` (no spaces, `=`, `#`, quotes). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A problem with a secret file (unreadable, damaged, wrong passphrase), naming the file. */
export function secretFileError(file: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError({ file, issues: [{ path: "secrets", message }], ...(cause === undefined ? {} : { cause }) });
}

/** Throws unless `name` can be written to a secret file (and read back as `${secrets:NAME}`). */
export function assertSecretName(name: string, file: string): void {
  // `__proto__` would be swallowed by object assignment instead of being stored.
  if (typeof name === "string" && SECRET_NAME_PATTERN.test(name) && name !== "__proto__") return;
  const shown = typeof name === "string" ? JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name) : typeof name;
  throw new ConfigError({
    file,
    issues: [{ path: "secrets", message: `invalid secret name ${shown}: use letters, digits, '_', '.' and '-', starting with a letter, digit or '_'` }],
  });
}

/** A value that is not a string (the stores hold strings only). */
export function assertSecretValue(name: string, value: unknown, file: string): asserts value is string {
  if (typeof value === "string") return;
  throw new ConfigError({ file, issues: [{ path: "secrets", message: `the value of secret '${name}' must be a string, got ${value === null ? "null" : typeof value}` }] });
}

/** The edits of a `setMany` (names and values checked), in the order given. */
export function checkedChanges(values: Readonly<Record<string, string>>, file: string): Map<string, string> {
  const changes = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    assertSecretName(name, file);
    assertSecretValue(name, value, file);
    changes.set(name, value);
  }
  return changes;
}
