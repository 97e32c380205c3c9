// The portal's entry: loads the site (factories, machines, the span of the data), then shows the
// view named by the URL's hash (#/overview, #/machine?id=..., #/baselines, #/weather,
// #/forecast, #/anomalies).

import { api } from "./api.js";
import { clearError, el, showError, site } from "./ui.js";
import * as overview from "./views/overview.js";
import * as machine from "./views/machine.js";
import * as baselines from "./views/baselines.js";
import * as forecast from "./views/forecast.js";
import * as anomalies from "./views/anomalies.js";
import * as weather from "./views/weather.js";

const VIEWS = { overview, machine, baselines, weather, forecast, anomalies };

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

async function loadSite() {
  const [health, factories, machines] = await Promise.all([api.health(), api.factories(), api.machines()]);
  site.factories = factories;
  site.machines = machines;
  site.tz = factories[0]?.timezone ?? "UTC";
  document.getElementById("status").textContent =
    `enms-server ${health.version} (${health.backend}) · ${plural(factories.length, "factory", "factories")}, ${plural(machines.length, "machine", "machines")} · times in ${site.tz}`;
  // the span of the data: from the first to the last reading of any machine
  const firsts = machines.map((m) => m.first_reading).filter(Boolean).sort();
  const lasts = machines.map((m) => m.last_reading).filter(Boolean).sort();
  site.span = firsts.length ? { start: firsts[0], end: lasts[lasts.length - 1] } : null;
}

async function route() {
  const [path, qs] = window.location.hash.replace(/^#\/?/, "").split("?");
  const name = VIEWS[path] ? path : "overview";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const root = document.getElementById("view");
  const container = el("div", { class: "view", "data-view": name });
  root.replaceChildren(container);
  root.setAttribute("aria-busy", "true");
  clearError();
  try {
    if (!site.machines.length) {
      container.append(el("h1", {}, "No data yet"), el("p", { id: "no-data" },
        "The store holds no machines. Import meter data with ", el("code", {}, "enms-server import DIR"),
        " (for a demo: ", el("code", {}, "enms-sim generate --days 21 --out DIR"), "), then reload this page."));
      return;
    }
    await VIEWS[name].render(container, new URLSearchParams(qs ?? ""));
  } catch (e) {
    showError(e);
  } finally {
    if (root.contains(container)) root.setAttribute("aria-busy", "false");
  }
}

async function start() {
  try {
    await loadSite();
  } catch (e) {
    showError(e);
    document.getElementById("view").setAttribute("aria-busy", "false");
    return;
  }
  window.addEventListener("hashchange", route);
  await route();
}

start();
