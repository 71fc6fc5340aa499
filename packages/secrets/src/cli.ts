/**
 * `modelmesh secrets …`: manage the secrets of a file store from the command line. `runSecretsCommand` takes
 * the words after `secrets` and an injected io (output, environment, working directory, stdin), so the
 * `modelmesh` CLI wires it in and tests drive it directly. Values are printed only by `get`; `list` and
 * `import` print names and counts. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { ConfigError, isModelMeshError } from "@modelmesh/core";
import { FileSecretStore, secretFileFormat } from "@modelmesh/cdk/node";
import { resolve } from "node:path";
import { DEFAULT_PASSPHRASE_ENV, passphraseFrom } from "./connectors.js";
import { DEFAULT_ENCRYPTED_FILE, EncryptedFileSecretStore } from "./encrypted-file-secret-store.js";
import { WritableFileSecretStore } from "./writable-file-secret-store.js";

/** What the command reads and writes besides files. */
export interface SecretsCommandIo {
  /** Receives normal output (text with its newlines). */
  stdout: (text: string) => void;
  /** Receives errors and notes. */
  stderr: (text: string) => void;
  /** The environment (the encrypted store's passphrase is read from it). */
  env: Record<string, string | undefined>;
  /** Directory that relative paths resolve against. */
  cwd: string;
  /** Reads all of stdin (for `set NAME` without a value). Absent: the value must be an argument. */
  readStdin?: () => Promise<string>;
}

/** Stores the command can manage, with their default files. */
const STORES = { "encrypted-file": DEFAULT_ENCRYPTED_FILE, dotenv: ".env", json: "secrets.json", toml: "secrets.toml" } as const;
type StoreKind = keyof typeof STORES;

const OPTIONS = `Options:
  --store KIND   encrypted-file (default), dotenv, json or toml
  --path FILE    the store's file (defaults: .modelmesh/secrets.enc, .env, secrets.json, secrets.toml)
  --help         show this help
The encrypted-file store reads its passphrase from ${DEFAULT_PASSPHRASE_ENV}.`;

const HELP: Record<string, string> = {
  "": `Usage: modelmesh secrets <command> [options]

Commands:
  set NAME [VALUE]   store a secret (without VALUE it is read from stdin, keeping it out of shell history)
  get NAME           print a secret's value
  list               print the names of the secrets (never values)
  delete NAME        remove a secret
  import FILE        copy every secret of a .env, .json or .toml file into the store

${OPTIONS}`,
  set: `Usage: modelmesh secrets set NAME [VALUE] [options]\n\nStores NAME. Without VALUE the value is read from stdin (one trailing newline removed).\n\n${OPTIONS}`,
  get: `Usage: modelmesh secrets get NAME [options]\n\nPrints the value of NAME.\n\n${OPTIONS}`,
  list: `Usage: modelmesh secrets list [options]\n\nPrints the names of the stored secrets, one per line (never their values).\n\n${OPTIONS}`,
  delete: `Usage: modelmesh secrets delete NAME [options]\n\nRemoves NAME from the store.\n\n${OPTIONS}`,
  import: `Usage: modelmesh secrets import FILE [options]\n\nCopies every secret of FILE (.env, .json or .toml, by extension; nested keys become dotted names)\ninto the store and prints how many.\n\n${OPTIONS}`,
};

/** Positional arguments each command takes: [min, max]. */
const ARITY: Record<string, [number, number, string]> = {
  set: [1, 2, "NAME [VALUE]"],
  get: [1, 1, "NAME"],
  list: [0, 0, ""],
  delete: [1, 1, "NAME"],
  import: [1, 1, "FILE"],
};

class UsageError extends Error {}

interface Parsed {
  command: string;
  args: string[];
  store: StoreKind;
  path: string | undefined;
  help: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  let store: string | undefined;
  let path: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "--help" || arg === "-h") help = true;
    else if (/^--(store|path)(=|$)/.test(arg)) {
      const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, argv[++i]];
      if (inline === undefined || inline === "") throw new UsageError(`${flag} needs a value`);
      if (flag === "--store") store = inline;
      else path = inline;
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [command = "", ...args] = positional;
  if (store !== undefined && !Object.hasOwn(STORES, store)) throw new UsageError(`unknown store '${store}': use ${Object.keys(STORES).join(", ")}`);
  return { command, args, store: (store ?? "encrypted-file") as StoreKind, path, help };
}

type ManagedStore = EncryptedFileSecretStore | WritableFileSecretStore;

