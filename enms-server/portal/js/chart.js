// Hand-written SVG charts: a time chart (lines, markers, bars and interval bands over time, with a
// hover guide and tooltip), a category chart (bars with a cumulative line, for a Pareto) and a
// scatter chart (points and curves against a numeric axis, e.g. energy against temperature).
// Axes carry ticks and units; every chart has a legend. Charts only draw the numbers they are
// given.

import { el, num, site, time } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 900;
const H = 300;
const M = { top: 28, right: 64, bottom: 42, left: 70 };
const PALETTE = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)", "var(--c5)"];

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    // colours from the style sheet's variables go through the CSSOM (not allowed in attributes)
    if ((k === "fill" || k === "stroke") && String(v).startsWith("var(")) node.style[k] = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => raw <= st) ?? 10 * mag;
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(12));
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

function tzOffset(ms) {
  const p = {};
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: site.tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
}

const HOUR = 3600e3;
const STEPS = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 168].map((h) => h * HOUR);

/** Time ticks aligned to the factory's wall clock (local midnights for days). */
function timeTicks(t0, t1) {
  const step = STEPS.find((st) => (t1 - t0) / st <= 8) ?? 24 * HOUR * Math.ceil((t1 - t0) / (8 * 24 * HOUR));
  const off = tzOffset(t0);
  const out = [];
  for (let t = Math.ceil((t0 + off) / step) * step - off; t <= t1; t += step) out.push(t);
  return { ticks: out, step };
}

function tickLabel(t, step) {
  const full = time(new Date(t).toISOString());
  if (step >= 24 * HOUR) return full.slice(5, 10);
  return full.slice(11) === "00:00" ? full.slice(5, 10) : full.slice(11);
}

function legend(items) {
  return el("ul", { class: "legend" }, items.map((it) =>
    el("li", {}, el("span", { class: "swatch", style: `background:${it.color}` }), it.name)));
}

const tip = () => document.getElementById("tooltip");

function showTip(evt, lines) {
  const t = tip();
  t.replaceChildren(...lines.map((l, i) => el("div", {}, i === 0 ? el("strong", {}, l) : l)));
  t.hidden = false;
  const x = Math.min(evt.clientX + 14, window.innerWidth - t.offsetWidth - 8);
  t.style.left = `${x}px`;
  t.style.top = `${evt.clientY + 14}px`;
}

function hideTip() {
  tip().hidden = true;
}

