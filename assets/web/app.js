// The narcodoor policy lab page: levers from /api/scenarios/{name}/parameters, runs through
// /api/runs and their server-sent events, charts drawn as SVG. Plain JavaScript written for
// narcodoor; nothing is loaded from elsewhere.
"use strict";

const SCHEDULE_KEYS = ["start_month", "end_month", "ramp_months", "regions", "enabled"];
const SERIES = [
  ["members", "Cartel members"],
  ["recruits", "Recruits per month"],
  ["homicide_rate", "Homicide rate (per 100,000 per year)"],
  ["spending_total", "Policy spending (pesos per month)"],
];
const SVG = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);
let levers = [];     // {path, lever, input, initial, kind}
let toggles = [];    // {lever, input, initial}
let source = null;   // the EventSource of the current run
let runId = null;
let months = [];     // month events received

function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e6) return x.toLocaleString("en");
  if (a >= 1e9) return (x / 1e9).toFixed(2) + " G";
  if (a >= 1e6) return (x / 1e6).toFixed(2) + " M";
  if (a >= 1e4) return Math.round(x).toLocaleString("en");
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function setStatus(text) { $("status").textContent = text; }
function showError(text) {
  const e = $("error");
  e.textContent = text || "";
  e.hidden = !text;
}

async function getJson(url, options) {
  const r = await fetch(url, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

// A slider's range: the key's bounds where it has them, else up to four times its value.
function range(p) {
  const v = Number(p.value), d = Number(p.default);
  const min = p.min ?? Math.min(0, v);
  let max = p.max;
  if (max === null || max === undefined || max > 1e6) {
    max = Math.max(4 * Math.max(Math.abs(v), Math.abs(d)), min + 1);
    if (p.kind === "integer") max = Math.ceil(max);
  }
  const step = p.kind === "integer" ? 1 : (max - min) / 100;
  return { min, max, step };
}

function leverSlider(p, lever, n) {
  const id = `lever-${n}`;
  const key = p.path.split(".").pop();
  const { min, max, step } = range(p);
  const div = document.createElement("div");
  div.className = "field slider";
  div.innerHTML = `<label for="${id}">${key.replace(/_/g, " ")}</label>
    <input type="range" id="${id}" name="${p.path}" min="${min}" max="${max}" step="${step}"
      value="${p.value}" aria-describedby="${id}-meaning">
    <output for="${id}" id="${id}-out"></output>
    <p class="meaning" id="${id}-meaning"><span class="unit"></span> <span class="text"></span></p>`;
  div.querySelector(".unit").textContent = p.unit ? `[${p.unit}]` : "";
  div.querySelector(".text").textContent = p.meaning;
  const input = div.querySelector("input");
  const out = div.querySelector("output");
  const show = () => { out.textContent = `${fmt(Number(input.value))} ${p.unit}`; };
  input.addEventListener("input", () => {
    show();
    const t = toggles.find((x) => x.lever === lever);
    if (t) t.input.checked = true;
  });
  show();
  levers.push({ path: p.path, lever, input, initial: String(input.value), kind: p.kind });
  return div;
}

function leverBox(name, params, meaning, n) {
  const box = document.createElement("fieldset");
  box.className = "lever";
  const legend = document.createElement("legend");
  legend.textContent = name.replace(/_/g, " ");
  box.appendChild(legend);
  const note = document.createElement("p");
  note.className = "meaning";
  note.textContent = meaning;
  box.appendChild(note);
  const on = params.length > 0 && params[0].enabled === true;
  const tid = `toggle-${name}`;
  const t = document.createElement("div");
  t.className = "field toggle";
  t.innerHTML = `<input type="checkbox" id="${tid}" name="policy.${name}.enabled"><label for="${tid}">lever on</label>`;
  const check = t.querySelector("input");
  check.checked = on;
  toggles.push({ lever: name, input: check, initial: on });
  box.appendChild(t);
  params.forEach((p, i) => box.appendChild(leverSlider(p, name, `${n}-${i}`)));
  return box;
}

async function loadScenario(name) {
  const params = await getJson(`/api/scenarios/${encodeURIComponent(name)}/parameters`);
  levers = [];
  toggles = [];
  const doors = $("doors");
  doors.innerHTML = "";
  const value = (path) => params.find((p) => p.path === path);
  const y = value("population.youths"), r = value("run.replicates"), m = value("run.months");
  if (y) $("youths").value = Math.min(Number(y.value), 100000);
  if (r) $("replicates").value = Math.min(Number(r.value), 4);
  if (m) $("months").value = m.value;
  leverGroups(params).forEach(([door, names], d) => {
    const fs = document.createElement("fieldset");
    fs.className = "door";
    const legend = document.createElement("legend");
    legend.textContent = door;
    fs.appendChild(legend);
    names.forEach(([lever, meaning], l) => {
      const own = params.filter((p) => p.lever === lever &&
        !SCHEDULE_KEYS.includes(p.path.split(".").pop()) && (p.kind === "number" || p.kind === "integer"));
      fs.appendChild(leverBox(lever, own, meaning, `${d}-${l}`));
    });
    doors.appendChild(fs);
  });
}

// The groups of levers as the parameters name them (each lever's `lever_group`, declared
// with the lever in the model), in the order they first appear: [[group, [[lever, meaning]]]].
function leverGroups(params) {
  const groups = [];
  params.forEach((p) => {
    if (!p.lever) return;
    let g = groups.find(([name]) => name === p.lever_group);
    if (!g) { g = [p.lever_group, []]; groups.push(g); }
    if (!g[1].some(([name]) => name === p.lever)) g[1].push([p.lever, p.lever_meaning]);
  });
  return groups;
}

function changes() {
  const set = {};
  toggles.forEach((t) => {
    if (t.input.checked !== t.initial) set[`policy.${t.lever}.enabled`] = t.input.checked;
  });
  levers.forEach((l) => {
    const t = toggles.find((x) => x.lever === l.lever);
    if (t && !t.input.checked) return;
    if (String(l.input.value) !== l.initial) set[l.path] = Number(l.input.value);
  });
  return set;
}

// ----- charts -----

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
  if (parent) parent.appendChild(e);
  return e;
}

function setupCharts() {
  const box = $("charts");
  box.innerHTML = "";
  SERIES.forEach(([key, title]) => {
    const fig = document.createElement("figure");
    fig.className = "chart";
    fig.id = `chart-${key}`;
    const svg = el("svg", { viewBox: "0 0 420 220", role: "img", "aria-label": title }, fig);
    el("g", { class: "plot" }, svg);
    const cap = document.createElement("figcaption");
    cap.textContent = title;
    fig.appendChild(cap);
    box.appendChild(fig);
  });
}

function ticks(lo, hi, n) {
  const span = hi - lo || 1;
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => span / s <= n) || 10 * mag;
  const out = [];
  // Whole multiples of the step, so that no tick reads "-0" or 0.30000000000000004.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * span; k++) out.push(k === 0 ? 0 : k * step);
  return out;
}

