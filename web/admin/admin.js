// Tandem's admin page: polls /admin/api/* with the bearer token (kept in this tab's sessionStorage,
// taken from #token=... or the form) and /metrics for the charts.
"use strict";
const charts = [
  { title: "calls active", series: /^tandem_calls_active\{/, sum: true },
  { title: "busiest loop utilisation %", series: /^tandem_event_loop_utilisation_ratio\{/, max: true, scale: 100 },
  { title: "media packets in /s", series: /^tandem_media_packets_total\{.*direction="in"/, sum: true, rate: true },
  { title: "registrations", series: /^tandem_registrations_active /, sum: true },
];
const history = charts.map(() => []);
let previous = {};
let token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("tandem-token");

function cell(text) { const td = document.createElement("td"); td.textContent = text ?? "–"; return td; }
function fill(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map(cells => { const tr = document.createElement("tr"); tr.append(...cells.map(cell)); return tr; }));
}
async function api(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (r.status === 401) { throw new Error("unauthorized"); }
  return r.json();
}
function worst(legs, key, pick) { const v = legs.map(l => l[key]).filter(x => typeof x === "number"); return v.length ? pick(...v) : null; }

async function refreshTables() {
  const [{ calls }, { registrations }, { trunks }] = await Promise.all(
    ["calls", "registrations", "trunks"].map(p => api(`/admin/api/${p}`)));
  document.getElementById("callCount").textContent = calls.length;
  fill("calls", calls.map(c => [c.caller, c.callee, c.route, c.kind,
    c.legs.map(l => `${l.kind}/${l.codec ?? "?"}`).join(" ⇄ "), `${c.durationSeconds} s`,
    worst(c.legs, "lossPercent", Math.max)?.toFixed(1) + " %", worst(c.legs, "jitterMs", Math.max)?.toFixed(1) + " ms",
    worst(c.legs, "mos", Math.min)?.toFixed(2)]));
  fill("registrations", registrations.map(r => [r.user, r.contact, r.transport, r.source, `${r.expiresInSeconds} s`]));
  fill("trunks", trunks.map(t => [t.name, t.address, t.transport, t.registered === null ? "–" : (t.registered ? "yes" : "no"),
    t.reachable === null ? "–" : (t.reachable ? "yes" : "no")]));
}

async function refreshCharts() {
  const text = await (await fetch("/metrics")).text();
  const now = Date.now() / 1000;
  charts.forEach((chart, i) => {
    const values = text.split("\n").filter(l => chart.series.test(l)).map(l => parseFloat(l.split(" ").pop()));
    let v = chart.max ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0);
    if (chart.rate) {
      const before = previous[i]; previous[i] = { v, at: now };
      v = before ? Math.max(0, (v - before.v) / (now - before.at)) : 0;
    }
    v *= chart.scale ?? 1;
    history[i].push(v); if (history[i].length > 60) { history[i].shift(); }
  });
  document.getElementById("charts").replaceChildren(...charts.map((chart, i) => {
    const points = history[i], top = Math.max(1, ...points);
    const div = document.createElement("div"); div.className = "chart";
    const line = points.map((p, x) => `${x * 4},${50 - 48 * p / top}`).join(" ");
    div.innerHTML = `<div>${chart.title}: <span class="value">${points.at(-1)?.toFixed(chart.scale ? 1 : 0) ?? "–"}</span></div>` +
      `<svg width="240" height="52" viewBox="0 0 240 52"><polyline fill="none" stroke="#2a6" stroke-width="2" points="${line}"/></svg>`;
    return div;
  }));
}

async function tick() {
  try {
    await Promise.all([refreshTables(), refreshCharts()]);
    document.getElementById("status").textContent = "";
    document.body.dataset.loaded = "yes";
  } catch (e) {
    document.getElementById("status").textContent = e.message === "unauthorized" ? "The token was refused." : `No answer: ${e.message}`;
    if (e.message === "unauthorized") { document.getElementById("login").hidden = false; return; }
  }
  setTimeout(tick, 2000);
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  token = document.getElementById("token").value;
  sessionStorage.setItem("tandem-token", token);
  document.getElementById("login").hidden = true;
  tick();
});
if (token) { sessionStorage.setItem("tandem-token", token); tick(); } else { document.getElementById("login").hidden = false; }
