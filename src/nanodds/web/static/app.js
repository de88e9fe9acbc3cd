// nanodds web pages: a thin layer over the JSON API (no framework). Scenario text is data: it is sent to the
// server, which parses it with a safe YAML loader; nothing typed here is ever executed.
"use strict";

function token() { return localStorage.getItem("nanoddsToken") || ""; }
function initToken() {
  const el = document.getElementById("token");
  if (!el) return;
  el.value = token();
  el.addEventListener("change", () => localStorage.setItem("nanoddsToken", el.value));
}

async function api(path, opts = {}) {
  opts.headers = Object.assign({}, opts.headers || {});
  if (token()) opts.headers["Authorization"] = "Bearer " + token();
  if (opts.json !== undefined) {
    opts.body = JSON.stringify(opts.json);
    opts.headers["Content-Type"] = "application/json";
    delete opts.json;
  }
  const res = await fetch(path, opts);
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new Error(body && body.detail ? body.detail : String(body));
  return body;
}

function say(text, kind = "") {
  const el = document.getElementById("message");
  el.textContent = text;
  el.className = "message " + kind;
}

function el(tag, text) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }

function fmt(v) {
  if (v === null || v === undefined) return "-";
  return typeof v === "number" ? Number(v.toPrecision(4)).toString() : String(v);
}

// YAML scalar quoting for values typed in forms (always quoted: the server sees plain strings)
function q(s) { return JSON.stringify(String(s)); }

// ---- carrier designer ----------------------------------------------------------------------------------------
let CARRIERS = [];
async function initDesigner() {
  try {
    CARRIERS = await api("/api/carriers");
    const drugs = await api("/api/drugs");
    const ligands = await api("/api/ligands");
    const lig = document.getElementById("ligand");
    for (const l of ligands) { const o = el("option", l.type); o.title = `Kd ${l.kd.value} ${l.kd.unit}, ${l.density.value} per particle`; lig.appendChild(o); }
    const mat = document.getElementById("material");
    for (const c of CARRIERS) { const o = el("option", c.type); o.title = c.description; mat.appendChild(o); }
    mat.value = CARRIERS.some(c => c.type === "pegylated_liposome") ? "pegylated_liposome" : CARRIERS[0].type;
    mat.addEventListener("change", designerDefaults);
    const drug = document.getElementById("drug");
    for (const d of drugs) drug.appendChild(el("option", d));
    drug.value = drugs.includes("doxorubicin") ? "doxorubicin" : drugs[0];
    designerDefaults();
    for (const id of ["species", "tumour", "material", "diameter", "peg", "zeta", "ligand", "drug", "dose", "dose_unit", "infusion", "horizon"])
      document.getElementById(id).addEventListener("input", designerPreview);
    designerPreview();
  } catch (e) { say(e.message, "error"); }
}

function designerDefaults() {
  const c = CARRIERS.find(x => x.type === document.getElementById("material").value);
  if (!c) return;
  document.getElementById("diameter").value = c.defaults.diameter ? c.defaults.diameter.value : "";
  document.getElementById("peg").checked = !!c.pegylated;
  designerPreview();
}

function designerYaml() {
  const v = id => document.getElementById(id).value.trim();
  const lines = [
    `name: ${q(v("material") + " " + v("diameter") + " nm " + v("drug") + ", " + v("species"))}`,
    `species: ${q(v("species"))}`,
    `drug: ${q(v("drug"))}`,
    `carrier: {type: ${q(v("material"))}, diameter: ${q(v("diameter") + " nm")}, pegylated: ${document.getElementById("peg").checked}` +
      (v("zeta") ? `, zeta: ${q(v("zeta") + " mV")}` : "") + (v("ligand") !== "none" ? `, ligand: ${q(v("ligand"))}` : "") + `}`,
    `regimen:`,
    `  - {route: iv_infusion, dose: ${q(v("dose") + " " + v("dose_unit"))}, duration: ${q(v("infusion") + " h")}}`,
  ];
  if (v("tumour")) lines.push(`tumour: {volume: ${q(v("tumour") + " mL")}}`);
  lines.push(`simulation: {duration: ${q(v("horizon") + " h")}, points: 301}`);
  return lines.join("\n") + "\n";
}

