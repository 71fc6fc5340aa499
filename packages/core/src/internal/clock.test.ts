import { describe, expect, it } from "vitest";
import { createManualClock, sleep } from "./clock.js";

describe("manual clock", () => {
  it("fires timers in order as time advances", async () => {
    const clock = createManualClock(1000);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 50);
    clock.setTimer(() => fired.push(clock.now()), 10);
    const cancel = clock.setTimer(() => fired.push(-1), 20);
    cancel();
    clock.advance(100);
    expect(fired).toEqual([1010, 1050]);
    expect(clock.now()).toBe(1100);
    const done = sleep(clock, 30).then(() => clock.now());
    clock.advance(30);
    await expect(done).resolves.toBe(1130);
    expect(() => clock.set(0)).toThrow(/backwards/);
  });
});
