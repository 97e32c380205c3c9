// Anomaly events: the stored events (GET /anomalies, filtered by status and machine), detection
// over a period (POST /machines/{id}/anomalies/detect) and the lifecycle buttons (POST
// /anomalies/{id}/acknowledge and /resolve), the list reloaded from the API after each step.

import { api } from "../api.js";
import { addDays, busy, el, field, localDate, machineOptions, n, row, select, site, table, time } from "../ui.js";
import { period } from "./overview.js";

const STATUSES = [["", "any status"], ["open", "open"], ["acknowledged", "acknowledged"], ["resolved", "resolved"]];

export async function render(root, params) {
  const status = select({ id: "an-status", name: "status" }, STATUSES, params.get("status") ?? "");
  const filterMachine = select({ id: "an-filter-machine", name: "machine" }, [["", "all machines"], ...machineOptions()], params.get("machine") ?? "");
  const who = el("input", { type: "text", id: "an-by", name: "by", value: "energy manager", required: true, autocomplete: "name" });
  const note = el("input", { type: "text", id: "an-note", name: "note", placeholder: "optional" });
  const listOut = el("div", { id: "an-list" });
  const refresh = el("button", { type: "submit" }, "Show");
  const reload = () => loadList(listOut, status.value, filterMachine.value, who, note);
  const filter = el("form", { class: "controls", "aria-label": "Filter events" },
    field("Status", status), field("Machine", filterMachine), field("Your name (acknowledge, resolve)", who), field("Note", note), refresh);
  filter.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(refresh, reload);
  });

  // detection
  const span = site.span;
  const last = span ? localDate(span.end, site.tz, true) : "";
  const first = span ? localDate(span.start) : "";
  const refEnd = span && addDays(first, 14) < last ? addDays(first, 14) : first;
  const machine = select({ id: "det-machine", name: "machine" }, machineOptions(),
    site.machines.find((m) => m.id.startsWith("injection"))?.id ?? site.machines[0]?.id);
  const method = select({ id: "det-method", name: "method" }, [["reference_model", "reference model (core pipeline)"], ["baseline_residual", "baseline residuals (sigma rules)"]], "reference_model");
  const baseline = select({ id: "det-baseline", name: "baseline" }, [], "");
  const from = el("input", { type: "date", id: "det-from", name: "from", value: refEnd });
  const to = el("input", { type: "date", id: "det-to", name: "to", value: last });
  const refFrom = el("input", { type: "date", id: "det-ref-from", name: "reference_from", value: first });
  const refTo = el("input", { type: "date", id: "det-ref-to", name: "reference_to", value: refEnd });
  const run = el("button", { type: "submit", id: "det-run" }, "Run detection");
  const detOut = el("div", { id: "det-out", "aria-live": "polite" });
  const fillBaselines = async () => {
    const bs = await api.baselines(machine.value);
    baseline.replaceChildren(...bs.map((b) => el("option", { value: b.id }, `${b.id}: ${b.period}, ${b.drivers.map((x) => x.name).join(", ")}${b.passed ? "" : " (failed gates)"}`)));
    // the newest baseline is selected; without one, only the reference model can run
    if (bs.length) baseline.value = String(bs[bs.length - 1].id);
    method.value = bs.length ? "baseline_residual" : "reference_model";
  };
  machine.addEventListener("change", () => busy(null, fillBaselines));
  const detect = el("form", { class: "controls", "aria-label": "Run detection" },
    field("Machine", machine), field("Method", method), field("Baseline (baseline residuals)", baseline),
    field("From", from), field("To (exclusive)", to), field("Reference from (reference model)", refFrom),
    field("Reference to", refTo), run);
  detect.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(run, async () => {
      const body = { ...period(from.value, to.value), method: method.value };
      if (method.value === "baseline_residual") {
        body.baseline_id = baseline.value === "" ? null : Number(baseline.value);
      } else {
        const r = period(refFrom.value, refTo.value);
        body.reference_start = r.start;
        body.reference_end = r.end;
      }
      const d = await api.detect(machine.value, body);
      detOut.replaceChildren(el("p", { id: "det-summary" },
        `${d.detector}: ${d.events.length} events found over ${d.periods} periods — ${d.created} created, ${d.updated} updated, ${d.unchanged} unchanged, ${d.kept_resolved} kept resolved.`));
      await reload();
    });
  });

  root.append(
    el("h1", {}, "Anomaly events"),
    el("section", { class: "card", "aria-label": "Detection" }, el("h2", {}, "Run detection"), detect, detOut),
    el("section", { class: "card", "aria-label": "Events" }, el("h2", {}, "Events"), filter, listOut),
  );
  await busy(null, async () => {
    await fillBaselines();
    await reload();
  });
}

async function loadList(out, status, machineId, who, note) {
  const events = await api.anomalies({ status: status || undefined, machine_id: machineId || undefined });
  const step = (fn, id) => (e) => busy(e.currentTarget, async () => {
    const body = { by: who.value };
    if (note.value) body.note = note.value;
    await fn(id, body);
    await loadList(out, status, machineId, who, note);
  });
  out.replaceChildren(events.length
    ? table(`${events.length} events`, [["Id", true], "Machine", "Start", "End", "Severity", ["Peak score", true], ["Periods", true], "Features", "Detector", "Status", "By", "Actions"],
      events.map((ev) => row([
        n(ev.id, 0), ev.machine_id, time(ev.start), time(ev.end),
        el("span", { class: `badge ${ev.severity}` }, ev.severity), n(ev.peak_score, 2), n(ev.points, 0),
        ev.features.join(", "), ev.detector.key,
        el("td", { class: "status" }, el("span", { class: `badge ${ev.status}` }, ev.status)),
        [ev.acknowledged_by, ev.resolved_by].filter(Boolean).join(", ") + (ev.note ? ` (${ev.note})` : ""),
        el("td", {},
          ev.status === "open" ? el("button", { type: "button", class: "ack", onclick: step(api.acknowledge, ev.id) }, "Acknowledge") : null,
          " ",
          ev.status !== "resolved" ? el("button", { type: "button", class: "resolve secondary", onclick: step(api.resolve, ev.id) }, "Resolve") : null),
      ], { "data-event-id": ev.id, "data-status": ev.status })), { id: "events-table" })
    : el("p", { id: "events-none" }, "No events match."));
}