/** The frame of a chart: the <svg> with its title, the grid and the left value axis with its unit. */
function frame(spec, yt, y, ph, digits) {
  const svg = s("svg", {
    class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", id: spec.id,
    "aria-label": `${spec.title} (${spec.unit})`,
  });
  svg.append(s("title", {}, `${spec.title}, ${spec.unit}`));
  svg.append(s("text", { x: M.left, y: 16, class: "title" }, spec.title));
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const v of yt) {
    grid.append(s("line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    axis.append(s("text", { x: M.left - 6, y: y(v) + 4, "text-anchor": "end" }, num(v, digits)));
  }
  axis.append(s("text", { x: 14, y: M.top + ph / 2, transform: `rotate(-90 14 ${M.top + ph / 2})`, "text-anchor": "middle" }, spec.unit));
  axis.append(s("line", { x1: M.left, x2: W - M.right, y1: M.top + ph, y2: M.top + ph }));
  axis.append(s("line", { x1: M.left, x2: M.left, y1: M.top, y2: M.top + ph }));
  svg.append(grid, axis);
  return { svg, axis };
}

/**
 * A chart over time.
 * spec: { title, unit, id, series: [{ name, kind: "line"|"bars"|"band", color, unit,
 *   points: [{ t, y }] (line), [{ t, t2, y }] (bars), [{ t, lo, hi }] (band), markers: bool }],
 *   thresholds: [{ name, y }] }
 * Times are epoch ms. Null values leave gaps.
 */
export function timeChart(spec) {
  const series = spec.series.map((sr, i) => ({ color: PALETTE[i % PALETTE.length], ...sr }));
  const ts = [];
  const ys = [];
  for (const sr of series) {
    for (const p of sr.points) {
      ts.push(p.t);
      if (p.t2 !== undefined) ts.push(p.t2);
      for (const v of [p.y, p.lo, p.hi]) if (v !== null && v !== undefined && Number.isFinite(v)) ys.push(v);
    }
  }
  for (const th of spec.thresholds ?? []) ys.push(th.y);
  if (series.some((sr) => sr.kind === "bars")) ys.push(0);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t) => M.left + (t1 === t0 ? pw / 2 : ((t - t0) / (t1 - t0)) * pw);
  const y = (v) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const { svg, axis } = frame(spec, yt, y, ph, Math.abs(y1 - y0) < 10 ? 1 : 0);
  const { ticks, step } = timeTicks(t0, t1);
  for (const t of ticks) {
    axis.append(s("line", { x1: x(t), x2: x(t), y1: M.top + ph, y2: M.top + ph + 5 }));
    axis.append(s("text", { x: x(t), y: M.top + ph + 18, "text-anchor": "middle" }, tickLabel(t, step)));
  }
  axis.append(s("text", { x: M.left + pw / 2, y: H - 4, "text-anchor": "middle" }, `time (${site.tz})`));
  if (y0 < 0 && y1 > 0) svg.append(s("line", { x1: M.left, x2: W - M.right, y1: y(0), y2: y(0), stroke: "#64748b" }));
  for (const sr of series) {
    const g = s("g", { class: `series ${sr.kind}`, "data-series": sr.name });
    if (sr.kind === "band") {
      const pts = sr.points.filter((p) => p.lo !== null && p.hi !== null);
      const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.hi).toFixed(1)}`).join("")
        + pts.slice().reverse().map((p) => `L${x(p.t).toFixed(1)},${y(p.lo).toFixed(1)}`).join("") + "Z";
      g.append(s("path", { d, fill: sr.color, stroke: "none", class: "band" }));
    } else if (sr.kind === "bars") {
      for (const p of sr.points) {
        const x0 = x(p.t);
        const w = Math.max(1, x(p.t2) - x0 - 1);
        const top = y(Math.max(p.y, 0));
        const r = s("rect", { class: "bar", x: x0.toFixed(1), y: top.toFixed(1), width: w.toFixed(1), height: Math.abs(y(p.y) - y(0)).toFixed(1), fill: sr.color });
        r.append(s("title", {}, `${time(new Date(p.t).toISOString())}: ${num(p.y, 2)} ${sr.unit ?? spec.unit}`));
        g.append(r);
      }
    } else {
      let d = "";
      let pen = false;
      for (const p of sr.points) {
        if (p.y === null || p.y === undefined || !Number.isFinite(p.y)) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`;
        pen = true;
      }
      g.append(s("path", { d, fill: "none", stroke: sr.color, "stroke-width": 1.8, class: "line" }));
      if (sr.markers !== false) {
        for (const p of sr.points) {
          if (p.y === null || p.y === undefined || !Number.isFinite(p.y)) continue;
          g.append(s("circle", { class: "point", cx: x(p.t).toFixed(1), cy: y(p.y).toFixed(1), r: 1.8, fill: sr.color }));
        }
      }
    }
    svg.append(g);
  }
  for (const th of spec.thresholds ?? []) {
    svg.append(s("line", { class: "threshold", x1: M.left, x2: W - M.right, y1: y(th.y), y2: y(th.y) }));
    svg.append(s("text", { x: W - M.right + 4, y: y(th.y) + 4 }, th.name));
  }
  // hover: a guide at the nearest time and the values of every series there
  const times = [...new Set(series.flatMap((sr) => sr.points.map((p) => p.t)))].sort((a, b) => a - b);
  const guide = s("line", { class: "guide", y1: M.top, y2: M.top + ph, visibility: "hidden" });
  const overlay = s("rect", { x: M.left, y: M.top, width: pw, height: ph, fill: "transparent", class: "overlay" });
  const lookup = series.map((sr) => new Map(sr.points.map((p) => [p.t, p])));
  overlay.addEventListener("mousemove", (evt) => {
    const box = svg.getBoundingClientRect();
    const px = ((evt.clientX - box.left) / box.width) * W;
    const t = t0 + ((px - M.left) / pw) * (t1 - t0);
    let best = times[0];
    for (const c of times) if (Math.abs(c - t) < Math.abs(best - t)) best = c;
    guide.setAttribute("x1", x(best));
    guide.setAttribute("x2", x(best));
    guide.setAttribute("visibility", "visible");
    const lines = [time(new Date(best).toISOString())];
    series.forEach((sr, i) => {
      const p = lookup[i].get(best);
      if (!p) return;
      const u = sr.unit ?? spec.unit;
      if (sr.kind === "band") lines.push(`${sr.name}: ${num(p.lo, 2)} – ${num(p.hi, 2)} ${u}`);
      else lines.push(`${sr.name}: ${num(p.y, 2)} ${u}`);
    });
    showTip(evt, lines);
  });
  overlay.addEventListener("mouseleave", () => {
    guide.setAttribute("visibility", "hidden");
    hideTip();
  });
  svg.append(guide, overlay);
  const items = series.map((sr) => ({ name: sr.name, color: sr.color }));
  for (const th of spec.thresholds ?? []) items.push({ name: th.name, color: "var(--err)" });
  return el("figure", { class: "figure" }, svg, legend(items));
}

