/**
 * Child-process entry of P4: `node dist/p4-child.js <role> [arg]` starts one part on 127.0.0.1 (see
 * `startRole` in apps/bench/src/p4.ts), prints `{"ready":true,"url":…}` and then answers the bench's
 * operations over IPC (`{id, op, arg}` in, `{id, value}` or `{id, error}` out) until SIGTERM.
 * Roles: `upstream <pingMs> <origins>`; `modelmesh <upstream base URLs, comma-separated>`; `pass-through
 * <upstream base URL>`; `load`.
 */
import { announceReady, closeOnSignal } from "./p2-servers.js";
import { startRole, type P4Role } from "./p4.js";

const [role, ...args] = process.argv.slice(2);
if (!process.send) throw new Error("[modelmesh] [bench] p4-child needs an IPC channel (spawn it with stdio 'ipc')");

const handle = await startRole(role as P4Role, args);
process.on("message", (message: { id: number; op: string; arg?: unknown }) => {
  const op = handle.ops[message.op];
  Promise.resolve()
    .then(() => {
      if (!op) throw new Error(`role '${role}' has no operation '${message.op}'`);
      return op(message.arg);
    })
    .then(
      (value) => process.send!({ id: message.id, value }),
      (error: Error) => process.send!({ id: message.id, error: error?.message ?? String(error) }),
    );
});
// The parent going away closes the channel: stop then too, so no part outlives the bench.
process.once("disconnect", () => void handle.close().finally(() => process.exit(0)));
closeOnSignal(() => handle.close());
announceReady(handle.url || "ipc:");
