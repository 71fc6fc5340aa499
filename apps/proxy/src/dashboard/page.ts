/**
 * The proxy's dashboard: one self-contained HTML document (inline CSS and JS, no CDN, no external fonts or
 * images) served at `GET /dashboard`. It shows pools and their routes (model, status, circuit, standby reason
 * and countdown, failures, latency, quota usage), providers, the recent routing decisions and a live event
 * log, fed by `GET /admin/state` and the SSE stream `GET /admin/events`.
 *
 * The page source holds no secret: the admin token is read in the browser from `?token=` (then removed from
 * the address bar) or asked for in a sign-in form, and sent as `Authorization: Bearer` to the admin
 * endpoints. A Content-Security-Policy pins the one inline script by hash and allows connections to the
 * proxy's own origin only.
 *
 * (Engineer B's file, issue 7: this is the real page, not a stub.)
 */
import { createHash } from "node:crypto";
import { DASHBOARD_SCRIPT } from "./page-script.js";
import { DASHBOARD_STYLE } from "./page-style.js";

let cached: string | undefined;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/**
 * Returns the dashboard page. The document is the same for every request (it is built once and cached).
 * @example
 * if (url.pathname === "/dashboard") {
 *   response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
 *   response.end(dashboardHtml());
 * }
 */
export function dashboardHtml(): string {
  cached ??= build();
  return cached;
}

/** The page's Content-Security-Policy (also in a `<meta>` tag, which cannot carry `frame-ancestors`). */
const CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(DASHBOARD_SCRIPT)}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * Response headers of `GET /dashboard`: the CSP plus `frame-ancestors 'none'` and `X-Frame-Options: DENY`
 * (no clickjacking of the admin page), no MIME sniffing, no referrer, its own browsing-context group, and
 * no other origin may embed it as a resource.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": `${CSP}; frame-ancestors 'none'`,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
});

function build(): string {
  const csp = CSP;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>ModelMesh proxy · dashboard</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header>
  <h1>ModelMesh proxy</h1>
  <span id="conn" data-state="connecting">connecting</span>
  <span class="spacer"></span>
  <span id="updated" class="muted mono"></span>
</header>
<main>
  <div id="cards" class="cards"></div>
  <div id="pools"></div>
  <div class="split">
    <section class="panel"><h2>Recent routing decisions <small>newest first, last 100</small></h2><div id="decisions"></div></section>
    <div class="side">
      <section class="panel"><h2>Providers</h2><div id="providers"></div></section>
      <section class="panel"><h2>Live events <small>from /admin/events</small></h2><ul id="events"></ul></section>
    </div>
  </div>
</main>
<div id="auth" role="dialog" aria-modal="true" aria-labelledby="auth-title">
  <form id="auth-form" autocomplete="off">
    <h2 id="auth-title">Admin token</h2>
    <p>The dashboard reads the proxy's admin endpoints. Enter an admin token (it stays in this tab only).</p>
    <input id="auth-token" type="password" name="token" placeholder="admin token" aria-label="admin token" autocomplete="off" required>
    <div id="auth-error" class="error" aria-live="polite"></div>
    <button type="submit">Open dashboard</button>
  </form>
</div>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
