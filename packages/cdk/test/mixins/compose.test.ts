import { describe, expect, it } from "vitest";
import { compose, type ProviderCall, type ProviderMiddleware } from "../../src/mixins/middleware.js";
import { getMixin, withMiddleware } from "../../src/mixins/with-mixins.js";
import { callOptions } from "./upstream.js";

function recorder(name: string, log: string[]): ProviderMiddleware {
  return (next) => async (request, options) => {
    log.push(`${name}:before`);
    try {
      return await next(request, options);
    } finally {
      log.push(`${name}:after`);
    }
  };
}

describe("compose", () => {
  it("runs the FIRST listed middleware outermost and first", async () => {
    const log: string[] = [];
    const base: ProviderCall = async (request) => {
      log.push("call");
      return request;
    };
    const call = compose([recorder("a", log), recorder("b", log), recorder("c", log)])(base);
    await expect(call("x", callOptions())).resolves.toBe("x");
    expect(log).toEqual(["a:before", "b:before", "c:before", "call", "c:after", "b:after", "a:after"]);
  });

  it("lets an outer middleware transform what inner ones see", async () => {
    const upper: ProviderMiddleware<string, string> = (next) => (request, options) => next(request.toUpperCase(), options);
    const exclaim: ProviderMiddleware<string, string> = (next) => async (request, options) => `${await next(request, options)}!`;
    const call = compose([upper, exclaim])(async (request) => request);
    await expect(call("hi", callOptions())).resolves.toBe("HI!");
  });

  it("with no middleware returns the call unchanged", async () => {
    const base: ProviderCall = async () => 1;
    expect(compose([])(base)).toBe(base);
  });

  it("validates every element at compose time", () => {
    expect(() => compose([recorder("a", []), "nope" as unknown as ProviderMiddleware])).toThrow(/index 1 is string, expected a function/);
    expect(() => compose([null as unknown as ProviderMiddleware])).toThrow(/index 0 is null/);
    expect(() => compose("x" as unknown as ProviderMiddleware[])).toThrow(TypeError);
  });

  it("rejects a middleware that does not return a function", () => {
    const broken = (() => undefined) as unknown as ProviderMiddleware;
    expect(() => compose([broken])(async () => 1)).toThrow(/index 0 did not return a function/);
  });
});

describe("class mixins use the same order as compose", () => {
  class Echo {
    calls = 0;
    async complete(request: string): Promise<string> {
      this.calls++;
      return request;
    }
    async embed(request: string): Promise<string> {
      return `embed:${request}`;
    }
  }

  it("the outermost mixin runs first, like the first element of compose", async () => {
    const log: string[] = [];
    const Stacked = withMiddleware(withMiddleware(Echo, "inner", () => recorder("inner", log)), "outer", () => recorder("outer", log));
    const echo = new Stacked();
    await echo.complete("x");
    expect(log).toEqual(["outer:before", "inner:before", "inner:after", "outer:after"]);
    expect(echo.calls).toBe(1);
  });

  it("wraps embed when the base has it, and only the listed methods", async () => {
    const log: string[] = [];
    const Wrapped = withMiddleware(Echo, "rec", () => recorder("rec", log), { methods: ["embed"] });
    const echo = new Wrapped();
    await echo.complete("a");
    expect(log).toEqual([]);
    await expect(echo.embed("b")).resolves.toBe("embed:b");
    expect(log).toEqual(["rec:before", "rec:after"]);
  });

  it("creates one middleware per instance, at construction, reachable with getMixin", () => {
    let created = 0;
    const Counted = withMiddleware(Echo, "counted", () => {
      created++;
      return recorder("c", []);
    });
    const a = new Counted();
    new Counted();
    expect(created).toBe(2);
    expect(typeof getMixin(a, "counted")).toBe("function");
    expect(getMixin(a, "missing")).toBeUndefined();
  });
});
