// Weather model: POST /weather-models for a machine or a factory over a period: the core's
// change-point or daily model (by season and day type) of energy per local day against the day's
// mean outdoor temperature; its statistics and segments, energy against temperature with the
// fitted curve of each segment (points coloured by segment), and actual vs predicted per day.
// A model can be stored (save: true) as an energy baseline; the stored ones are listed and each
// reports the form's reporting period against itself (POST /weather-models/{id}/performance).

import { api } from "../api.js";
import { scatterChart, timeChart } from "../chart.js";
import { busy, carrierSelect, el, field, figures, localDate, n, num, row, select, site, table } from "../ui.js";
import { performanceParts } from "./baselines.js";
import { period } from "./overview.js";

const MODELS = [["daily", "Daily model by season and day type (eemeter 4)"], ["change_point", "Change-point model (3P/4P/5P)"]];
const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)", "var(--c5)", "var(--c6)"];

function defaults() {
  if (!site.span) return { from: "", to: "" };
  return { from: localDate(site.span.start), to: localDate(site.span.end, site.tz, true) };
}

export async function render(root, params) {
  const d = defaults();
  const target = select({ id: "wm-target", name: "target" }, [
    ...site.factories.map((f) => [`factory:${f.id}`, `Factory ${f.name} (${f.id})`]),
    ...site.machines.map((m) => [`machine:${m.id}`, `${m.name} (${m.id})`]),
  ], params.get("target") ?? `factory:${site.factories[0]?.id}`);
  const carrier = carrierSelect("wm-carrier", params.get("carrier") ?? undefined);
  const from = el("input", { type: "date", id: "wm-from", name: "from", value: params.get("from") ?? d.from });
  const to = el("input", { type: "date", id: "wm-to", name: "to", value: params.get("to") ?? d.to });
  // a reporting period (optional): its savings against the model
  const repFrom = el("input", { type: "date", id: "wm-rep-from", name: "rep_from", value: params.get("rep_from") ?? "" });
  const repTo = el("input", { type: "date", id: "wm-rep-to", name: "rep_to", value: params.get("rep_to") ?? "" });
  const model = select({ id: "wm-model", name: "model" }, MODELS, params.get("model") ?? "change_point");
  const options = el("input", { type: "text", id: "wm-options", name: "options", size: 36, placeholder: "{} (the core's defaults)", value: params.get("options") ?? "" });
  const save = el("input", { type: "checkbox", id: "wm-save", name: "save", checked: params.get("save") === "1" });
  const run = el("button", { type: "submit", id: "wm-run" }, "Fit weather model");
  const out = el("div", { id: "wm-out" });
  const stored = el("section", { class: "card", id: "wm-stored" });
  const form = el("form", { class: "controls", "aria-label": "Fit a weather model" },
    field("Target", target), field("Carrier (of a factory)", carrier), field("From", from), field("To (exclusive)", to), field("Model", model),
    field("Options (JSON)", options), field("Reporting from", repFrom), field("Reporting to (exclusive)", repTo),
    field("Store as energy baseline", save), run);
  const listStored = () => showStored(stored, () => ({ repFrom: repFrom.value, repTo: repTo.value }));
  const go = () => busy(run, async () => {
    const w = await load(out, {
      target: target.value, carrier: carrier.value, repFrom: repFrom.value, repTo: repTo.value, from: from.value, to: to.value, model: model.value, options: options.value, save: save.checked,
    });
    if (w?.id != null) await listStored();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go();
  });
  root.append(
    el("h1", {}, "Weather model"),
    el("p", { class: "muted" }, "Energy per local day against the day's mean outdoor temperature, fitted by enms-core: the change-point model searches heating and cooling balance points (mean, 3P, 4P, 5P); the daily model also splits the days by season and weekday/weekend when that pays, each segment with smoothed change points. A stored model is an energy baseline that stays as fitted: later periods are reported against it."),
    el("section", { class: "card" }, form),
    out,
    stored,
  );
  await busy(null, listStored);
  if (params.get("run") !== "0") await go();
}

