/**
 * The dashboard document on its own: self-contained (nothing loaded from elsewhere), its one inline script
 * pinned by the CSP hash and free of syntax errors, and no secret or token slot in the source. The live
 * behaviour is covered in headless Chromium by dashboard.browser.test.ts.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dashboardHtml } from "../src/dashboard/page.js";
import { DASHBOARD_SCRIPT } from "../src/dashboard/page-script.js";
import { DASHBOARD_STYLE } from "../src/dashboard/page-style.js";

describe("dashboardHtml", () => {
  const html = dashboardHtml();

  it("is one complete HTML document, the same on every call", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("</html>");
    expect(dashboardHtml()).toBe(html);
  });

  it("loads nothing from elsewhere: no external scripts, styles, fonts, images or frames", () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    expect(DASHBOARD_STYLE).not.toMatch(/@import|url\(|@font-face/i);
    expect(html).not.toMatch(/(?:src|href|action)\s*=\s*["']?(?:https?:)?\/\//i);
    // The only URLs the script fetches are the proxy's own admin endpoints.
    const fetched = [...DASHBOARD_SCRIPT.matchAll(/fetch\(\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(fetched.sort()).toEqual(["/admin/events", "/admin/state"]);
  });

  it("pins its one inline script by hash in the Content-Security-Policy and allows only same-origin connections", () => {
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual([DASHBOARD_SCRIPT]);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
    const hash = createHash("sha256").update(DASHBOARD_SCRIPT, "utf8").digest("base64");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  it("ships a script that parses", () => {
    expect(() => new Function(DASHBOARD_SCRIPT)).not.toThrow();
  });

  it("has no token in its source: the token comes from ?token= or the sign-in form and is sent as a header", () => {
    expect(html).not.toMatch(/Bearer [A-Za-z0-9]/);
    expect(DASHBOARD_SCRIPT).toContain('searchParams.get("token")');
    expect(DASHBOARD_SCRIPT).toContain('searchParams.delete("token")');
    expect(DASHBOARD_SCRIPT).not.toContain("localStorage");
    expect(html).toMatch(/<input id="auth-token" type="password"/);
  });
});