/**
 * A category chart: bars (left axis, `unit`) and optionally a cumulative line in % on the right
 * axis with a horizontal line (the SEU line of a Pareto).
 * spec: { title, unit, id, bars: [{ label, value, color, tip }], line: { name, values (0..1) },
 *   threshold: { name, value (0..1) }, barName, highlightName }
 */
export function categoryChart(spec) {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom - 30;
  const yt = niceTicks(0, Math.max(...spec.bars.map((b) => b.value), 0));
  const y1 = yt[yt.length - 1];
  const y = (v) => M.top + ph - (v / y1) * ph;
  const yp = (v) => M.top + ph - v * ph;
  const bw = pw / spec.bars.length;
  const { svg, axis } = frame(spec, yt, y, ph, 0);
  if (spec.line) {
    axis.append(s("line", { x1: W - M.right, x2: W - M.right, y1: M.top, y2: M.top + ph }));
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      axis.append(s("text", { x: W - M.right + 6, y: yp(v) + 4 }, `${v * 100} %`));
    }
    axis.append(s("text", { x: W - 10, y: M.top + ph / 2, transform: `rotate(90 ${W - 10} ${M.top + ph / 2})`, "text-anchor": "middle" }, "cumulative share (%)"));
  }
  const bars = s("g", { class: "series bars" });
  spec.bars.forEach((b, i) => {
    const r = s("rect", {
      class: "bar", x: (M.left + i * bw + bw * 0.15).toFixed(1), y: y(b.value).toFixed(1),
      width: (bw * 0.7).toFixed(1), height: (y(0) - y(b.value)).toFixed(1), fill: b.color ?? PALETTE[0],
      "data-label": b.label, "data-value": b.value,
    });
    r.append(s("title", {}, b.tip ?? `${b.label}: ${num(b.value, 1)} ${spec.unit}`));
    r.addEventListener("mousemove", (evt) => showTip(evt, (b.tip ?? `${b.label}: ${num(b.value, 1)} ${spec.unit}`).split("\n")));
    r.addEventListener("mouseleave", hideTip);
    bars.append(r);
    const lx = M.left + i * bw + bw / 2;
    bars.append(s("text", { x: lx, y: M.top + ph + 14, "text-anchor": "middle" }, b.label.length > 18 ? `${b.label.slice(0, 17)}…` : b.label));
    if (b.sublabel) bars.append(s("text", { x: lx, y: M.top + ph + 28, "text-anchor": "middle" }, b.sublabel));
  });
  svg.append(bars);
  const items = [{ name: spec.barName ?? spec.unit, color: PALETTE[0] }];
  if (spec.highlightName) items.push({ name: spec.highlightName, color: "var(--c2)" });
  if (spec.line) {
    const d = spec.line.values.map((v, i) => `${i ? "L" : "M"}${(M.left + i * bw + bw / 2).toFixed(1)},${yp(v).toFixed(1)}`).join("");
    const g = s("g", { class: "series line", "data-series": spec.line.name });
    g.append(s("path", { d, fill: "none", stroke: "var(--c4)", "stroke-width": 2 }));
    spec.line.values.forEach((v, i) => g.append(s("circle", { class: "point", cx: M.left + i * bw + bw / 2, cy: yp(v), r: 3, fill: "var(--c4)" })));
    svg.append(g);
    items.push({ name: spec.line.name, color: "var(--c4)" });
  }
  if (spec.threshold) {
    svg.append(s("line", { class: "threshold", x1: M.left, x2: W - M.right, y1: yp(spec.threshold.value), y2: yp(spec.threshold.value) }));
    items.push({ name: spec.threshold.name, color: "var(--err)" });
  }
  return el("figure", { class: "figure" }, svg, legend(items));
}