function openStore(parsed: Parsed, io: SecretsCommandIo): ManagedStore {
  const filePath = resolve(io.cwd, parsed.path ?? STORES[parsed.store]);
  if (parsed.store === "encrypted-file") {
    return new EncryptedFileSecretStore({ filePath, passphrase: passphraseFrom(io.env, DEFAULT_PASSPHRASE_ENV, filePath), cacheEnabled: false });
  }
  const format = parsed.store === "json" ? "json" : parsed.store === "toml" ? "toml" : "dotenv";
  const id = { dotenv: "modelmesh.dotenv.v1", json: "modelmesh.json-secrets.v1", toml: "modelmesh.toml-secrets.v1" }[format];
  return new WritableFileSecretStore({ id, filePath, format, cacheEnabled: false });
}

/** The value for `set`: the argument, else stdin without one trailing newline. */
async function valueFor(parsed: Parsed, io: SecretsCommandIo): Promise<string> {
  if (parsed.args.length === 2) return parsed.args[1]!;
  if (!io.readStdin) throw new UsageError("no VALUE given and no stdin to read it from");
  const value = (await io.readStdin()).replace(/\r?\n$/, "");
  if (value === "") throw new UsageError("the value read from stdin is empty");
  return value;
}

async function run(parsed: Parsed, io: SecretsCommandIo): Promise<number> {
  const store = openStore(parsed, io);
  const [name = ""] = parsed.args;
  try {
    switch (parsed.command) {
      case "set": {
        await store.set(name, await valueFor(parsed, io));
        io.stdout(`Saved ${name} to ${store.filePath}\n`);
        return 0;
      }
      case "get":
        io.stdout(`${await store.get(name)}\n`);
        return 0;
      case "list": {
        const names = await store.list();
        if (names.length === 0) io.stderr(`No secrets in ${store.filePath}\n`);
        else io.stdout(`${names.join("\n")}\n`);
        return 0;
      }
      case "delete":
        if (await store.delete(name)) {
          io.stdout(`Deleted ${name} from ${store.filePath}\n`);
          return 0;
        }
        io.stderr(`modelmesh secrets: secret '${name}' is not in ${store.filePath}\n`);
        return 1;
      default: {
        const values = await readImport(resolve(io.cwd, name));
        await store.setMany(values);
        const count = Object.keys(values).length;
        io.stdout(`Imported ${count} secret${count === 1 ? "" : "s"} from ${name} into ${store.filePath}\n`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}

/** Every secret of a .env / .json / .toml file (the file must exist). */
async function readImport(filePath: string): Promise<Record<string, string>> {
  const source = new FileSecretStore({ id: "modelmesh secrets import", filePath, format: secretFileFormat(filePath), required: true, cacheEnabled: false });
  const values: Record<string, string> = {};
  for (const name of await source.list()) values[name] = await source.get(name);
  return values;
}

/** A failure as one line per problem: the file (when there is one) and the message; never a value. */
function failureText(error: unknown): string {
  if (ConfigError.is(error)) return error.issues.map((issue) => `${error.file ? `${error.file}: ` : ""}${issue.message}${issue.line === undefined ? "" : ` (line ${issue.line})`}`).join("\n  ");
  if (isModelMeshError(error)) return error.message.replace(/^\[modelmesh\] (\[[^\]]*\] )?/, "");
  return (error as Error)?.message ?? String(error);
}

/**
 * Runs `modelmesh secrets <argv…>` (argv: the words after `secrets`) and resolves the exit code: 0 done,
 * 1 failed (missing secret or passphrase, wrong passphrase, unreadable file), 2 usage error.
 * @example
 * const code = await runSecretsCommand(["list", "--store", "dotenv"], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env, cwd: process.cwd() });
 */
export async function runSecretsCommand(argv: readonly string[], io: SecretsCommandIo): Promise<number> {
  let parsed: Parsed | undefined;
  try {
    parsed = parse(argv);
    if (parsed.help) {
      io.stdout(`${HELP[Object.hasOwn(HELP, parsed.command) ? parsed.command : ""]}\n`);
      return 0;
    }
    const arity = ARITY[parsed.command];
    if (!arity) throw new UsageError(parsed.command === "" ? "missing command" : `unknown command '${parsed.command}'`);
    const [min, max, shape] = arity;
    if (parsed.args.length < min) throw new UsageError(`missing ${shape.split(" ")[parsed.args.length]!.replace(/[[\]]/g, "")}: modelmesh secrets ${parsed.command} ${shape}`);
    if (parsed.args.length > max) throw new UsageError(`too many arguments: modelmesh secrets ${parsed.command} ${shape}`.trimEnd());
    return await run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const topic = parsed && ARITY[parsed.command] ? ` ${parsed.command}` : "";
      io.stderr(`modelmesh secrets: ${error.message}\nRun 'modelmesh secrets${topic} --help' for usage.\n`);
      return 2;
    }
    io.stderr(`modelmesh secrets: ${failureText(error)}\n`);
    return 1;
  }
}
