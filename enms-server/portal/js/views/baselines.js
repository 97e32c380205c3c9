// Baselines (ISO 50006): the stored baselines (GET /baselines), one baseline's statistics,
// coefficients and gates (GET /baselines/{id}), training from a form (POST /baselines), the ranked
// driver candidates (POST /baselines/candidates), and the performance of a reporting period
// (GET /baselines/{id}/performance): actual vs adjusted baseline, CUSUM, EnPI and savings.

import { api } from "../api.js";
import { timeChart } from "../chart.js";
import { addDays, busy, el, field, figures, localDate, machineOptions, n, num, pct, row, select, site, table, time } from "../ui.js";
import { period } from "./overview.js";

const DRIVERS = ["production", "hdd", "cdd", "outdoor_temp_c", "indoor_temp_c", "humidity_pct", "pressure_hpa", "operating_hours", "day_type", "shift"];
const GATES = [["", "charter (default)"], ["sep", "SEP"], ["ashrae14-monthly", "ASHRAE 14 monthly"], ["ashrae14-daily", "ASHRAE 14 daily"], ["ashrae14-hourly", "ASHRAE 14 hourly"]];
const PERIODS = [["1d", "1 day"], ["1h", "1 hour"], ["1w", "1 week"], ["1mo", "1 month"]];

function defaults() {
  if (!site.span) return { trainFrom: "", trainTo: "", repFrom: "", repTo: "" };
  const first = localDate(site.span.start);
  const last = localDate(site.span.end, site.tz, true);
  const trainTo = addDays(first, 14) < last ? addDays(first, 14) : last;
  return { trainFrom: first, trainTo, repFrom: trainTo, repTo: last };
}

export async function render(root, params) {
  const d = defaults();
  const preferred = site.machines.find((m) => m.id.startsWith("injection"))?.id ?? site.machines[0]?.id;
  const listOut = el("div", { id: "bl-list" });
  const detail = el("section", { id: "baseline-detail", class: "card", "aria-label": "Baseline", hidden: true });

  // the training form
  const machine = select({ id: "bl-machine", name: "machine" }, machineOptions(), params.get("machine") ?? preferred);
  const from = el("input", { type: "date", id: "bl-from", name: "from", value: d.trainFrom });
  const to = el("input", { type: "date", id: "bl-to", name: "to", value: d.trainTo });
  const per = select({ id: "bl-period", name: "period" }, PERIODS, "1d");
  const gates = select({ id: "bl-gates", name: "gates" }, GATES, "");
  const boxes = DRIVERS.map((name) => el("input", { type: "checkbox", name: "driver", value: name, id: `drv-${name}`, checked: name === "production" || name === "day_type" }));
  const drivers = el("fieldset", {}, el("legend", {}, "Drivers"), boxes.map((b) => el("label", { for: b.id }, b, b.value)));
  const rank = el("button", { type: "button", id: "bl-rank", class: "secondary" }, "Rank driver candidates");
  const train = el("button", { type: "submit", id: "bl-train" }, "Train baseline");
  const candOut = el("div", { id: "bl-candidates" });
  const request = () => {
    const body = { machine_id: machine.value, ...period(from.value, to.value), period: per.value, drivers: boxes.filter((b) => b.checked).map((b) => b.value) };
    if (gates.value) body.gates = [gates.value];
    return body;
  };
  const form = el("form", { class: "controls", "aria-label": "Train a baseline" },
    field("Machine", machine), field("Training from", from), field("Training to (exclusive)", to),
    field("Period", per), field("Gates", gates), drivers, rank, train);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(train, async () => {
      const b = await api.train(request());
      await loadList(listOut, detail, d);
      await showBaseline(detail, b, d);
    });
  });
  rank.addEventListener("click", () => busy(rank, async () => {
    const body = request();
    body.drivers = boxes.map((b) => b.value).filter((v) => v !== "shift" || per.value === "1h");
    const c = await api.candidates(body);
    candOut.replaceChildren(
      el("p", { class: "muted" }, `Every set of up to three drivers fitted on ${c.periods_used} periods; recommended sets (gates passed, expected signs, no collinearity) first, then by adjusted R².`),
      table("Driver candidates", ["Rank", "Drivers", ["Adj. R²", true], ["AIC", true], ["Max VIF", true], "Recommended", "Problems", "Choose"],
        c.candidates.map((x, i) => row([
          n(i + 1, 0), x.drivers.join(", "), n(x.adj_r_squared, 4), n(x.aic, 1), n(x.max_vif, 2),
          x.recommended ? el("span", { class: "pass" }, "yes") : el("span", { class: "fail" }, "no"),
          x.problems.join("; "),
          el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => {
            for (const b of boxes) b.checked = x.drivers.includes(b.value);
          } }, "Use")),
        ], { "data-drivers": x.drivers.join(",") })), { id: "candidates-table" }));
  }));

  root.append(
    el("h1", {}, "Baselines"),
    el("section", { class: "card", "aria-label": "Stored baselines" }, el("h2", {}, "Stored baselines"), listOut),
    el("section", { class: "card", "aria-label": "Train" }, el("h2", {}, "Train a baseline"), form, candOut),
    detail,
  );
  await busy(null, async () => {
    const list = await loadList(listOut, detail, d);
    const wanted = params.get("id");
    if (wanted) await showBaseline(detail, await api.baseline(wanted), d);
    else if (list.length) await showBaseline(detail, await api.baseline(list[list.length - 1].id), d);
  });
}