/** The stored weather models, each with a button reporting the form's reporting period against it, and one deleting it. */
async function showStored(section, reporting) {
  const models = await api.weatherModels();
  const report = el("div", { id: "wm-stored-report" });
  const button = (m) => el("button", {
    type: "button", class: "secondary", "data-id": String(m.id),
    onclick: (e) => busy(e.currentTarget, async () => {
      const r = reporting();
      const body = period(r.repFrom, r.repTo);
      const p = await api.weatherReport(m.id, { reporting_start: body.start, reporting_end: body.end });
      report.replaceChildren(el("section", { class: "card", id: "wm-stored-perf", "data-id": String(m.id) },
        el("h2", {}, `Weather model #${m.id} (${m.target}, ${m.kind.replace(/_/g, " ")}): ${localDate(p.start)} to ${localDate(p.end)}`),
        ...performanceParts(p, p.days, "day", "wm-stored-perf")));
    }),
  }, "Report");
  const remove = (m) => el("button", {
    type: "button", class: "secondary delete", "data-id": String(m.id),
    onclick: (e) => busy(e.currentTarget, async () => {
      await api.deleteWeatherModel(m.id);
      await showStored(section, reporting);
    }),
  }, "Delete");
  section.replaceChildren(
    el("h2", {}, "Stored weather models"),
    models.length
      ? table("Report the reporting period above against a stored model", ["Id", "Target", "Carrier", "Model", "Training period", ["R²", true], ["CV(RMSE) %", true], ""],
        models.map((m) => row([`#${m.id}`, m.target, m.carrier.replace(/_/g, " "), m.kind.replace(/_/g, " "), `${localDate(m.start)} to ${localDate(m.end)}`,
          n(m.statistics?.r_squared, 4), n(m.statistics?.cv_rmse_pct, 2), el("td", {}, button(m), " ", remove(m))], { "data-id": String(m.id) })),
        { id: "wm-stored-table" })
      : el("p", { class: "muted" }, "None yet: tick \"Store as energy baseline\" when fitting."),
    report,
  );
}

/** The options typed as JSON (empty: none); a typo is an error shown like the API's. */
function parseOptions(text) {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    const err = new Error(`the options are not JSON: ${e.message}`);
    err.status = 0;
    err.code = "INVALID_OPTIONS";
    err.field = "options";
    throw err;
  }
}

const term = (t) => (t ? `${num(t.balance_c, 1)} °C · ${num(t.slope, 2)} kWh/°C${t.smoothing_c ? ` · k ${num(t.smoothing_c, 1)} °C` : ""}` : "–");