function designerPreview() { document.getElementById("yaml-preview").textContent = designerYaml(); }

async function designerCompare() {
  try {
    const job = await api("/api/runs/compare", { method: "POST", json: { scenario: designerYaml() } });
    location.href = "/runs/" + job.id;
  } catch (e) { say(e.message, "error"); }
}

function designerToEditor() {
  sessionStorage.setItem("nanoddsScenario", designerYaml());
  location.href = "/editor";
}

// ---- scenario editor -----------------------------------------------------------------------------------------
async function initEditor() {
  const stored = sessionStorage.getItem("nanoddsScenario");
  if (stored) { document.getElementById("scenario").value = stored; sessionStorage.removeItem("nanoddsScenario"); }
  try {
    const saved = await api("/api/scenarios");
    const sel = document.getElementById("saved");
    for (const s of saved) { const o = el("option", `${s.id}: ${s.name}`); o.value = s.id; sel.appendChild(o); }
  } catch (e) { say(e.message, "error"); }
}

function scenarioText() { return document.getElementById("scenario").value; }

async function editorCheck() {
  try {
    const r = await api("/api/scenarios/validate", { method: "POST", json: { yaml: scenarioText() } });
    if (r.warnings.length) say("ok: " + r.name + "\nwarning: " + r.warnings.join("\nwarning: "), "warning");
    else say("ok: " + r.name + " (" + r.species + ", " + r.drug + (r.carrier ? ", " + r.carrier : "") + ")");
  } catch (e) { say(e.message, "error"); }
}

async function editorSave() {
  try {
    const r = await api("/api/scenarios", { method: "POST", json: { yaml: scenarioText() } });
    say(`saved as scenario ${r.id} (${r.name})`);
  } catch (e) { say(e.message, "error"); }
}

async function editorLoad(id) {
  if (!id) return;
  try { document.getElementById("scenario").value = (await api("/api/scenarios/" + id)).yaml; }
  catch (e) { say(e.message, "error"); }
}

async function editorRun(kind) {
  try {
    const job = await api("/api/runs/" + kind, { method: "POST", json: { scenario: scenarioText() } });
    location.href = "/runs/" + job.id;
  } catch (e) { say(e.message, "error"); }
}

// ---- release fit ---------------------------------------------------------------------------------------------
async function releaseFit() {
  const f = document.getElementById("file").files[0];
  if (!f) { say("file: got nothing; allowed: a CSV file", "error"); return; }
  try {
    const form = new FormData();
    form.append("file", f);
    form.append("kind", "release");
    const ds = await api("/api/datasets", { method: "POST", body: form });
    const job = await api("/api/runs/release-fit", { method: "POST", json: {
      dataset_id: ds.id, rank_by: document.getElementById("rank_by").value,
      weight: document.getElementById("weight").value } });
    location.href = "/runs/" + job.id;
  } catch (e) { say(e.message, "error"); }
}

// ---- population ----------------------------------------------------------------------------------------------
async function populationRun() {
  try {
    const job = await api("/api/runs/population", { method: "POST", json: {
      scenario: scenarioText(), n: parseInt(document.getElementById("n").value, 10),
      seed: parseInt(document.getElementById("seed").value, 10) } });
    location.href = "/runs/" + job.id;
  } catch (e) { say(e.message, "error"); }
}