async function loadList(out, detail, d) {
  const list = await api.baselines();
  out.replaceChildren(list.length
    ? table(null, [["Id", true], "Machine", "Period", "Training", "Drivers", "Gates", ["R²", true], ["CV(RMSE) %", true], ""],
      list.map((b) => row([
        n(b.id, 0), b.machine_id, b.period, `${time(b.start)} – ${time(b.end)}`, b.drivers.map((x) => x.name).join(", "),
        b.passed ? el("span", { class: "pass" }, "passed") : el("span", { class: "fail" }, "failed"),
        n(b.statistics.r_squared, 3), n(b.statistics.cv_rmse_pct, 1),
        el("td", {},
          el("button", { type: "button", class: "secondary", onclick: (e) => busy(e.currentTarget, async () => { await showBaseline(detail, await api.baseline(b.id), d); }) }, "Show"), " ",
          el("button", { type: "button", class: "secondary delete", onclick: (e) => busy(e.currentTarget, async () => {
            await api.deleteBaseline(b.id);
            // a deleted baseline is no longer shown
            if (detail.dataset.baselineId === String(b.id)) {
              detail.replaceChildren();
              detail.hidden = true;
              delete detail.dataset.baselineId;
            }
            await loadList(out, detail, d);
          }) }, "Delete")),
      ], { "data-baseline-id": b.id })), { id: "baselines-table" })
    : el("p", {}, "No baseline stored yet: train one below."));
  return list;
}

function showBaseline(detail, b, d) {
  const st = b.statistics;
  const conf = pct(st.confidence, 0);
  const perfOut = el("div", { id: "perf-out" });
  const repFrom = el("input", { type: "date", id: "perf-from", name: "from", value: d.repFrom });
  const repTo = el("input", { type: "date", id: "perf-to", name: "to", value: d.repTo });
  const level = el("input", { type: "number", id: "perf-confidence", name: "confidence", min: 0.5, max: 0.99, step: 0.01, value: 0.9 });
  const allow = el("input", { type: "checkbox", id: "perf-allow", name: "allow_failed_gates", checked: !b.passed });
  const report = el("button", { type: "submit", id: "perf-run" }, "Performance report");
  const form = el("form", { class: "controls", "aria-label": "Reporting period" },
    field("Reporting from", repFrom), field("Reporting to (exclusive)", repTo), field("Confidence", level),
    el("label", { for: "perf-allow" }, el("span", {}, "Allow failed gates"), allow), report);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(report, () => loadPerformance(perfOut, b, repFrom.value, repTo.value, level.value, allow.checked));
  });
  detail.replaceChildren(
    el("h2", {}, `Baseline ${b.id}: ${b.machine_id}`),
    el("p", { class: "muted" }, `Energy per ${b.period} (${b.timezone ?? "UTC"}) trained ${time(b.start)} to ${time(b.end)}; ${b.table.periods_used} of ${b.table.periods_total} periods used.`),
    figures([
      ["Gates", b.passed ? "passed" : "failed", "bl-passed"],
      ["R²", num(st.r_squared, 4), "bl-r2"],
      ["Adjusted R²", num(st.adj_r_squared, 4)],
      ["CV(RMSE)", `${num(st.cv_rmse_pct, 2)} %`, "bl-cvrmse"],
      ["NMBE", `${num(st.nmbe_pct, 3)} %`],
      ["F p-value", st.f_p_value === null ? "–" : st.f_p_value.toExponential(2)],
      ["Durbin-Watson", num(st.durbin_watson, 2)],
      ["n", String(st.n)],
    ]),
    table(`Coefficients (${conf} intervals)`, ["Term", ["Estimate", true], ["Std. error", true], ["t", true], ["p-value", true], [`CI low`, true], ["CI high", true], ["VIF", true]],
      st.coefficients.map((c) => row([c.name, n(c.estimate, 4), n(c.std_error, 4), n(c.t, 2),
        { v: c.p_value === null ? "–" : c.p_value.toExponential(2), num: true }, n(c.ci_low, 4), n(c.ci_high, 4), n(c.vif, 2)])),
      { id: "coef-table" }),
    table("Gates", ["Gate set", "Result", "Reasons"], b.gates.map((g) => row([
      g.set, g.passed ? el("span", { class: "pass" }, "passed") : el("span", { class: "fail" }, "failed"),
      g.failures.length ? el("ul", {}, g.failures.map((f) => el("li", {}, `${f.gate}: ${f.reason}`))) : "–",
    ])), { id: "gates-table" }),
    el("h3", {}, "Performance in a reporting period"),
    form,
    perfOut,
  );
  detail.hidden = false;
  detail.dataset.baselineId = b.id;
  // the default reporting period right away; the form asks for another
  return busy(report, () => loadPerformance(perfOut, b, repFrom.value, repTo.value, level.value, allow.checked));
}