async function load(out, form) {
  const [kind, id] = form.target.split(/:(.*)/s);
  const body = { ...period(form.from, form.to), model: form.model };
  if (form.save) body.save = true;
  body[kind === "factory" ? "factory_id" : "machine_id"] = id;
  if (kind === "factory" && form.carrier) body.carrier = form.carrier;
  const options = parseOptions(form.options);
  if (options !== undefined) body.options = options;
  if (form.repFrom || form.repTo) {
    const rep = period(form.repFrom, form.repTo);
    body.reporting_start = rep.start;
    body.reporting_end = rep.end;
  }
  const w = await api.weatherModel(body);
  const color = new Map(w.segments.map((s, i) => [s.name, COLORS[i % COLORS.length]]));
  const st = w.statistics;
  const parts = [
    figures([
      ["Model", w.kind === "daily" ? `daily, ${w.segments.length} segment${w.segments.length === 1 ? "" : "s"}` : `change point, ${w.segments[0]?.kind}`, "wm-kind"],
      ["Carrier", w.carrier.replace(/_/g, " "), "wm-carrier-used"],
      ["Days used", `${w.table.periods_used} of ${w.table.periods_total}`, "wm-days"],
      ["n", String(st.n), "wm-n"],
      ["p (parameters)", String(st.p), "wm-p"],
      ["R²", num(st.r_squared, 4), "wm-r2"],
      ...(st.adj_r_squared !== null && st.adj_r_squared !== undefined ? [["Adjusted R²", num(st.adj_r_squared, 4), "wm-adj-r2"]] : []),
      ["CV(RMSE)", `${num(st.cv_rmse_pct, 2)} %`, "wm-cv"],
      ["NMBE", `${num(st.nmbe_pct, 2)} %`, "wm-nmbe"],
      ...(w.id != null ? [["Stored as", `weather model #${w.id}`, "wm-stored-id"]] : []),
    ]),
    table("Segments", ["Segment", "Days", "Seasons", "Shape", ["Base load (kWh/day)", true], "Heating: balance · slope", "Cooling: balance · slope", ["n", true], ["R²", true]],
      w.segments.map((s) => row([
        el("td", {}, el("span", { class: "swatch", style: `background:${color.get(s.name)}` }), s.name),
        s.day_type, s.seasons.length ? s.seasons.join(", ") : "all year", s.kind, n(s.intercept, 2),
        term(s.heating), term(s.cooling), n(s.n, 0), n(s.r_squared, 4),
      ], { "data-segment": s.name })), { id: "wm-segments" }),
  ];
  if (w.coefficients.length) {
    parts.push(table("Coefficients of the regression", ["Term", ["Estimate", true], ["Std. error", true], ["t", true], ["p-value", true], ["CI low", true], ["CI high", true]],
      w.coefficients.map((c) => row([c.name, n(c.estimate, 3), n(c.std_error, 3), n(c.t, 2), n(c.p_value, 4), n(c.ci_low, 3), n(c.ci_high, 3)])),
      { id: "wm-coefs" }));
  }
  parts.push(scatterChart({
    id: "wm-scatter",
    title: `Daily energy of ${w.target} against outdoor temperature`,
    unit: "kWh/day",
    xLabel: "mean outdoor temperature",
    xUnit: "°C",
    series: [
      ...w.segments.map((s) => ({
        name: w.segments.length > 1 ? `days ${s.name}` : "days",
        kind: "points",
        color: color.get(s.name),
        points: w.days.filter((x) => x.segment === s.name).map((x) => ({ x: x.outdoor_temp_c, y: x.actual_kwh, label: x.date })),
      })),
      ...w.curves.map((c) => ({
        name: w.curves.length > 1 ? `model ${c.segment}` : "model",
        kind: "line",
        color: color.get(c.segment),
        points: c.outdoor_temp_c.map((t, i) => ({ x: t, y: c.predicted_kwh[i] })),
      })),
    ],
  }));
  // the days left out break the lines
  const gaps = w.table.dropped.map((p) => ({ t: Date.parse(p.start), y: null }));
  const line = (key) => [...w.days.map((x) => ({ t: Date.parse(x.start), y: x[key] })), ...gaps].sort((a, b) => a.t - b.t);
  parts.push(timeChart({
    id: "wm-time",
    title: `Actual and predicted energy of ${w.target} per day`,
    unit: "kWh",
    series: [
      { name: "actual", kind: "line", color: "var(--c1)", points: line("actual_kwh") },
      { name: "predicted", kind: "line", color: "var(--c2)", points: line("predicted_kwh") },
    ],
  }));
  parts.push(table("Days", ["Date", "Segment", ["Outdoor temperature (°C)", true], ["Actual (kWh)", true], ["Predicted (kWh)", true]],
    w.days.map((x) => row([x.date, x.segment, n(x.outdoor_temp_c, 1), n(x.actual_kwh, 1), n(x.predicted_kwh, 1)], { "data-date": x.date })),
    { id: "wm-days-table" }));
  if (w.table.dropped.length) {
    parts.push(table("Days left out (too little data)", ["Day starting", "Columns short (coverage)"],
      w.table.dropped.map((p) => row([localDate(p.start), p.shortfalls.map((s) => `${s.column} (${num(s.coverage * 100, 0)} %)`).join(", ")])),
      { id: "wm-dropped" }));
  }
  if (w.performance) {
    const p = w.performance;
    parts.push(el("section", { class: "card", id: "wm-perf" },
      el("h2", {}, `Reporting period ${localDate(p.start)} to ${localDate(p.end)}: savings against the model`),
      ...performanceParts(p, p.days, "day", "wm-perf")));
  }
  out.replaceChildren(...parts);
  return w;
}
