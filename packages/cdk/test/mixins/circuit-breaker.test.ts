import { createManualClock, ModelMeshError, ProviderError } from "@modelmesh/core";
import { describe, expect, it, vi } from "vitest";
import { CircuitBreaker, circuitBreakerMiddleware, CircuitOpenError, defaultIsCircuitFailure } from "../../src/mixins/circuit-breaker.js";
import { callOptions } from "./upstream.js";

const server = () => new ProviderError({ message: "5xx", code: "MM_SERVER", category: "server" });

describe("CircuitBreaker", () => {
  it("closed → open after N consecutive failures → half-open after the reset timeout → closed", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 5000, clock });
    for (let i = 0; i < 3; i++) await expect(breaker.run(async () => Promise.reject(server()))).rejects.toBeInstanceOf(ProviderError);
    expect(breaker.state).toBe("open");
    const fn = vi.fn(async () => "ok");
    await expect(breaker.run(fn)).rejects.toSatisfy((e: unknown) => CircuitOpenError.is(e) && e.remainingMs === 5000);
    expect(fn).not.toHaveBeenCalled();
    clock.advance(4000);
    await expect(breaker.run(fn)).rejects.toMatchObject({ code: "MM_CIRCUIT_OPEN", remainingMs: 1000 });
    clock.advance(1000);
    expect(breaker.state).toBe("half-open");
    await expect(breaker.run(fn)).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("a success in the closed state resets the consecutive count", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock: createManualClock() });
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    await breaker.run(async () => 1);
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    expect(breaker.state).toBe("closed");
  });

  it("admits at most halfOpenMax concurrent probes and needs successThreshold successes", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100, halfOpenMax: 2, successThreshold: 2, clock });
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    clock.advance(100);
    const p1 = breaker.acquire();
    const p2 = breaker.acquire();
    expect(p1.probe && p2.probe).toBe(true);
    expect(() => breaker.acquire()).toThrow(CircuitOpenError);
    breaker.onSuccess(p1);
    expect(breaker.state).toBe("half-open");
    expect(breaker.stats()).toMatchObject({ halfOpenSuccesses: 1, probesInFlight: 1 });
    breaker.onSuccess(p2);
    expect(breaker.state).toBe("closed");
  });

  it("any half-open probe failure re-opens the circuit", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100, clock });
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    clock.advance(100);
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    expect(breaker.stats()).toMatchObject({ state: "open", openedAt: clock.now(), halfOpensAt: clock.now() + 100 });
  });

  it("ignores results of calls admitted before a state change", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100, clock });
    const slow = breaker.acquire();
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    expect(breaker.state).toBe("open");
    breaker.onSuccess(slow); // started while closed: must not close the open circuit
    expect(breaker.state).toBe("open");
  });

  it("does not count request errors or cancellations as failures", async () => {
    const invalid = new ModelMeshError({ message: "400", code: "MM_INVALID_REQUEST", category: "invalid_request" });
    expect(defaultIsCircuitFailure(invalid)).toBe(false);
    expect(defaultIsCircuitFailure(new DOMException("aborted", "AbortError"))).toBe(false);
    expect(defaultIsCircuitFailure(new Error("socket hang up"))).toBe(true);
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: createManualClock() });
    await breaker.run(() => Promise.reject(invalid)).catch(() => {});
    expect(breaker.state).toBe("closed");
  });

  it("reset() closes the circuit", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: createManualClock() });
    await breaker.run(() => Promise.reject(server())).catch(() => {});
    breaker.reset();
    expect(breaker.stats()).toEqual({ state: "closed", consecutiveFailures: 0, halfOpenSuccesses: 0, probesInFlight: 0 });
  });

  it("the middleware exposes its breaker and fails fast while open", async () => {
    const guarded = circuitBreakerMiddleware({ failureThreshold: 1, clock: createManualClock(), name: "p1" });
    const next = vi.fn(() => Promise.reject(server()));
    await expect(guarded(next)("r", callOptions())).rejects.toBeInstanceOf(ProviderError);
    const error = await guarded(next)("r", callOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as Error).message).toMatch(/\[circuit-breaker:p1\] the circuit is open/);
    expect(next).toHaveBeenCalledTimes(1);
    expect(guarded.breaker.state).toBe("open");
  });
});