async function loadPerformance(out, b, from, to, confidence, allow) {
  const p = await api.performance(b.id, { ...period(from, to), confidence, allow_failed_gates: allow ? "true" : undefined });
  out.replaceChildren(
    ...performanceParts(p, p.periods, b.period, "perf"),
  );
}

/**
 * The parts showing a performance report (a regression baseline's or a weather model's): the
 * totals, EnPI and savings with their interval, actual vs adjusted baseline and the CUSUM per
 * period (`rows`: `start`, `expected_kwh`, `actual_kwh`, `cusum_kwh`); ids start with `prefix`.
 */
export function performanceParts(p, rows, periodName, prefix) {
  const t = rows.map((x) => Date.parse(x.start));
  const savingsPct = p.savings_fraction === null ? "–" : pct(p.savings_fraction);
  const cusumId = prefix === "perf" ? "cusum-chart" : `${prefix}-cusum`;
  return [
    figures([
      ["Actual", `${num(p.total_actual_kwh, 1)} kWh`, `${prefix}-actual`],
      ["Adjusted baseline", `${num(p.total_expected_kwh, 1)} kWh`, `${prefix}-expected`],
      ["EnPI index (actual / expected)", num(p.enpi_index, 4), `${prefix}-enpi`],
      ["Savings", `${num(p.savings_kwh, 1)} kWh (${savingsPct})`, `${prefix}-savings`],
      [`Savings uncertainty (${pct(p.confidence, 0)})`, p.savings_uncertainty_kwh === null ? "–" : `± ${num(p.savings_uncertainty_kwh, 1)} kWh`, `${prefix}-uncertainty`],
      ["Savings interval", `${num(p.savings_low_kwh, 1)} to ${num(p.savings_high_kwh, 1)} kWh`, `${prefix}-interval`],
    ]),
    p.baseline_passed ? "" : el("p", { class: "fail" }, `The baseline failed its gates: ${p.baseline_failures.join("; ")}`),
    timeChart({
      id: `${prefix}-chart`, title: `Actual vs adjusted baseline, kWh per ${periodName}`, unit: "kWh",
      series: [
        { name: "actual", kind: "line", color: "var(--c2)", points: rows.map((x, i) => ({ t: t[i], y: x.actual_kwh })) },
        { name: "adjusted baseline (expected)", kind: "line", color: "var(--c1)", points: rows.map((x, i) => ({ t: t[i], y: x.expected_kwh })) },
      ],
    }),
    timeChart({
      id: cusumId, title: "CUSUM of actual − expected (below zero: savings)", unit: "kWh",
      series: [{ name: "CUSUM", kind: "line", color: "var(--c4)", points: rows.map((x, i) => ({ t: t[i], y: x.cusum_kwh })) }],
    }),
  ];
}
