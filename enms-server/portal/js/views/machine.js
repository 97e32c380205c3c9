// Machine: power and energy per bucket from GET /machines/{id}/rollup for a period and a bucket
// width, and the machine's KPIs for the same period (GET /kpis?machine_id=).

import { api } from "../api.js";
import { timeChart } from "../chart.js";
import { busy, el, field, figures, machineOptions, num, pct, select, site, time } from "../ui.js";
import { defaultPeriod, period } from "./overview.js";

const BUCKETS = [["15m", "15 minutes"], ["1h", "1 hour"], ["4h", "4 hours"], ["1d", "1 day (local)"]];

export async function render(root, params) {
  const p = defaultPeriod(7);
  const machine = select({ id: "m-machine", name: "machine" }, machineOptions(), params.get("id") ?? site.machines[0]?.id);
  const from = el("input", { type: "date", id: "m-from", name: "from", value: params.get("from") ?? p.from });
  const to = el("input", { type: "date", id: "m-to", name: "to", value: params.get("to") ?? p.to });
  const bucket = select({ id: "m-bucket", name: "bucket" }, BUCKETS, params.get("bucket") ?? "1h");
  const show = el("button", { type: "submit" }, "Show");
  const out = el("div", { id: "m-out" });
  const form = el("form", { class: "controls", "aria-label": "Machine and period" },
    field("Machine", machine), field("From (local date)", from), field("To (exclusive)", to), field("Bucket", bucket), show);
  const run = () => busy(show, () => load(out, machine.value, from.value, to.value, bucket.value));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  root.append(el("h1", {}, "Machine"), el("section", { class: "card" }, form), out);
  await run();
}

async function load(out, machineId, from, to, bucket) {
  const q = period(from, to);
  const [rollup, report] = await Promise.all([
    api.rollup(machineId, { ...q, bucket }),
    api.kpis({ ...q, machine_id: machineId }),
  ]);
  const m = site.machines.find((x) => x.id === machineId);
  const k = report.machines[0];
  const buckets = rollup.buckets;
  const t = (iso) => Date.parse(iso);
  const parts = [
    el("h2", {}, `${m?.name ?? machineId}`),
    el("p", { class: "muted" }, `${m?.machine_type ?? ""}, ${m?.carrier ?? ""}, rated ${num(m?.rated_power_kw, 0)} kW · ${time(rollup.start)} to ${time(rollup.end)}, buckets of ${rollup.bucket}`),
    figures([
      ["Energy", `${num(rollup.energy_kwh, 1)} kWh`, "m-energy"],
      ["Peak demand", k?.peak_demand ? `${num(k.peak_demand.peak_demand_kw, 2)} kW` : "–", "m-peak"],
      ["Peak window", k?.peak_demand ? time(k.peak_demand.start) : "–"],
      ["Load factor", num(k?.load_factor, 3)],
      ["Coverage", pct(k?.coverage)],
      ["Buckets", String(buckets.length), "m-buckets"],
    ]),
  ];
  if (buckets.length) {
    parts.push(timeChart({
      id: "power-chart",
      title: `Power per ${rollup.bucket} bucket`,
      unit: "kW",
      series: [
        { name: "min – max power", kind: "band", color: "var(--band)", points: buckets.map((b) => ({ t: t(b.start), lo: b.min_power_kw, hi: b.max_power_kw })) },
        { name: "mean power", kind: "line", color: "var(--c1)", points: buckets.map((b) => ({ t: t(b.start), y: b.mean_power_kw })) },
      ],
    }));
    parts.push(timeChart({
      id: "energy-chart",
      title: `Energy per ${rollup.bucket} bucket`,
      unit: "kWh",
      series: [{ name: "energy", kind: "bars", color: "var(--c3)", points: buckets.map((b) => ({ t: t(b.start), t2: t(b.end), y: b.energy_kwh })) }],
    }));
  } else {
    parts.push(el("p", {}, "No buckets in this period."));
  }
  out.replaceChildren(...parts);
}