function drawChart(key) {
  const g = document.querySelector(`#chart-${key} g.plot`);
  g.innerHTML = "";
  if (months.length === 0) return;
  const L = 58, R = 410, T = 10, B = 190;
  const arms = ["baseline", "policy"];
  const xs = months.map((m) => m.month);
  let lo = Infinity, hi = -Infinity;
  months.forEach((m) => arms.forEach((a) => {
    const s = m[a][key];
    [s.lo, s.hi, s.mean].forEach((v) => { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
  }));
  if (!Number.isFinite(lo)) return;
  // All four series are counts, rates or money: never negative. Axes start at zero and
  // bands are clipped there (a t interval of a small count can reach below it).
  lo = 0;
  if (hi <= lo) hi = 1;
  const x0 = Math.min(...xs), x1 = Math.max(Math.max(...xs), x0 + 1);
  const X = (v) => L + (R - L) * (v - x0) / (x1 - x0);
  const Y = (v) => B - (B - T) * (v - lo) / (hi - lo);
  ticks(lo, hi, 5).forEach((v) => {
    el("line", { x1: L, x2: R, y1: Y(v), y2: Y(v), class: "grid" }, g);
    el("text", { x: L - 4, y: Y(v) + 4, class: "tick", "text-anchor": "end" }, g).textContent = fmt(v);
  });
  ticks(x0, x1, 6).forEach((v) => {
    el("text", { x: X(v), y: B + 16, class: "tick", "text-anchor": "middle" }, g).textContent = String(v);
  });
  el("text", { x: R, y: B + 28, class: "tick", "text-anchor": "end" }, g).textContent = "month";
  el("line", { x1: L, x2: R, y1: B, y2: B, class: "axis" }, g);
  arms.forEach((a) => {
    const pts = months.map((m) => [X(m.month), m[a][key]]);
    const up = pts.map(([x, s]) => `${x},${Y(Math.max(0, s.hi ?? s.mean))}`);
    const down = pts.map(([x, s]) => `${x},${Y(Math.max(0, s.lo ?? s.mean))}`).reverse();
    el("polygon", { points: up.concat(down).join(" "), class: `band ${a}` }, g);
    el("polyline", { points: pts.map(([x, s]) => `${x},${Y(s.mean)}`).join(" "), class: `line ${a}` }, g);
  });
}

function drawCharts() { SERIES.forEach(([key]) => drawChart(key)); }

// ----- results -----

const LABELS = {
  members: "members", recruits: "recruits", minor_recruits: "minor recruits", homicides: "homicides",
  homicide_rate: "homicide rate", prison: "in prison", school: "in school", idle: "idle",
  spending_total: "spending",
};
const STATS = { horizon: "at the horizon", total: "over the run (total)", mean: "over the run (mean)" };

// `spending_<lever>` rows (effects.csv's spending by lever) read as "spending on <lever>".
function metricLabel(metric) {
  if (LABELS[metric]) return LABELS[metric];
  if (metric.startsWith("spending_")) return `spending on ${metric.slice(9).replace(/_/g, " ")}`;
  return metric;
}

function costText(r) {
  if (r.cost_status === undefined) return "";
  if (r.cost_status === "averted" || r.cost_status === "no_extra_cost") {
    return `${fmt(r.cost_per_averted)} [${fmt(r.cost_per_averted_lo)}, ${fmt(r.cost_per_averted_hi)}] pesos`;
  }
  return r.cost_status.replace(/_/g, " ");
}

function pct(x) { return x === null || x === undefined ? "–" : `${Math.round(100 * x)}%`; }

// Under a posterior, the effect over draws of the row's metric and statistic (uncertainty.csv's
// columns), or empty cells where there is none (spending by lever).
function uncertainCells(u, r) {
  if (!u) return [];
  const e = u.effects.find((x) => x.metric === r.metric && x.statistic === r.statistic);
  if (!e) return ["", "", ""];
  return [`${fmt(e.mean)} [${fmt(e.lo)}, ${fmt(e.hi)}]`, pct(e.p_lower), pct(e.parameter_share)];
}

function showEffects(result) {
  const body = document.querySelector("#effects tbody");
  body.innerHTML = "";
  const u = result.uncertainty;
  document.querySelectorAll("#effects th.uncertain").forEach((th) => { th.hidden = !u; });
  result.effects.forEach((r) => {
    const tr = document.createElement("tr");
    const cells = [
      `${metricLabel(r.metric)} ${STATS[r.statistic] || r.statistic}`,
      fmt(r.baseline_mean), fmt(r.scenario_mean),
      `${fmt(r.difference)} [${fmt(r.difference_lo)}, ${fmt(r.difference_hi)}]`,
      r.change.replace(/_/g, " "), costText(r),
    ].concat(uncertainCells(u, r));
    cells.forEach((c, i) => {
      const td = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) td.scope = "row";
      td.textContent = c;
      tr.appendChild(td);
    });
    tr.className = r.change;
    body.appendChild(tr);
  });
  $("effects").hidden = false;
  $("effects-note").textContent =
    `${result.replicates} paired replicates, ${fmt(result.youths)} youths, ${result.months} months ` +
    `(${result.labels[1]} against ${result.labels[0]}); finished in ${result.seconds.toFixed(1)} s.` +
    (u ? ` Parameter uncertainty: ${u.draws} draws from ${u.file}, replicate r under draw r mod ${u.draws}.` : "");
  const ul = $("downloads");
  ul.innerHTML = "";
  result.files.forEach((f) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/api/runs/${runId}/files/${f}`;
    a.download = f;
    a.textContent = f;
    li.appendChild(a);
    ul.appendChild(li);
  });
}

function finish(text) {
  if (source) source.close();
  source = null;
  $("run").disabled = false;
  $("cancel").disabled = true;
  setStatus(text);
}

async function startRun(ev) {
  ev.preventDefault();
  showError("");
  const body = {
    scenario: $("scenario").value,
    set: changes(),
    youths: Number($("youths").value),
    replicates: Number($("replicates").value),
    months: Number($("months").value),
  };
  if (!$("posterior-field").hidden && $("posterior").checked) body.posterior = true;
  let reply;
  try {
    reply = await getJson("/api/runs", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
  } catch (e) {
    showError(e.message);
    return;
  }
  runId = reply.id;
  months = [];
  setupCharts();
  $("effects").hidden = true;
  $("downloads").innerHTML = "<li>Files appear when the run is done.</li>";
  $("run").disabled = true;
  $("cancel").disabled = false;
  setStatus("Queued…");
  source = new EventSource(`/api/runs/${runId}/events`);
  let total = body.months;
  source.addEventListener("start", (e) => {
    const s = JSON.parse(e.data);
    total = s.months;
    setStatus(`Running: burn-in of ${s.burn_in_months} months…`);
  });
  source.addEventListener("month", (e) => {
    months.push(JSON.parse(e.data));
    drawCharts();
    setStatus(`Running: month ${months.length} of ${total}`);
  });
  source.addEventListener("done", (e) => {
    showEffects(JSON.parse(e.data));
    finish("Done.");
  });
  source.addEventListener("failed", (e) => { showError(JSON.parse(e.data).error); finish("Failed."); });
  source.addEventListener("cancelled", () => finish("Cancelled."));
  source.onerror = () => { if (source && source.readyState === EventSource.CLOSED) finish("Connection lost."); };
}

async function cancelRun() {
  if (runId) await fetch(`/api/runs/${runId}`, { method: "DELETE" });
}

function resetLevers() {
  levers.forEach((l) => { l.input.value = l.initial; l.input.dispatchEvent(new Event("input")); });
  toggles.forEach((t) => { t.input.checked = t.initial; });
}

async function init() {
  setupCharts();
  try {
    const list = await getJson("/api/scenarios");
    const sel = $("scenario");
    list.forEach((s) => {
      const o = document.createElement("option");
      o.value = s.name;
      o.textContent = s.name;
      o.dataset.description = s.description;
      o.dataset.posterior = s.posterior ? "yes" : "";
      sel.appendChild(o);
    });
    if (list.some((s) => s.name === "baseline")) sel.value = "baseline";
    const describe = () => {
      const o = sel.selectedOptions[0];
      $("scenario-description").textContent = o ? o.dataset.description : "";
      // Only a scenario that ships a posterior can run under parameter uncertainty.
      $("posterior-field").hidden = !(o && o.dataset.posterior);
      $("posterior").checked = false;
    };
    sel.addEventListener("change", async () => { describe(); await loadScenario(sel.value); });
    describe();
    await loadScenario(sel.value);
    setStatus("Ready.");
  } catch (e) {
    showError(`Cannot load the scenarios: ${e.message}`);
  }
  $("controls").addEventListener("submit", startRun);
  $("cancel").addEventListener("click", cancelRun);
  $("reset").addEventListener("click", resetLevers);
}

init();
