import { describe, expect, it } from "vitest";
import { ConfigError, isModelMeshError } from "@modelmesh/core";
import { parseCron } from "./cron.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseCron", () => {
  it("reads a window as the set of matching minutes", () => {
    const sundayNight = parseCron("* 2-3 * * sun");
    expect(sundayNight.matches(at("2026-01-04T02:00:00Z"))).toBe(true); // a Sunday
    expect(sundayNight.matches(at("2026-01-04T03:59:59Z"))).toBe(true);
    expect(sundayNight.matches(at("2026-01-04T04:00:00Z"))).toBe(false);
    expect(sundayNight.matches(at("2026-01-05T02:30:00Z"))).toBe(false); // Monday
    expect(iso(sundayNight.windowEnd(at("2026-01-04T02:30:12Z")))).toBe("2026-01-04T04:00:00.000Z");
    expect(sundayNight.windowEnd(at("2026-01-04T05:00:00Z"))).toBeUndefined();
    expect(iso(sundayNight.nextStart(at("2026-01-04T05:00:00Z")))).toBe("2026-01-11T02:00:00.000Z");
  });

  it("handles lists, steps, ranges with steps, names, and 7 as Sunday", () => {
    const cron = parseCron("0,30 */6 * jan-mar 7");
    expect(cron.matches(at("2026-01-04T06:30:00Z"))).toBe(true);
    expect(cron.matches(at("2026-01-04T07:30:00Z"))).toBe(false);
    expect(cron.matches(at("2026-04-05T06:30:00Z"))).toBe(false);
    expect(parseCron("10-50/20 * * * *").matches(at("2026-01-01T00:30:00Z"))).toBe(true);
    expect(parseCron("10/20 * * * *").matches(at("2026-01-01T00:50:00Z"))).toBe(true);
  });

  it("matches either day field when both are restricted (Vixie cron)", () => {
    const cron = parseCron("0 0 1 * mon");
    expect(cron.matches(at("2026-01-01T00:00:00Z"))).toBe(true); // the 1st, a Thursday
    expect(cron.matches(at("2026-01-05T00:00:00Z"))).toBe(true); // a Monday
    expect(cron.matches(at("2026-01-06T00:00:00Z"))).toBe(false);
  });

  it("reads the fields in a time zone", () => {
    const berlin = parseCron("* 2 * * *", "Europe/Berlin");
    expect(berlin.matches(at("2026-01-10T01:15:00Z"))).toBe(true); // 02:15 CET
    expect(iso(berlin.windowEnd(at("2026-01-10T01:15:00Z")))).toBe("2026-01-10T02:00:00.000Z");
    expect(iso(berlin.nextStart(at("2026-07-10T12:00:00Z")))).toBe("2026-07-11T00:00:00.000Z"); // 02:00 CEST
  });

  it("finds rare windows and says so when there is none", () => {
    expect(iso(parseCron("0 0 29 2 *").nextStart(at("2026-01-01T00:00:00Z")))).toBe("2028-02-29T00:00:00.000Z");
    expect(parseCron("0 0 31 2 *").nextStart(at("2026-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("rejects malformed expressions and unknown time zones with a ConfigError (MM_CONFIG_INVALID)", () => {
    for (const [expression, zone] of [["* * *", "UTC"], ["61 * * * *", "UTC"], ["* * * * *", "Mars/Olympus"]] as const) {
      const error = (() => {
        try {
          parseCron(expression, zone);
        } catch (e) {
          return e;
        }
      })();
      expect(isModelMeshError(error) && error.code).toBe("MM_CONFIG_INVALID");
      expect(ConfigError.is(error)).toBe(true);
      expect((error as ConfigError).issues[0]!.path).toBe("maintenance_window");
    }
  });
});
