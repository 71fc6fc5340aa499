/**
 * Loads one entry point in a fresh Node process and reports what loading it did. Run as
 * `node probe-import.mjs <import|require> <specifier>`; prints one JSON line:
 * `{ exports: { name: typeof }, version, effects: [{ kind, what, origin }] }` (`version` is the `VERSION`
 * export, if any).
 *
 * Kinds: `timer`, `socket`, `file`, `process` (a hooked call), `async` (any other async resource created, e.g. a
 * pending fs request), `listener` (a `process.on` listener added) and `global` (a new `globalThis` key). `origin`
 * is the npm package whose code made the call (`@modelmesh/core`, `undici`, …) or `?` when no stack shows it.
 * Every hook records and then calls the real function, so the module behaves as usual; reads done by Node's own
 * module loader (the files being imported) are not the module's work and are left out.
 */
import { createHook } from "node:async_hooks";
import childProcess from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRequire, syncBuiltinESMExports } from "node:module";
import net from "node:net";
import timers from "node:timers";
import workerThreads from "node:worker_threads";

const [mode, specifier] = process.argv.slice(2);
if ((mode !== "import" && mode !== "require") || !specifier) throw new Error("usage: probe-import.mjs <import|require> <specifier>");

Error.stackTraceLimit = 50;
const effects = [];
let recording = false;

/** The package of the first stack frame outside Node itself and this file, e.g. `undici` or `@modelmesh/cdk`. */
function originOf(frames) {
  for (const frame of frames) {
    if (frame.includes("node:") || frame.includes("probe-import.mjs")) continue;
    const file = /\(?((?:file:\/\/)?\/[^():]+)/.exec(frame)?.[1];
    if (!file) continue;
    const inModules = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
    if (inModules) return inModules[1];
    const workspace = /\/(packages|apps|examples)\/([^/]+)\//.exec(file);
    return workspace ? `${workspace[1]}/${workspace[2]}` : file;
  }
  return "?";
}

function frames() {
  return (new Error().stack ?? "").split("\n").slice(1);
}

function record(kind, what, stack) {
  if (recording) effects.push({ kind, what, origin: originOf(stack) });
}

function hook(target, key, kind, describe = (args) => String(args[0] ?? "")) {
  const original = target[key];
  if (typeof original !== "function") return;
  target[key] = function (...args) {
    const stack = frames().slice(2);
    // The direct caller is Node's module loader: it is reading the module being imported.
    if (!/node:internal\/modules\//.test(stack[0] ?? "")) record(kind, `${key}(${describe(args)})`, stack);
    return new.target ? Reflect.construct(original, args) : original.apply(this, args);
  };
}

for (const key of ["setTimeout", "setInterval", "setImmediate"]) {
  hook(globalThis, key, "timer", () => "");
  hook(timers, key, "timer", () => "");
}
hook(net.Socket.prototype, "connect", "socket", (args) => JSON.stringify(args[0]));
hook(net.Server.prototype, "listen", "socket", (args) => JSON.stringify(args[0]));
hook(dgram, "createSocket", "socket");
for (const module of [http, https]) for (const key of ["request", "get"]) hook(module, key, "socket");
hook(globalThis, "fetch", "socket");
for (const key of ["open", "openSync", "readFile", "readFileSync", "writeFile", "writeFileSync", "appendFile", "appendFileSync",
  "createReadStream", "createWriteStream", "watch", "watchFile", "readdir", "readdirSync", "mkdir", "mkdirSync", "opendir", "opendirSync"]) {
  hook(fs, key, "file");
}
for (const key of ["open", "readFile", "writeFile", "appendFile", "readdir", "mkdir", "opendir", "watch"]) hook(fs.promises, key, "file");
for (const key of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) hook(childProcess, key, "process");
hook(workerThreads, "Worker", "process");
syncBuiltinESMExports();

// Module evaluation itself runs on promises; anything else created while importing is work the module started.
createHook({
  init(_id, type) {
    // Node's module loader reads files through async resources of its own: those have no origin outside Node.
    const stack = frames();
    if (type !== "PROMISE" && originOf(stack) !== "?") record("async", type, stack);
  },
}).enable();

// Created now so that Node creating them lazily later is not mistaken for the module's work.
void process.stdout;
void process.stderr;

const listenerCounts = () => new Map(process.eventNames().map((name) => [String(name), process.listenerCount(name)]));
const globalKeys = () => new Set([...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis).map(String)]);

const before = { listeners: listenerCounts(), globals: globalKeys() };
recording = true;
const loaded = mode === "import" ? await import(specifier) : createRequire(import.meta.url)(specifier);
recording = false;
for (const [name, count] of listenerCounts()) {
  if (count > (before.listeners.get(name) ?? 0)) effects.push({ kind: "listener", what: `process.on(${name})`, origin: "?" });
}
for (const key of globalKeys()) if (!before.globals.has(key)) effects.push({ kind: "global", what: key, origin: "?" });

const exports = Object.fromEntries(Object.keys(loaded).sort().map((name) => [name, typeof loaded[name]]));
const version = typeof loaded.VERSION === "string" ? loaded.VERSION : null;
process.stdout.write(`${JSON.stringify({ exports, version, effects })}\n`);