/**
 * A scatter chart of y against a numeric x (e.g. daily energy against outdoor temperature):
 * points and lines, with numeric ticks and units on both axes, a legend and hover values.
 * spec: { title, unit (y), xLabel, xUnit, id, series: [{ name, kind: "points"|"line", color,
 *   points: [{ x, y, label }] }] }. Points carry data-series and a <title>; lines are drawn in
 *   the order of their points.
 */
export function scatterChart(spec) {
  const series = spec.series.map((sr, i) => ({ color: PALETTE[i % PALETTE.length], ...sr }));
  const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);
  const all = series.flatMap((sr) => sr.points).filter((p) => finite(p.x) && finite(p.y));
  const xt = niceTicks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  const yt = niceTicks(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)));
  const [x0, x1, y0, y1] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v) => M.left + ((v - x0) / (x1 - x0)) * pw;
  const y = (v) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const { svg, axis } = frame(spec, yt, y, ph, Math.abs(y1 - y0) < 10 ? 1 : 0);
  const xDigits = Math.abs(x1 - x0) < 10 ? 1 : 0;
  for (const v of xt) {
    axis.append(s("line", { x1: x(v), x2: x(v), y1: M.top + ph, y2: M.top + ph + 5 }));
    axis.append(s("text", { x: x(v), y: M.top + ph + 18, "text-anchor": "middle" }, num(v, xDigits)));
  }
  axis.append(s("text", { x: M.left + pw / 2, y: H - 4, "text-anchor": "middle" }, `${spec.xLabel} (${spec.xUnit})`));
  for (const sr of series) {
    const g = s("g", { class: `series ${sr.kind}`, "data-series": sr.name });
    const pts = sr.points.filter((p) => finite(p.x) && finite(p.y));
    if (sr.kind === "line") {
      const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join("");
      g.append(s("path", { d, fill: "none", stroke: sr.color, "stroke-width": 2, class: "line" }));
    } else {
      for (const p of pts) {
        const tipText = `${p.label ? `${p.label}\n` : ""}${spec.xLabel}: ${num(p.x, 1)} ${spec.xUnit}\n${sr.name}: ${num(p.y, 2)} ${spec.unit}`;
        const c = s("circle", { class: "point", cx: x(p.x).toFixed(1), cy: y(p.y).toFixed(1), r: 3.5, fill: sr.color });
        c.append(s("title", {}, tipText));
        c.addEventListener("mousemove", (evt) => showTip(evt, tipText.split("\n")));
        c.addEventListener("mouseleave", hideTip);
        g.append(c);
      }
    }
    svg.append(g);
  }
  return el("figure", { class: "figure" }, svg, legend(series.map((sr) => ({ name: sr.name, color: sr.color }))));
}
