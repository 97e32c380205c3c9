// Site overview: the KPI report of a period (GET /kpis) per factory and machine, and the energy
// review (GET /review): machines ranked by their share of each carrier, the significant energy uses.

import { api } from "../api.js";
import { categoryChart } from "../chart.js";
import { addDays, busy, el, field, figures, localDate, localMidnight, n, num, pct, row, select, site, table, time } from "../ui.js";

export function defaultPeriod(days = 7) {
  if (!site.span) return { from: "", to: "" };
  const first = localDate(site.span.start);
  const to = localDate(site.span.end, site.tz, true);
  let from = addDays(to, -days);
  if (from < first) from = first;
  return { from, to };
}

/** The period of a from/to pair of local dates, as RFC 3339 instants (empty: the API's default). */
export function period(from, to) {
  return { start: from ? localMidnight(from) : undefined, end: to ? localMidnight(to) : undefined };
}

export async function render(root, params) {
  const p = defaultPeriod(7);
  const from = el("input", { type: "date", id: "ov-from", name: "from", value: params.get("from") ?? p.from });
  const to = el("input", { type: "date", id: "ov-to", name: "to", value: params.get("to") ?? p.to });
  const factory = select({ id: "ov-factory", name: "factory" },
    [["", "all factories"], ...site.factories.map((f) => [f.id, `${f.name} (${f.id})`])], params.get("factory") ?? "");
  const show = el("button", { type: "submit" }, "Show");
  const out = el("div", { id: "ov-out" });
  const form = el("form", { class: "controls", "aria-label": "Period" },
    field("Factory", factory), field("From (local date)", from), field("To (exclusive)", to), show);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(show, () => load(out, factory.value, from.value, to.value));
  });
  root.append(el("h1", {}, "Site overview"), el("section", { class: "card" }, form), out);
  await busy(show, () => load(out, factory.value, from.value, to.value));
}

async function load(out, factoryId, from, to) {
  const q = { ...period(from, to), factory_id: factoryId || undefined };
  const [report, review] = await Promise.all([api.kpis(q), api.review(q)]);
  const names = new Map(site.machines.map((m) => [m.id, m.name]));
  const parts = [el("p", { class: "muted" }, `Period ${time(report.start)} to ${time(report.end)} (${site.tz}).`)];
  for (const f of report.factories) {
    parts.push(el("h2", {}, `Factory ${f.factory_id}: ${f.machine_count} machines`));
    parts.push(figures([
      ...f.by_carrier.flatMap((c) => [
        [`${c.carrier} energy`, `${num(c.energy_kwh, 0)} kWh`],
        [`${c.carrier} peak demand`, c.peak_demand ? `${num(c.peak_demand.peak_demand_kw, 1)} kW` : "–"],
      ]),
      ["Carbon", `${num(f.carbon_kg, 0)} kg CO₂e`],
    ]));
  }
  parts.push(el("h2", {}, "Machines"));
  parts.push(table("Energy and demand per machine", [
    "Machine", "Type", "Carrier", ["Energy (kWh)", true], ["Mean power (kW)", true], ["Peak demand (kW)", true],
    "Peak window start", ["Load factor", true], ["SEC (kWh/unit)", true], ["Carbon (kg)", true], ["Coverage", true],
  ], report.machines.map((m) => row([
    el("td", {}, el("a", { href: `#/machine?id=${encodeURIComponent(m.machine_id)}&from=${from}&to=${to}` }, names.get(m.machine_id) ?? m.machine_id)),
    m.machine_type, m.carrier, n(m.energy_kwh, 1), n(m.mean_power_kw, 2),
    n(m.peak_demand?.peak_demand_kw ?? null, 2), time(m.peak_demand?.start), n(m.load_factor, 3),
    n(m.sec_kwh_per_unit, 4), n(m.carbon_kg, 1), { v: pct(m.coverage), num: true },
  ], { "data-machine-id": m.machine_id })), { id: "kpi-table" }));
  parts.push(el("h2", {}, "Significant energy uses"));
  parts.push(el("p", { class: "muted" },
    `Machines ranked by their share of their carrier's energy; those making up the first ${pct(review.seu_share, 0)} are significant energy uses (ISO 50001 energy review).`));
  for (const c of review.by_carrier) {
    const ms = review.machines.filter((m) => m.carrier === c.carrier);
    parts.push(categoryChart({
      id: `pareto-${c.carrier}`,
      title: `${c.carrier}: ${num(c.energy_kwh, 0)} kWh`,
      unit: "kWh",
      barName: "energy (kWh)",
      highlightName: "significant energy use",
      bars: ms.map((m) => ({
        label: m.machine_id, value: m.energy_kwh, color: m.seu ? "var(--c2)" : "var(--c1)",
        sublabel: pct(m.share, 0),
        tip: `${names.get(m.machine_id) ?? m.machine_id}\n${num(m.energy_kwh, 1)} kWh, ${pct(m.share)} of ${c.carrier}\ncumulative ${pct(m.cumulative_share)}${m.seu ? "\nsignificant energy use" : ""}`,
      })),
      line: { name: "cumulative share", values: ms.map((m) => m.cumulative_share) },
      threshold: { name: `SEU line (${pct(review.seu_share, 0)})`, value: review.seu_share },
    }));
  }
  parts.push(table("Energy review", ["Machine", "Carrier", ["Energy (kWh)", true], ["Share", true], ["Cumulative", true], "SEU"],
    review.machines.map((m) => row([m.machine_id, m.carrier, n(m.energy_kwh, 1), { v: pct(m.share), num: true },
      { v: pct(m.cumulative_share), num: true }, m.seu ? el("span", { class: "fail" }, "yes") : "no"], { "data-machine-id": m.machine_id })),
    { id: "seu-table" }));
  out.replaceChildren(...parts);
}
