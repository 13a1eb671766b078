// The live view's page: one HTML document with its style and script, nothing loaded from
// elsewhere (a beamline's browser may have no internet). The script listens to /events and
// redraws what changed: pictures by version (fetched as /image/NAME.png), curves as inline SVG
// (log scale), the progress line and the notes. Element ids the CI test reads: #state,
// #updates (data-count), img#img-NAME (data-version), svg#curve-NAME (data-points).
#include "monitor/live_state.hpp"

namespace phasis::monitor {

const std::string& live_page_html() {
  static const std::string page = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phasis live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#16181d;color:#e6e6e6}
header{display:flex;flex-wrap:wrap;gap:1em;align-items:center;padding:.6em 1em;background:#22252c}
h1{font-size:1.1em;margin:0}
#progress{font-variant-numeric:tabular-nums}
#state{padding:.15em .6em;border-radius:.8em;background:#2f6f3e}
#state.paused{background:#8a6d1c}#state.stopping,#state.stopped,#state.failed{background:#8a2c2c}#state.done{background:#345a8a}
#state.lost{background:#555}
button{background:#394050;color:#eee;border:1px solid #556;border-radius:.3em;padding:.3em .9em;cursor:pointer}
button:hover{background:#4a5366}
main{display:flex;flex-wrap:wrap;gap:1em;padding:1em}
figure{margin:0;background:#20232a;padding:.5em;border-radius:.4em}
figcaption{font-size:.85em;color:#aab;margin-bottom:.3em}
figure img{display:block;image-rendering:pixelated;height:280px;width:auto;max-width:46vw;object-fit:contain}
svg{background:#1b1e24}
#info,#notes{font-size:.8em;color:#99a;padding:0 1em}
#notes div{border-left:2px solid #556;padding-left:.5em;margin:.2em 0}
</style></head><body>
<header><h1 id="title">phasis</h1><span id="state">connecting</span>
<span id="progress"></span>
<button id="pause">pause</button><button id="resume">resume</button><button id="stop">stop and save</button>
<span id="updates" data-count="0"></span></header>
<div id="info"></div>
<main id="main"><div id="curves"></div></main>
<div id="notes"></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
function url(path, extra) {
  const q = [];
  if (extra) q.push(extra);
  if (token) q.push("token=" + encodeURIComponent(token));
  return path + (q.length ? "?" + q.join("&") : "");
}
const $ = id => document.getElementById(id);
const series = {};
const order = ["object_phase", "object_amplitude", "probe", "coverage"];
let updates = 0, occupancy = "";
function fmt(v, digits) {
  if (v === null || v === undefined) return "-";
  if (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0)) return v.toExponential(digits || 3);
  return v.toFixed(digits || 3);
}
function duration(s) {
  if (s === null || s < 0) return "?";
  if (s < 90) return s.toFixed(0) + " s";
  if (s < 5400) return (s / 60).toFixed(0) + " min";
  return (s / 3600).toFixed(1) + " h";
}
function figure(name, title) {
  let img = $("img-" + name);
  if (!img) {
    const fig = document.createElement("figure");
    fig.id = "fig-" + name;
    const cap = document.createElement("figcaption");
    cap.id = "cap-" + name;
    img = document.createElement("img");
    img.id = "img-" + name;
    img.alt = title;
    fig.append(cap, img);
    const main = $("main"), rank = n => { const i = order.indexOf(n); return i < 0 ? 99 : i; };
    const after = [...main.querySelectorAll(":scope > figure")].find(f => rank(f.id.slice(4)) > rank(name));
    main.insertBefore(fig, after || $("curves"));
  }
  return img;
}
function drawCurve(name) {
  const values = series[name], W = 560, H = 220, L = 56, B = 24;
  let svg = $("curve-" + name);
  if (!svg) {
    const fig = document.createElement("figure");
    const cap = document.createElement("figcaption");
    cap.textContent = name + " per step (log scale)";
    svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.id = "curve-" + name;
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    fig.append(cap, svg);
    $("curves").append(fig);
  }
  const pos = values.map((v, i) => [i, v]).filter(p => p[1] !== null && p[1] > 0);
  svg.setAttribute("data-points", values.length);
  if (pos.length === 0) { svg.innerHTML = ""; return; }
  const step = Math.max(1, Math.ceil(pos.length / 1500));
  const lo = Math.log10(Math.min(...pos.map(p => p[1]))), hi = Math.log10(Math.max(...pos.map(p => p[1])));
  const span = hi > lo ? hi - lo : 1, n = Math.max(values.length - 1, 1);
  const X = i => L + (W - L - 8) * i / n, Y = v => 8 + (H - B - 8) * (hi - Math.log10(v)) / span;
  const pts = [];
  for (let k = 0; k < pos.length; k += step) pts.push(X(pos[k][0]).toFixed(1) + "," + Y(pos[k][1]).toFixed(1));
  const last = pos[pos.length - 1];
  pts.push(X(last[0]).toFixed(1) + "," + Y(last[1]).toFixed(1));
  svg.innerHTML =
    '<line x1="' + L + '" y1="8" x2="' + L + '" y2="' + (H - B) + '" stroke="#556"/>' +
    '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - 8) + '" y2="' + (H - B) + '" stroke="#556"/>' +
    '<text x="4" y="16" fill="#aab" font-size="11">' + fmt(Math.pow(10, hi), 2) + '</text>' +
    '<text x="4" y="' + (H - B) + '" fill="#aab" font-size="11">' + fmt(Math.pow(10, lo), 2) + '</text>' +
    '<text x="' + L + '" y="' + (H - 6) + '" fill="#aab" font-size="11">1</text>' +
    '<text x="' + (W - 40) + '" y="' + (H - 6) + '" fill="#aab" font-size="11">' + values.length + '</text>' +
    '<polyline fill="none" stroke="#6fb3ff" stroke-width="1.5" points="' + pts.join(" ") + '"/>';
}
function onEvent(m) {
  updates++;
  $("updates").dataset.count = updates;
  $("updates").textContent = updates + " updates";
  const st = $("state");
  st.textContent = m.state; st.className = m.state;
  if (m.title) { $("title").textContent = m.title; document.title = m.title + " - phasis live"; }
  if (m.info) $("info").textContent = Object.entries(m.info).map(e => e[0] + ": " + e[1]).join("  |  ");
  const p = m.progress;
  if (p && p.task !== undefined) {
    const vals = Object.entries(p.values || {});
    occupancy = vals.filter(e => e[0].endsWith("%")).map(e => e[1].toFixed(1) + "%").join(" ");
    const shown = vals.filter(e => !e[0].endsWith("%")).map(e => e[0] + " " + fmt(e[1])).join(", ");
    $("progress").textContent = p.task + " " + p.done + "/" + p.total + " " + p.unit + ", " +
      fmt(p.rate, 2) + " " + p.unit + "/s, ETA " + duration(p.eta) + (shown ? ", " + shown : "");
  }
  for (const [name, s] of Object.entries(m.series || {})) {
    const v = series[name] || (series[name] = []);
    v.length = s.from;
    v.push(...s.points);
    drawCurve(name);
  }
  for (const pic of m.pictures || []) {
    const img = figure(pic.name, pic.title);
    img.src = url("image/" + pic.name + ".png", "v=" + pic.version);
    img.dataset.version = pic.version;
    img.dataset.step = pic.step;
    $("cap-" + pic.name).textContent = pic.title + " (step " + (pic.step + 1) + ", " + pic.w + " x " + pic.h + ")";
  }
  if (occupancy && $("cap-probe")) $("cap-probe").textContent = $("cap-probe").textContent.replace(/ occupancy.*$/, "") + " occupancy " + occupancy;
  for (const text of m.notes || []) {
    const d = document.createElement("div");
    d.textContent = text;
    $("notes").append(d);
  }
}
function control(what) {
  fetch(url("control/" + what), {method: "POST", headers: {"X-Phasis-Control": "1"}});
}
$("pause").onclick = () => control("pause");
$("resume").onclick = () => control("resume");
$("stop").onclick = () => control("stop");
const events = new EventSource(url("events"));
events.onmessage = e => onEvent(JSON.parse(e.data));
events.onerror = () => {
  const st = $("state");
  if (!["done", "stopped", "failed"].includes(st.className)) { st.textContent = "connection lost"; st.className = "lost"; }
};
</script></body></html>
)PAGE";
  return page;
}

}  // namespace phasis::monitor
