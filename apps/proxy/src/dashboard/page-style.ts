/**
 * The dashboard's stylesheet, inlined into the page (no CDN, no web fonts). Light and dark follow the
 * browser's `prefers-color-scheme`. Status colours are shared by badges and row accents.
 */
export const DASHBOARD_STYLE = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2330; --muted: #667085; --line: #e3e6ec;
  --ok: #15803d; --ok-bg: #dcfce7; --warn: #b45309; --warn-bg: #fef3c7;
  --bad: #b91c1c; --bad-bg: #fee2e2; --info: #1d4ed8; --info-bg: #dbeafe;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f131a; --panel: #171c25; --text: #e6e9ef; --muted: #98a2b3; --line: #283040;
    --ok: #4ade80; --ok-bg: #12351f; --warn: #fbbf24; --warn-bg: #3b2a0b;
    --bad: #f87171; --bad-bg: #3f1515; --info: #93c5fd; --info-bg: #172a4a;
  }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 16px; margin: 0; font-weight: 650; }
header .spacer { flex: 1; }
main { padding: 16px 20px 32px; display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr); }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
section.panel > h2 { margin: 0; padding: 10px 14px; font-size: 13px; font-weight: 650; letter-spacing: .02em; border-bottom: 1px solid var(--line); display: flex; gap: 10px; align-items: baseline; }
section.panel > h2 small { color: var(--muted); font-weight: 400; letter-spacing: 0; }
#pools { display: grid; gap: 16px; }
section.panel > h2:last-child { border-bottom: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .k { color: var(--muted); font-size: 12px; }
.side { display: grid; gap: 16px; align-content: start; }
.split { display: grid; gap: 16px; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); }
@media (max-width: 1000px) { .split { grid-template-columns: minmax(0, 1fr); } }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
tr[data-status="standby"] td:first-child { box-shadow: inset 3px 0 0 var(--warn); }
tr[data-circuit="open"] td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr[data-ok="false"] td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
td[data-field="until"], td[data-field="latency"], td[data-field="status"], td[data-field="circuit"], td[data-field="failures"] { white-space: nowrap; }
td.mono, .mono { font-family: var(--mono); font-size: 12.5px; }
td.muted, .muted { color: var(--muted); }
td.reasons { font-family: var(--mono); font-size: 12px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.active, .badge.closed, .badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.standby { color: var(--warn); background: var(--warn-bg); }
.badge.open, .badge.error { color: var(--bad); background: var(--bad-bg); }
.badge.half-open, .badge.info { color: var(--info); background: var(--info-bg); }
.meter { display: inline-block; width: 70px; height: 6px; border-radius: 3px; background: var(--line); vertical-align: middle; margin-right: 6px; overflow: hidden; }
.meter > i { display: block; height: 100%; background: var(--info); }
.meter.full > i { background: var(--bad); }
.empty { padding: 14px; color: var(--muted); }
#conn { font-size: 12px; }
#conn[data-state="live"] { color: var(--ok); }
#conn[data-state="reconnecting"], #conn[data-state="connecting"] { color: var(--warn); }
#conn[data-state="error"], #conn[data-state="auth"] { color: var(--bad); }
#conn::before { content: "●"; margin-right: 6px; }
#events { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow: auto; }
#events li { padding: 5px 14px; border-bottom: 1px solid var(--line); font-family: var(--mono); font-size: 12px; display: flex; gap: 8px; }
#events li .t { color: var(--muted); flex: none; }
#events li .k { flex: none; width: 150px; }
#events li[data-type="route-deactivated"], #events li[data-type="provider-deactivated"], #events li[data-type="quota-exhausted"] { color: var(--warn); }
#events li[data-type="attempt-error"] { color: var(--bad); }
#events li[data-type="route-recovered"], #events li[data-type="provider-recovered"] { color: var(--ok); }
#auth { position: fixed; inset: 0; background: rgba(0, 0, 0, .45); display: none; align-items: center; justify-content: center; z-index: 5; }
#auth.shown { display: flex; }
#auth form { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 20px; width: min(420px, 92vw); display: grid; gap: 10px; }
#auth h2 { margin: 0; font-size: 16px; }
#auth p { margin: 0; color: var(--muted); }
#auth .error { color: var(--bad); min-height: 1.2em; }
input, button { font: inherit; padding: 7px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--text); }
button { cursor: pointer; background: var(--info); color: #fff; border-color: transparent; font-weight: 600; }
`;
