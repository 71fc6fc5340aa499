/**
 * The command runner's own logic, on a stub client whose replies the test controls (the Redis side is
 * covered against a real server in outage.test.ts): one shared timer bounds every command in flight, each
 * command by its own deadline, a late reply after a timeout changes nothing, EVALSHA falls back to EVAL on
 * NOSCRIPT, and a closed runner refuses.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { CommandRunner, type RedisClient } from "./connection.js";
import { StoreUnavailableError } from "./errors.js";
import type { LuaScript } from "./scripts.js";

const TIMEOUT_MS = 200;

/** Named like node-redis's reply error, which is how the runner recognises one from another copy of the client. */
class ErrorReply extends Error {}

interface Sent {
  args: Array<string | Buffer>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A client that records each command and answers only when the test says so. */
function stubClient(): { client: RedisClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const emitter = new EventEmitter() as EventEmitter & { isReady: boolean; sendCommand: (args: Array<string | Buffer>) => Promise<unknown> };
  emitter.isReady = true;
  emitter.sendCommand = (args) =>
    new Promise((resolve, reject) => {
      sent.push({ args: [...args], resolve, reject });
    });
  return { client: emitter as unknown as RedisClient, sent };
}

const context = { keyPrefix: "unit:", url: "redis://:pw@127.0.0.1:1" };

/** Settles to [value | error, ms after `from`]. */
async function outcome(promise: Promise<unknown>, from: number): Promise<{ value?: unknown; error?: unknown; afterMs: number }> {
  return promise.then(
    (value) => ({ value, afterMs: performance.now() - from }),
    (error: unknown) => ({ error, afterMs: performance.now() - from }),
  );
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("CommandRunner", () => {
  it("times out each command one bound after it was sent, whatever else is in flight", async () => {
    const { client, sent } = stubClient();
    const runner = new CommandRunner(client, context, TIMEOUT_MS);
    const startedA = performance.now();
    const a = outcome(runner.send("first", ["GET", "a"]), startedA);
    // Sent half a bound later: the timer armed for the first must not fail it early.
    await until(() => performance.now() - startedA >= TIMEOUT_MS / 2, "half a bound");
    const startedB = performance.now();
    const b = outcome(runner.send("second", ["GET", "b"]), startedB);
    // A third that is answered: unaffected by the two hung ones.
    const c = runner.send("third", ["GET", "c"]);
    sent[2]!.resolve("c");
    expect(await c).toBe("c");

    const [ra, rb] = await Promise.all([a, b]);
    for (const [result, name] of [
      [ra, "first"],
      [rb, "second"],
    ] as const) {
      expect(StoreUnavailableError.is(result.error)).toBe(true);
      const error = result.error as StoreUnavailableError;
      expect(error.operation).toBe(name);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`no answer within ${TIMEOUT_MS} ms`);
      expect(error.message).not.toContain(":pw@");
      expect(result.afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
      expect(result.afterMs).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    // A reply that comes after the timeout changes nothing (and raises nothing unhandled).
    sent[0]!.resolve("late");
    sent[1]!.reject(new Error("late failure"));
    const d = runner.send("fourth", ["GET", "d"]);
    sent[3]!.resolve("d");
    expect(await d).toBe("d");
    expect(sent).toHaveLength(4);
  });

  it("answers thousands of commands while an old one hangs, then times the old one out", async () => {
    const { client, sent } = stubClient();
    const runner = new CommandRunner(client, context, TIMEOUT_MS);
    const started = performance.now();
    const hung = outcome(runner.send("hung", ["GET", "hung"]), started);
    for (let i = 0; i < 3_000; i++) {
      const reply = runner.send("get", ["GET", String(i)]);
      sent.at(-1)!.resolve(String(i));
      expect(await reply).toBe(String(i));
    }
    const result = await hung;
    expect((result.error as Error).message).toContain(`no answer within ${TIMEOUT_MS} ms`);
    expect(result.afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    // Still bounding new commands after the queue was compacted and emptied.
    const again = performance.now();
    const next = await outcome(runner.send("again", ["GET", "x"]), again);
    expect((next.error as Error).message).toContain("no answer within");
    expect(next.afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
  });

  it("maps reply errors, and sends EVAL with the source once when the server lacks the script", async () => {
    const { client, sent } = stubClient();
    const runner = new CommandRunner(client, context, TIMEOUT_MS);
    const lua: LuaScript = { source: "return KEYS[1]", sha1: "0123456789abcdef0123456789abcdef01234567" };
    const reply = runner.eval("script", lua, ["k"], ["v"]);
    expect(sent[0]!.args).toEqual(["EVALSHA", lua.sha1, "1", "k", "v"]);
    sent[0]!.reject(new ErrorReply("NOSCRIPT No matching script."));
    await until(() => sent.length === 2, "the EVAL fallback");
    expect(sent[1]!.args).toEqual(["EVAL", lua.source, "1", "k", "v"]);
    sent[1]!.resolve("k");
    expect(await reply).toBe("k");

    const failing = runner.eval("script", lua, ["k"], [], (error) => (error.message.includes("MM_NOT_A_NUMBER") ? new RangeError("mapped") : undefined));
    sent[2]!.reject(new ErrorReply("ERR MM_NOT_A_NUMBER 1"));
    await expect(failing).rejects.toThrow("mapped");
    const other = runner.send("plain", ["GET", "k"]);
    sent[3]!.reject(new ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value"));
    await expect(other).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE", operation: "plain" });
    expect(sent).toHaveLength(4);
  });

  it("refuses every call once closed, without sending", async () => {
    const { client, sent } = stubClient();
    const runner = new CommandRunner(client, context, TIMEOUT_MS);
    runner.close();
    await expect(runner.send("get", ["GET", "k"])).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE", retryable: false });
    expect(sent).toHaveLength(0);
  });
});
