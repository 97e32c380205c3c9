// Forecast: POST /forecast for a machine or a factory: the forecast per bucket with its prediction
// interval bands, each full local day's peak and, with a threshold, the hours at risk.

import { api } from "../api.js";
import { timeChart } from "../chart.js";
import { busy, carrierSelect, el, field, figures, n, num, pct, row, select, site, table, time } from "../ui.js";

export async function render(root, params) {
  const target = select({ id: "f-target", name: "target" }, [
    ...site.factories.map((f) => [`factory:${f.id}`, `Factory ${f.name} (${f.id})`]),
    ...site.machines.map((m) => [`machine:${m.id}`, `${m.name} (${m.id})`]),
  ], params.get("target") ?? `factory:${site.factories[0]?.id}`);
  const carrier = carrierSelect("f-carrier", params.get("carrier") ?? undefined);
  const horizon = el("input", { type: "number", id: "f-horizon", name: "horizon", min: 1, step: 1, value: params.get("horizon") ?? 48 });
  const bucket = select({ id: "f-bucket", name: "bucket" }, [["15m", "15 minutes"], ["1h", "1 hour"]], "1h");
  const threshold = el("input", { type: "number", id: "f-threshold", name: "threshold", min: 0, step: "any", placeholder: "none", value: params.get("threshold") ?? "" });
  const run = el("button", { type: "submit" }, "Forecast");
  const out = el("div", { id: "f-out" });
  const form = el("form", { class: "controls", "aria-label": "Forecast" },
    field("Target", target), field("Carrier (of a factory)", carrier), field("Horizon (buckets)", horizon), field("Bucket", bucket),
    field("Threshold (kWh per bucket)", threshold), run);
  const go = () => busy(run, () => load(out, target.value, carrier.value, horizon.value, bucket.value, threshold.value));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go();
  });
  root.append(el("h1", {}, "Forecast"), el("section", { class: "card" }, form), out);
  await go();
}

async function load(out, target, carrier, horizon, bucket, threshold) {
  const [kind, id] = target.split(/:(.*)/s);
  const body = { horizon: Number(horizon), bucket };
  body[kind === "factory" ? "factory_id" : "machine_id"] = id;
  if (kind === "factory" && carrier) body.carrier = carrier;
  if (threshold !== "") body.threshold = Number(threshold);
  const f = await api.forecast(body);
  const t = f.time.map((x) => Date.parse(x));
  const bands = [...f.intervals].sort((a, b) => b.level - a.level);
  const next = f.peaks[0];
  const parts = [
    figures([
      ["Model", f.model, "f-model"],
      ["Carrier", f.carrier.replace(/_/g, " "), "f-carrier-used"],
      ["History", `${time(f.history.start)} to ${time(f.history.end)}, ${f.history.steps} buckets, ${f.history.missing} missing`],
      [next ? `Peak of ${next.date}` : "Peak of the next full day", next ? `${num(next.peak, 2)} kWh per ${f.bucket}` : "– (no full day in the horizon)", "f-next-peak"],
      ["at", next ? time(next.peak_at) : "–"],
      ["upper bound", next ? `${num(next.peak_upper, 2)} kWh` : "–"],
      ...(body.threshold !== undefined && next ? [["Hours at risk that day", String(next.at_risk.length), "f-at-risk"]] : []),
    ]),
    timeChart({
      id: "forecast-chart",
      title: `Forecast of ${f.target}, kWh per ${f.bucket}`,
      unit: "kWh",
      series: [
        ...bands.map((b, i) => ({
          name: `${Math.round(b.level * 100)} % prediction interval`, kind: "band",
          color: i === 0 ? "var(--band)" : "var(--band2)",
          points: t.map((x, j) => ({ t: x, lo: b.lower[j], hi: b.upper[j] })),
        })),
        { name: "forecast", kind: "line", color: "var(--c1)", points: t.map((x, j) => ({ t: x, y: f.forecast[j] })) },
      ],
      thresholds: body.threshold !== undefined ? [{ name: "threshold", y: body.threshold }] : [],
    }),
  ];
  parts.push(table("Daily peaks (full local days of the horizon)",
    ["Day", ["Peak (kWh)", true], "At", ["Upper bound (kWh)", true], ["Buckets at risk", true], ["Expected exceedances", true]],
    f.peaks.map((p) => row([p.date, n(p.peak, 2), time(p.peak_at), n(p.peak_upper, 2), n(p.at_risk.length, 0), n(p.expected_exceedances, 2)])),
    { id: "peaks-table" }));
  const risks = f.peaks.flatMap((p) => p.at_risk);
  if (body.threshold !== undefined) {
    parts.push(risks.length
      ? table(`Hours at risk of exceeding ${num(body.threshold, 1)} kWh`, ["Bucket", ["Forecast (kWh)", true], ["Upper (kWh)", true], ["Probability", true]],
        risks.map((r) => row([time(r.time), n(r.forecast, 2), n(r.upper, 2), { v: pct(r.probability), num: true }])), { id: "risk-table" })
      : el("p", { id: "risk-none" }, `No bucket is at risk of exceeding ${num(body.threshold, 1)} kWh.`));
  }
  out.replaceChildren(...parts);
}
