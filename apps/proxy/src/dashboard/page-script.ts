/**
 * The dashboard's browser script, inlined into the page as one classic script (no modules, no CDN, no build
 * step of its own). It is plain ES2020 kept as a string so the page stays one self-contained document;
 * `dashboard.page.test.ts` compiles it with `new Function` to catch syntax errors, and the Chromium test
 * exercises it end to end.
 *
 * Data flow:
 * - `GET /admin/state` gives the full picture (pools, routes, providers, recent decisions). It is fetched at
 *   start, shortly after any state-changing event, after every (re)connect of the event stream, and every
 *   few seconds as a fallback.
 * - `GET /admin/events` is read with `fetch` (not `EventSource`, which cannot send an `Authorization`
 *   header), parsed as SSE, and applied to the model at once, so a deactivation shows without waiting for
 *   the next state fetch.
 * - The admin token comes from `?token=` (removed from the address bar at once, kept in `sessionStorage`
 *   for reloads of this tab) or from the sign-in form. It is sent as `Authorization: Bearer`, never in a URL
 *   the page builds, and it is never part of the page source.
 *
 * Rendering builds DOM nodes with `textContent` only: names and messages from the server are never parsed
 * as HTML. Stable hooks for tests and scripts: `tr[data-route]` with `data-status` / `data-circuit`,
 * `td[data-field]`, `#decisions tr[data-request]`, `#conn[data-state]`.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  "use strict";
  var TOKEN_KEY = "modelmesh.dashboard.token";
  var MAX_EVENTS = 80;
  var MAX_DECISIONS = 100;
  var POLL_MS = 5000;
  var STATE_DEBOUNCE_MS = 150;
  var BUSY_REFRESH_MS = 1000;

  var model = { pools: [], routes: new Map(), providers: new Map(), decisions: [], events: [], proxy: {}, serverOffset: 0, loaded: false };
  var token = takeToken();
  var eventAbort = null;
  var refreshTimer = 0;
  var refreshDue = 0;
  var retryMs = 500;
  var renderQueued = false;
  var pollTimer = 0;

  function $(id) { return document.getElementById(id); }

  // ---- token ---------------------------------------------------------------------------------------------
  function takeToken() {
    var url = new URL(location.href);
    var fromUrl = url.searchParams.get("token");
    if (fromUrl !== null) {
      url.searchParams.delete("token");
      history.replaceState(null, "", url.pathname + url.search + url.hash);
      try { sessionStorage.setItem(TOKEN_KEY, fromUrl); } catch (e) { /* storage disabled: keep it in memory */ }
      return fromUrl;
    }
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }
  function authHeaders(extra) {
    var h = extra || {};
    if (token) h.authorization = "Bearer " + token;
    return h;
  }
  function askToken(message) {
    setConn("auth", "sign-in needed");
    stopEvents();
    $("auth-error").textContent = message || "";
    $("auth").classList.add("shown");
    $("auth-token").focus();
  }
  function onTokenSubmit(ev) {
    ev.preventDefault();
    token = $("auth-token").value.trim();
    $("auth-token").value = "";
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* memory only */ }
    $("auth").classList.remove("shown");
    start();
  }

  // ---- normalising /admin/state -----------------------------------------------------------------------------
  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function list(v) {
    if (Array.isArray(v)) return v;
    if (!isObj(v)) return [];
    return Object.keys(v).map(function (k) { var x = v[k]; return isObj(x) ? Object.assign({ id: k }, x) : { id: k, value: x }; });
  }
  function pick(o) {
    if (!isObj(o)) return undefined;
    for (var i = 1; i < arguments.length; i++) { var v = o[arguments[i]]; if (v !== undefined && v !== null) return v; }
    return undefined;
  }
  function num(v) {
    if (typeof v === "number" && isFinite(v)) return v;
    if (typeof v === "string" && v !== "") { var n = Number(v); if (isFinite(n)) return n; var t = Date.parse(v); if (isFinite(t)) return t; }
    return undefined;
  }
  function compact(o) { var r = {}; Object.keys(o).forEach(function (k) { if (o[k] !== undefined) r[k] = o[k]; }); return r; }
  function normRoute(r) {
    if (typeof r === "string") return { routeId: r };
    // The proxy sends quota as { usage: {requestsMinute, …}, limits: {requestsPerMinute, …}, resetsAt };
    // a flat usage object is accepted too.
    var quota = pick(r, "quota");
    var usage = isObj(quota) && isObj(quota.usage) ? quota.usage : (isObj(pick(r, "usage")) ? pick(r, "usage") : (isObj(quota) ? quota : undefined));
    var limits = isObj(quota) && isObj(quota.limits) ? quota.limits : (isObj(pick(r, "limits")) ? pick(r, "limits") : undefined);
    return compact({
      routeId: String(pick(r, "routeId", "route", "id")),
      modelId: pick(r, "modelId", "model"),
      providerId: pick(r, "providerId", "provider"),
      upstreamModel: pick(r, "upstreamModel"),
      status: pick(r, "status"),
      circuit: pick(r, "circuit"),
      reason: pick(r, "reason"),
      until: num(pick(r, "standbyUntil", "cooldownUntil", "until")),
      failures: num(pick(r, "consecutiveFailures", "failures")),
      errorRate: num(pick(r, "errorRate")),
      latencyMs: num(pick(r, "latencyEwmaMs", "latencyMs")),
      inFlight: num(pick(r, "inFlight")),
      usage: usage,
      limits: limits,
      lastError: pick(r, "lastError", "lastErrorCategory"),
    });
  }
  function normDecision(d) {
    var reasons = pick(d, "reasons");
    return {
      at: num(pick(d, "at", "timestamp", "endedAt")) || Date.now(),
      requestId: String(pick(d, "requestId", "id") || ""),
      requested: pick(d, "requested", "model") || "",
      pool: pick(d, "pool", "poolId") || "",
      route: pick(d, "route", "routeId") || "",
      attempts: num(pick(d, "attempts")) || 0,
      ok: pick(d, "ok") !== false,
      code: pick(d, "code") || "",
      reasons: Array.isArray(reasons) ? reasons.map(String) : (reasons ? [String(reasons)] : []),
    };
  }
  // Same wording as the proxy's own decision log (apps/proxy/src/decisions.ts), so a row reads the same
  // whether it arrived by event or in a state document: failed attempts, then excluded candidates.
  function reasonsOf(t) {
    var out = [];
    (Array.isArray(t.attempts) ? t.attempts : []).forEach(function (a) {
      if (a.error) out.push(a.routeId + ": " + a.error.category + (a.error.status ? " " + a.error.status : "") + " → " + a.action);
    });
    (Array.isArray(t.candidates) ? t.candidates : []).forEach(function (c) {
      if (c.excluded) out.push(c.routeId + ": excluded (" + c.excluded.stage + ") " + c.excluded.reason);
    });
    return out;
  }
  function decisionFromEvent(e) {
    var t = e.trace || {};
    var attempts = Array.isArray(t.attempts) ? t.attempts : [];
    var last = attempts[attempts.length - 1];
    return {
      at: e.timestamp || Date.now(),
      requestId: String(e.requestId || t.requestId || ""),
      requested: t.requested || "",
      pool: (t.resolution && t.resolution.poolId) || "",
      route: (t.final && t.final.routeId) || (last && last.routeId) || "",
      attempts: e.attempts || attempts.length,
      ok: e.ok !== false,
      code: e.code || "",
      reasons: reasonsOf(t),
    };
  }
  function applyState(s) {
    var routes = new Map();
    list(pick(s, "routes")).forEach(function (r) { var n = normRoute(r); routes.set(n.routeId, n); });
    model.pools = list(pick(s, "pools")).map(function (p) {
      var members = list(pick(p, "members", "routes")).map(function (m) {
        var n = normRoute(m);
        routes.set(n.routeId, Object.assign({}, routes.get(n.routeId) || {}, n));
        return n.routeId;
      });
      return { id: String(pick(p, "id", "poolId", "name")), capability: pick(p, "capability") || "", strategy: pick(p, "strategy") || "", members: members };
    });
    model.routes = routes;
    model.providers = new Map();
    list(pick(s, "providers")).forEach(function (p) {
      var id = String(pick(p, "id", "providerId", "name"));
      model.providers.set(id, compact({ id: id, status: pick(p, "status") || "active", reason: pick(p, "reason"), until: num(pick(p, "until", "standbyUntil")), connector: pick(p, "connector") }));
    });
    // Union with what the event stream already delivered: a request-end event can arrive just before the
    // state document that includes it (or just after a fetch that did not), and neither should hide it.
    var byId = new Map();
    model.decisions.concat(list(pick(s, "decisions", "recentDecisions", "recent")).map(normDecision)).forEach(function (d) { byId.set(d.requestId || Math.random(), d); });
    var decisions = Array.from(byId.values());
    decisions.sort(function (a, b) { return b.at - a.at; });
    model.decisions = decisions.slice(0, MAX_DECISIONS);
    model.proxy = isObj(pick(s, "proxy")) ? pick(s, "proxy") : {};
    var now = num(pick(s, "at", "now", "serverTime"));
    model.serverOffset = now ? now - Date.now() : 0;
    model.loaded = true;
  }

  // ---- live events ---------------------------------------------------------------------------------------
  function patchRoute(id, patch) {
    if (!id) return;
    var r = model.routes.get(id) || { routeId: id };
    model.routes.set(id, Object.assign({}, r, patch));
  }
  // Per-attempt bookkeeping events are left out of the log (the decisions table already tells that story).
  var QUIET_EVENTS = { "request-start": true, "attempt-start": true, "attempt-end": true, "stream-commit": true };
  function onEvent(e) {
    if (!QUIET_EVENTS[e.type]) {
      model.events.unshift(e);
      if (model.events.length > MAX_EVENTS) model.events.length = MAX_EVENTS;
    }
    switch (e.type) {
      case "route-deactivated":
        patchRoute(e.routeId, { status: "standby", circuit: "open", reason: e.reason, until: e.until });
        refreshSoon(STATE_DEBOUNCE_MS);
        break;
      case "route-recovered":
        patchRoute(e.routeId, { status: e.halfOpen ? "standby" : "active", circuit: e.halfOpen ? "half-open" : "closed", reason: e.halfOpen ? model.routes.get(e.routeId) && model.routes.get(e.routeId).reason : undefined, until: undefined });
        refreshSoon(STATE_DEBOUNCE_MS);
        break;
      case "provider-deactivated":
        model.providers.set(e.providerId, Object.assign({}, model.providers.get(e.providerId) || { id: e.providerId }, { status: "standby", reason: e.reason, until: e.until }));
        refreshSoon(STATE_DEBOUNCE_MS);
        break;
      case "provider-recovered":
        model.providers.set(e.providerId, Object.assign({}, model.providers.get(e.providerId) || { id: e.providerId }, { status: "active", reason: undefined, until: undefined }));
        refreshSoon(STATE_DEBOUNCE_MS);
        break;
      case "quota-exhausted":
        patchRoute(e.routeId, { quotaFull: e.window, quotaResetsAt: e.resetsAt });
        refreshSoon(STATE_DEBOUNCE_MS);
        break;
      case "attempt-error":
        patchRoute(e.routeId, { lastError: e.code + (e.status ? " " + e.status : "") });
        break;
      case "request-end": {
        var d = decisionFromEvent(e);
        model.decisions = [d].concat(model.decisions.filter(function (x) { return x.requestId !== d.requestId; })).slice(0, MAX_DECISIONS);
        refreshSoon(BUSY_REFRESH_MS); // usage counters move with every request; refresh at most once a second for them
        break;
      }
    }
    queueRender();
  }
  function refreshSoon(ms) {
    var due = Date.now() + ms;
    if (refreshTimer && refreshDue <= due) return;
    clearTimeout(refreshTimer);
    refreshDue = due;
    refreshTimer = setTimeout(function () { refreshTimer = 0; refresh(); }, ms);
  }
  function stopEvents() { if (eventAbort) { eventAbort.abort(); eventAbort = null; } }
  function handleBlock(block) {
    var data = block.split(/\r?\n/).filter(function (l) { return l.indexOf("data:") === 0; }).map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
    if (!data) return;
    var ev;
    try { ev = JSON.parse(data); } catch (e) { return; }
    if (isObj(ev) && typeof ev.type === "string") onEvent(ev);
  }
  async function readEvents() {
    stopEvents();
    var ctrl = new AbortController();
    eventAbort = ctrl;
    try {
      var res = await fetch("/admin/events", { headers: authHeaders({ accept: "text/event-stream" }), signal: ctrl.signal, cache: "no-store" });
      if (res.status === 401 || res.status === 403) { askToken(token ? "The proxy refused this token." : ""); return; }
      if (!res.ok || !res.body) throw new Error("GET /admin/events answered " + res.status);
      setConn("live", "live");
      retryMs = 500;
      refreshSoon(0); // catch up with whatever happened while disconnected
      var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      var buf = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buf += chunk.value;
        var m;
        while ((m = /\r?\n\r?\n/.exec(buf))) {
          handleBlock(buf.slice(0, m.index));
          buf = buf.slice(m.index + m[0].length);
        }
      }
      throw new Error("the event stream ended");
    } catch (err) {
      if (ctrl.signal.aborted) return;
      setConn("reconnecting", "reconnecting: " + (err && err.message ? err.message : String(err)));
      setTimeout(function () { if (eventAbort === ctrl) readEvents(); }, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    }
  }

  // ---- state fetch ---------------------------------------------------------------------------------------
  async function refresh() {
    var res;
    try {
      res = await fetch("/admin/state", { headers: authHeaders({ accept: "application/json" }), cache: "no-store" });
    } catch (err) {
      setConn("error", "proxy unreachable");
      return false;
    }
    if (res.status === 401 || res.status === 403) { askToken(token ? "The proxy refused this token." : ""); return false; }
    if (!res.ok) { setConn("error", "GET /admin/state answered " + res.status); return false; }
    applyState(await res.json());
    $("updated").textContent = "state " + clock(Date.now());
    queueRender();
    return true;
  }
  async function start() {
    setConn("connecting", "connecting");
    if (!(await refresh())) return;
    readEvents();
    clearInterval(pollTimer);
    pollTimer = setInterval(refresh, POLL_MS);
  }

  // ---- rendering -----------------------------------------------------------------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") el.textContent = String(v);
      else if (k === "className") el.className = v;
      else el.setAttribute(k, String(v));
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null || c === false) continue;
      el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function setConn(state, text) { var el = $("conn"); el.setAttribute("data-state", state); el.textContent = text; }
  function now() { return Date.now() + model.serverOffset; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms) { var d = new Date(ms); return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  function inTime(until) {
    if (until === undefined) return "";
    var s = Math.round((until - now()) / 1000);
    if (s <= 0) return "due";
    if (s < 120) return "in " + s + "s";
    if (s < 7200) return "in " + Math.round(s / 60) + "m";
    return "at " + clock(until);
  }
  function badge(text, kind) { return h("span", { className: "badge " + (kind || text), text: text }); }
  function fmt(n, digits) { return n === undefined ? "" : Number(n).toFixed(digits || 0); }
  var QUOTA_FIELDS = [
    ["requestsMinute", "requestsPerMinute", "req/min"],
    ["requestsDay", "requestsPerDay", "req/day"],
    ["tokensMinute", "tokensPerMinute", "tok/min"],
    ["tokensDay", "tokensPerDay", "tok/day"],
  ];
  function quotaCell(r) {
    var used = r.usage || {};
    var lim = r.limits || {};
    var parts = [];
    var plain = [];
    QUOTA_FIELDS.forEach(function (f) {
      var n = num(used[f[0]]) || 0;
      var max = num(lim[f[1]]);
      if (!max) { if (n) plain.push(n + " " + f[2]); return; }
      // A configured cap gets a meter; uncapped counters share one line.
      parts.push(h("div", { className: "mono" },
        h("span", { className: "meter" + (n >= max ? " full" : "") }, h("i", { style: "width:" + Math.min(100, Math.round((n / max) * 100)) + "%" })),
        n + "/" + max + " " + f[2]));
    });
    var cost = num(used.costDay);
    var costMax = num(lim.costPerDay);
    if (cost || costMax) plain.push("$" + (cost || 0).toFixed(4) + (costMax ? "/$" + costMax : "") + " today");
    if (plain.length) parts.push(h("div", { className: "mono muted", text: plain.join(" · ") }));
    if (r.quotaFull) parts.push(h("div", {}, badge("quota " + r.quotaFull + " full", "standby")));
    return parts.length ? parts : [h("span", { className: "muted", text: "—" })];
  }
  function routeRow(r) {
    var status = r.status || "active";
    var circuit = r.circuit || "closed";
    var tr = h("tr", { "data-route": r.routeId, "data-status": status, "data-circuit": circuit },
      h("td", { className: "mono", "data-field": "route", text: r.routeId }),
      h("td", { className: "mono muted", "data-field": "model", text: r.modelId || "" }),
      h("td", { "data-field": "status" }, badge(status)),
      h("td", { "data-field": "circuit" }, badge(circuit)),
      h("td", { className: "mono", "data-field": "reason", text: r.reason || "" }),
      h("td", { className: "mono", "data-field": "until", text: inTime(r.until) }),
      h("td", { className: "mono", "data-field": "failures", text: fmt(r.failures) }),
      h("td", { className: "mono", "data-field": "latency", text: r.latencyMs === undefined ? "" : fmt(r.latencyMs, 1) + " ms" }),
      h("td", { className: "mono muted", "data-field": "last-error", text: r.lastError || "" }));
    var q = h("td", { "data-field": "quota" });
    quotaCell(r).forEach(function (p) { q.appendChild(p); });
    tr.appendChild(q);
    return tr;
  }
  var ROUTE_HEAD = ["route", "model", "status", "circuit", "reason", "back", "fails", "latency", "last error", "quota"];
  function table(head, rows) {
    var thead = h("thead", {}, h("tr", {}));
    head.forEach(function (t) { thead.firstChild.appendChild(h("th", { text: t })); });
    var tbody = h("tbody", {});
    rows.forEach(function (r) { tbody.appendChild(r); });
    return h("table", {}, thead, tbody);
  }
  function renderPools() {
    var box = $("pools");
    box.textContent = "";
    var seen = new Set();
    var empty = [];
    model.pools.forEach(function (p) {
      if (!p.members.length) { empty.push(p.id); return; }
      var routes = p.members.map(function (id) { seen.add(id); return model.routes.get(id) || { routeId: id }; });
      var standby = routes.filter(function (r) { return r.status === "standby"; }).length;
      var title = h("h2", {}, "pool " + p.id, h("small", { text: [p.capability, p.strategy, routes.length + " routes", standby ? standby + " on standby" : ""].filter(Boolean).join(" · ") }));
      box.appendChild(h("section", { className: "panel pool", "data-pool": p.id }, title, table(ROUTE_HEAD, routes.map(routeRow))));
    });
    var other = [];
    model.routes.forEach(function (r, id) { if (!seen.has(id)) other.push(r); });
    if (empty.length) box.appendChild(h("section", { className: "panel" }, h("h2", {}, "pools without members", h("small", { text: empty.join(" · ") }))));
    if (other.length) box.appendChild(h("section", { className: "panel pool", "data-pool": "" }, h("h2", { text: "routes outside any listed pool" }), table(ROUTE_HEAD, other.map(routeRow))));
    if (!model.pools.length && !other.length) box.appendChild(h("section", { className: "panel" }, h("div", { className: "empty", text: model.loaded ? "no pools configured" : "loading…" })));
  }
  function renderProviders() {
    var rows = [];
    model.providers.forEach(function (p) {
      var status = p.status || "active";
      rows.push(h("tr", { "data-provider": p.id, "data-status": status }, h("td", { className: "mono", text: p.id }), h("td", {}, badge(status)), h("td", { className: "mono", text: p.reason || "" }), h("td", { className: "mono", text: inTime(p.until) })));
    });
    var box = $("providers");
    box.textContent = "";
    box.appendChild(rows.length ? table(["provider", "status", "reason", "back"], rows) : h("div", { className: "empty", text: "no providers" }));
  }
  function renderDecisions() {
    var rows = model.decisions.map(function (d) {
      return h("tr", { "data-request": d.requestId, "data-ok": String(d.ok) },
        h("td", { className: "mono muted", text: clock(d.at) }),
        h("td", { className: "mono", text: d.requested }),
        h("td", { className: "mono", text: d.pool }),
        h("td", { className: "mono", text: d.route }),
        h("td", { className: "mono", text: d.attempts }),
        h("td", {}, d.ok ? badge("ok") : badge(d.code || "error", "error")),
        h("td", { className: "reasons", text: d.reasons.join(" · ") }));
    });
    var box = $("decisions");
    box.textContent = "";
    box.appendChild(rows.length ? table(["time", "requested", "pool", "route", "attempts", "result", "why"], rows) : h("div", { className: "empty", text: "no requests yet" }));
  }
  function describe(e) {
    switch (e.type) {
      case "route-deactivated": return e.routeId + " → standby (" + e.reason + ")" + (e.until ? " until " + clock(e.until) : "");
      case "route-recovered": return e.routeId + " → " + (e.halfOpen ? "half-open" : "active") + " (" + e.trigger + ")";
      case "provider-deactivated": return "provider " + e.providerId + " → standby (" + e.reason + ")";
      case "provider-recovered": return "provider " + e.providerId + " → active (" + e.trigger + ")";
      case "quota-exhausted": return e.routeId + " quota " + e.window + " full, resets " + clock(e.resetsAt);
      case "attempt-error": return e.routeId + " #" + e.attempt + " " + e.code + (e.status ? " " + e.status : "") + " → " + e.action;
      case "rotation": return e.from + " → " + e.to + " (" + e.reason + ")";
      case "route-selected": return e.poolId + " → " + e.routeId + " (" + e.reason + ")";
      case "request-end": return (e.ok ? "ok" : "failed " + (e.code || "")) + " after " + e.attempts + " attempt(s), " + Math.round(e.latencyMs || 0) + " ms";
      default: return e.routeId || e.requestId || "";
    }
  }
  function renderEvents() {
    var ul = $("events");
    ul.textContent = "";
    model.events.forEach(function (e) {
      ul.appendChild(h("li", { "data-type": e.type }, h("span", { className: "t", text: clock(e.timestamp || Date.now()) }), h("span", { className: "k", text: e.type }), h("span", { text: describe(e) })));
    });
    if (!model.events.length) ul.appendChild(h("li", { className: "muted", text: "waiting for events…" }));
  }
  function renderCards() {
    var active = 0, standby = 0, open = 0;
    model.routes.forEach(function (r) { if (r.status === "standby") standby++; else active++; if (r.circuit === "open") open++; });
    var ok = model.decisions.filter(function (d) { return d.ok; }).length;
    var pstandby = 0;
    model.providers.forEach(function (p) { if (p.status === "standby") pstandby++; });
    var cards = [["pools", model.pools.length], ["routes active", active], ["routes on standby", standby], ["circuits open", open], ["providers on standby", pstandby + " / " + model.providers.size], ["recent ok", ok + " / " + model.decisions.length]];
    if (num(model.proxy.inFlight) !== undefined) cards.push(["in flight · streams", model.proxy.inFlight + " · " + (num(model.proxy.streams) || 0)]);
    var box = $("cards");
    box.textContent = "";
    cards.forEach(function (c) { box.appendChild(h("div", { className: "card" }, h("div", { className: "v", text: c[1] }), h("div", { className: "k", text: c[0] }))); });
  }
  function render() {
    renderQueued = false;
    renderCards();
    renderPools();
    renderProviders();
    renderDecisions();
    renderEvents();
  }
  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }

  $("auth-form").addEventListener("submit", onTokenSubmit);
  setInterval(queueRender, 1000); // countdowns
  render();
  start();
})();
`;