// ---- catalogue -----------------------------------------------------------------------------------------------
async function initCatalogue() {
  try {
    const body = document.querySelector("#catalogue tbody");
    for (const p of await api("/api/catalogue")) {
      const tr = el("tr");
      for (const v of [p.brand, p.drugs.join(", "), p.carrier, p.size_nm, p.year, p.agency]) tr.appendChild(el("td", fmt(v)));
      const td = el("td");
      const show = el("button", "details");
      show.onclick = async () => {
        try { document.getElementById("product").textContent = JSON.stringify(await api("/api/catalogue/" + p.key), null, 1); }
        catch (e) { say(e.message, "error"); }
      };
      td.appendChild(show);
      if (p.simulable && !p.combination) {
        const run = el("button", "run vs conventional");
        run.onclick = async () => {
          try { location.href = "/runs/" + (await api("/api/runs/compare", { method: "POST", json: { product: p.key } })).id; }
          catch (e) { say(e.message, "error"); }
        };
        td.appendChild(run);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    }
  } catch (e) { say(e.message, "error"); }
}

// ---- runs ----------------------------------------------------------------------------------------------------
async function initRuns() {
  try {
    const body = document.querySelector("#runs tbody");
    for (const r of await api("/api/runs")) {
      const tr = el("tr");
      const a = el("a", String(r.id)); a.href = "/runs/" + r.id;
      const td = el("td"); td.appendChild(a); tr.appendChild(td);
      for (const v of [r.kind, r.status, Math.round(100 * r.progress) + " %", r.error || r.message, r.created]) tr.appendChild(el("td", v));
      body.appendChild(tr);
    }
  } catch (e) { say(e.message, "error"); }
}

let RUN_ID = null;
async function initRun(id) {
  RUN_ID = id;
  let job;
  try { job = await api("/api/runs/" + id); } catch (e) { say(e.message, "error"); return; }
  document.getElementById("status").textContent = job.status;
  document.getElementById("progress").value = job.progress;
  document.getElementById("progress-text").textContent = `${Math.round(100 * job.progress)} % ${job.message || ""}`;
  document.getElementById("inputs").textContent = JSON.stringify(job.inputs, null, 1);
  if (job.status === "queued" || job.status === "running") { setTimeout(() => initRun(id), 500); return; }
  document.getElementById("cancel").hidden = true;
  if (job.status === "failed") { say(job.error, "error"); return; }
  if (job.status !== "done") return;
  if (job.result && job.result.warnings && job.result.warnings.length) say("warning: " + job.result.warnings.join("\nwarning: "), "warning");
  const rep = document.getElementById("report");
  rep.href = `/api/runs/${id}/report.html`;
  rep.hidden = false;
  const figs = await api(`/api/runs/${id}/figures`);
  const summary = document.getElementById("summary");
  if (figs.table.length) {
    const arms = Object.keys(figs.table[0].values);
    const t = el("table"); const h = el("tr");
    for (const c of ["metric", ...arms, "unit"]) h.appendChild(el("th", c));
    t.appendChild(h);
    for (const row of figs.table) {
      const tr = el("tr"); tr.appendChild(el("td", row.metric));
      for (const a of arms) tr.appendChild(el("td", fmt(row.values[a])));
      tr.appendChild(el("td", row.unit)); t.appendChild(tr);
    }
    summary.appendChild(t);
  }
  if (job.kind === "release_fit") summary.appendChild(releaseTable(job.result));
  if (!figs.figures.length && !figs.table.length) {
    const pre = el("pre", JSON.stringify(job.result, null, 1).slice(0, 20000)); summary.appendChild(pre);
  }
  const plots = document.getElementById("plots");
  figs.figures.forEach((f, i) => {
    const d = el("div"); d.className = "plot"; d.id = "plot" + i; plots.appendChild(d);
    Plotly.newPlot(d, f.data, f.layout, { responsive: true });
  });
}

function releaseTable(result) {
  const wrap = el("div");
  for (const [name, prof] of Object.entries(result.profiles)) {
    wrap.appendChild(el("h2", `${name}: ranked by ${result.rank_by}`));
    const t = el("table"); const h = el("tr");
    for (const c of ["rank", "model", result.rank_by, "R2adj", "status"]) h.appendChild(el("th", c));
    t.appendChild(h);
    for (const m of prof.models) {
      const tr = el("tr");
      for (const v of [m.rank, m.model, m.stats ? m.stats[result.rank_by] : null, m.stats ? m.stats.R2adj : null, m.status])
        tr.appendChild(el("td", fmt(v)));
      t.appendChild(tr);
    }
    wrap.appendChild(t);
  }
  return wrap;
}

async function cancelRun() {
  try { const r = await api(`/api/runs/${RUN_ID}/cancel`, { method: "POST" }); say("cancel: " + r.status); }
  catch (e) { say(e.message, "error"); }
}
