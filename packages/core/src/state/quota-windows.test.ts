import { describe, expect, it } from "vitest";
import { windowBounds, windowEnd, windowStart } from "./quota-windows.js";

const at = (iso: string) => Date.parse(iso);
const LA = { resetTime: "08:00", timeZone: "America/Los_Angeles" };

describe("quota windows", () => {
  it("minute windows are fixed and UTC-aligned", () => {
    expect(windowBounds("minute", at("2026-01-01T00:00:59.999Z"))).toEqual({ start: at("2026-01-01T00:00:00Z"), end: at("2026-01-01T00:01:00Z") });
    expect(windowStart("minute", at("2026-01-01T00:01:00Z"))).toBe(at("2026-01-01T00:01:00Z"));
  });

  it("day and month windows default to UTC midnight", () => {
    const now = at("2026-03-15T13:45:00Z");
    expect(windowBounds("day", now)).toEqual({ start: at("2026-03-15T00:00:00Z"), end: at("2026-03-16T00:00:00Z") });
    expect(windowBounds("month", now, { timeZone: "UTC" })).toEqual({ start: at("2026-03-01T00:00:00Z"), end: at("2026-04-01T00:00:00Z") });
    expect(windowEnd("day", at("2026-03-15T23:59:59.999Z"))).toBe(at("2026-03-16T00:00:00Z"));
    expect(windowStart("day", at("2026-03-16T00:00:00Z"))).toBe(at("2026-03-16T00:00:00Z"));
  });

  it('"08:00" America/Los_Angeles follows the spring-forward change (a 23-hour window)', () => {
    // 2026-03-08 02:00 PST → 03:00 PDT. 08:00 PST = 16:00Z, 08:00 PDT = 15:00Z.
    expect(windowBounds("day", at("2026-03-07T20:00:00Z"), LA)).toEqual({ start: at("2026-03-07T16:00:00Z"), end: at("2026-03-08T15:00:00Z") });
    expect(windowStart("day", at("2026-03-08T14:59:59Z"), LA)).toBe(at("2026-03-07T16:00:00Z"));
    expect(windowBounds("day", at("2026-03-08T15:00:00Z"), LA)).toEqual({ start: at("2026-03-08T15:00:00Z"), end: at("2026-03-09T15:00:00Z") });
    // Before 08:00 local the window is still yesterday's.
    expect(windowStart("day", at("2026-03-10T14:00:00Z"), LA)).toBe(at("2026-03-09T15:00:00Z"));
  });

  it('"08:00" America/Los_Angeles follows the fall-back change (a 25-hour window)', () => {
    // 2026-11-01 02:00 PDT → 01:00 PST.
    expect(windowBounds("day", at("2026-11-01T12:00:00Z"), LA)).toEqual({ start: at("2026-10-31T15:00:00Z"), end: at("2026-11-01T16:00:00Z") });
  });

  it("maps reset times inside DST gaps forward and ambiguous ones to the earlier instant", () => {
    const gap = { resetTime: "02:30", timeZone: "America/Los_Angeles" };
    expect(windowStart("day", at("2026-03-08T12:00:00Z"), gap)).toBe(at("2026-03-08T10:30:00Z")); // 03:30 PDT
    const fold = { resetTime: "01:30", timeZone: "America/Los_Angeles" };
    expect(windowStart("day", at("2026-11-01T12:00:00Z"), fold)).toBe(at("2026-11-01T08:30:00Z")); // 01:30 PDT
  });

  it("month windows end at the calendar month end, in the provider's zone", () => {
    expect(windowBounds("month", at("2026-01-31T23:59:59.999Z"))).toEqual({ start: at("2026-01-01T00:00:00Z"), end: at("2026-02-01T00:00:00Z") });
    expect(windowBounds("month", at("2026-02-01T00:00:00Z"))).toEqual({ start: at("2026-02-01T00:00:00Z"), end: at("2026-03-01T00:00:00Z") });
    expect(windowEnd("month", at("2028-02-29T12:00:00Z"))).toBe(at("2028-03-01T00:00:00Z"));
    expect(windowEnd("month", at("2026-12-31T12:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    // Jan 31 21:00 PST is still January in Los Angeles; the month starts on the 1st at the reset time.
    expect(windowBounds("month", at("2026-02-01T05:00:00Z"), LA)).toEqual({ start: at("2026-01-01T16:00:00Z"), end: at("2026-02-01T16:00:00Z") });
  });

  it("handles Asia/Kolkata's half-hour offset", () => {
    const ist = { timeZone: "Asia/Kolkata" };
    expect(windowBounds("day", at("2026-05-10T18:29:59Z"), ist)).toEqual({ start: at("2026-05-09T18:30:00Z"), end: at("2026-05-10T18:30:00Z") });
    expect(windowStart("day", at("2026-05-10T18:30:00Z"), ist)).toBe(at("2026-05-10T18:30:00Z"));
    expect(windowEnd("day", at("2026-05-10T00:00:00Z"), { ...ist, resetTime: "05:30" })).toBe(at("2026-05-11T00:00:00Z"));
  });

  it("rejects malformed reset times and unknown zones with MM_CONFIG_INVALID", () => {
    expect(() => windowStart("day", 0, { resetTime: "25:00" })).toThrow(expect.objectContaining({ code: "MM_CONFIG_INVALID" }));
    expect(() => windowStart("day", 0, { resetTime: "8am" })).toThrow(/HH:MM/);
    expect(() => windowStart("day", 0, { timeZone: "Mars/Olympus_Mons" })).toThrow(expect.objectContaining({ code: "MM_CONFIG_INVALID" }));
  });
});
