// Small DOM helpers shared by the views: element building, number and time formatting in the
// factory's time zone, tables, the error banner, and the site state (factories, machines, span).

/** Builds an element: el("td", { class: "num" }, "12.3"). Attributes starting with "on" are listeners. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") node.style.cssText = v; // through the CSSOM: the CSP refuses style attributes
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A number with a fixed count of decimals and thousands separators; "–" for null. */
export function num(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share 0..1 as a percentage. */
export function pct(v, digits = 1) {
  return v === null || v === undefined ? "–" : `${num(v * 100, digits)} %`;
}

/** The site state the views share, filled by main.js. */
export const site = { factories: [], machines: [], tz: "UTC", span: null };

function parts(ms, tz) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const out = {};
  for (const p of f.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** Offset of the time zone from UTC at an instant, ms. */
function offsetMs(ms, tz) {
  const p = parts(ms, tz);
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of local midnight of "YYYY-MM-DD" in the time zone, as RFC 3339 UTC. */
export function localMidnight(date, tz = site.tz) {
  const [y, m, d] = date.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let t = wall;
  for (let i = 0; i < 3; i++) t = wall - offsetMs(t, tz);
  return new Date(t).toISOString().replace(".000Z", "Z");
}

/** The local date "YYYY-MM-DD" of an instant; with `ceil`, the next local date unless at midnight. */
export function localDate(iso, tz = site.tz, ceil = false) {
  const ms = Date.parse(iso);
  const p = parts(ms, tz);
  const date = `${p.year}-${p.month}-${p.day}`;
  if (!ceil || (p.hour === "00" && p.minute === "00" && p.second === "00" && ms % 1000 === 0)) return date;
  const next = new Date(Date.UTC(+p.year, +p.month - 1, +p.day + 1));
  return next.toISOString().slice(0, 10);
}

/** Adds days to "YYYY-MM-DD". */
export function addDays(date, days) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** An instant shown in the factory's time zone, "2025-01-06 14:00". */
export function time(iso, tz = site.tz) {
  if (!iso) return "–";
  const p = parts(Date.parse(iso), tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A table with a caption, header cells with scope and rows of cells (a cell: text or a node or {v, num}). */
export function table(caption, headers, rows, attrs = {}) {
  return el("table", attrs,
    caption ? el("caption", {}, caption) : null,
    el("thead", {}, el("tr", {}, headers.map((h) => {
      const [label, isNum] = Array.isArray(h) ? h : [h, false];
      return el("th", { scope: "col", class: isNum ? "num" : null }, label);
    }))),
    el("tbody", {}, rows.map((r) => (r instanceof Node ? r : row(r)))));
}

/** A table row; numbers are right-aligned. */
export function row(cells, attrs = {}) {
  return el("tr", attrs, cells.map((c) =>
    c instanceof Node ? (c.tagName === "TD" || c.tagName === "TH" ? c : el("td", {}, c))
      : el("td", { class: typeof c === "object" && c?.num ? "num" : null }, typeof c === "object" && c !== null ? c.v : c)));
}

/** A numeric table cell. */
export const n = (v, digits = 1) => ({ v: num(v, digits), num: true });

/** A list of key figures (definition list). */
export function figures(items) {
  return el("dl", { class: "kpis" }, items.map(([label, value, id]) =>
    el("div", {}, el("dt", {}, label), el("dd", { id }, value))));
}

/** A labelled input: field("From", el("input", {...})). */
export function field(label, control) {
  return el("label", {}, label, control);
}

/** A <select> of options [value, label]. */
export function select(attrs, options, selected) {
  return el("select", attrs, options.map(([v, l]) => el("option", { value: v, selected: v === selected }, l)));
}

/**
 * The energy carriers the site's machines meter, as a select (a factory's series sums one
 * carrier: the API never adds carriers up); electricity first chosen when there is any.
 */
export function carrierSelect(id, selected) {
  const carriers = [...new Set(site.machines.map((m) => m.carrier))].sort();
  return select({ id, name: "carrier" }, carriers.map((c) => [c, c.replace(/_/g, " ")]),
    selected ?? (carriers.includes("electricity") ? "electricity" : carriers[0]));
}

const banner = () => document.getElementById("error");

/** Shows an API error (its code, field and message) to the user. */
export function showError(err) {
  const b = banner();
  b.replaceChildren(
    el("strong", {}, err.status ? `Error ${err.status}` : "Error"),
    " ",
    err.code ? el("code", { class: "code" }, err.code) : "",
    err.field ? " in " : "",
    err.field ? el("code", { class: "field" }, err.field) : "",
    ": ",
    el("span", { class: "message" }, err.message ?? String(err)),
    el("button", { type: "button", class: "dismiss", onclick: clearError }, "Dismiss"),
  );
  b.hidden = false;
  if (!(err instanceof Error) || err.name !== "ApiError") console.warn(err);
}

export function clearError() {
  banner().hidden = true;
  banner().replaceChildren();
}

/** Runs an async action with the button disabled and errors shown; returns its result or undefined. */
export async function busy(button, action) {
  if (button) button.disabled = true;
  clearError();
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Options of a machine <select>. */
export function machineOptions() {
  return site.machines.map((m) => [m.id, `${m.name} (${m.id})`]);
}
