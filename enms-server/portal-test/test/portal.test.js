// The enms-server web portal in a real browser: simulated weeks imported into the real server,
// the portal opened in headless Chromium (driven by puppeteer-core), and what it shows compared
// with what the REST API answers. Needs the enms-server and enms-sim binaries (ENMS_SERVER_BIN,
// ENMS_SIM_BIN, or $CARGO_TARGET_DIR/debug) and a Chromium (CHROMIUM_BIN, or `chromium` on PATH);
// scripts/test-portal.sh builds and installs them.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target");
const SERVER_BIN = process.env.ENMS_SERVER_BIN ?? path.join(TARGET, "debug", "enms-server");
const SIM_BIN = process.env.ENMS_SIM_BIN ?? path.join(TARGET, "debug", "enms-sim");
const TZ = "Europe/Berlin";
// local midnights of the demo plant (Europe/Berlin, UTC+1 in January)
const day = (d) => `2025-01-${String(d - 1).padStart(2, "0")}T23:00:00Z`;

function chromiumPath() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error("no chromium on PATH: run scripts/install-chromium.sh");
}

const fmt = (v, digits) => (v === null || v === undefined ? "–"
  : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));

let work;
let server;
let base;
let browser;
let page;
const problems = [];
// API calls whose error answers a test provokes on purpose
let expectedError = null;

async function api(method, p, body) {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Starts `enms-server serve` on a free port; resolves with the process, its exit and its URL. */
function startServer(dataDir) {
  const child = spawn(SERVER_BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ENMS_LOG_FORMAT: "json", ENMS_LOG_LEVEL: "info" },
  });
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr });
    const seen = [];
    lines.on("line", (line) => {
      seen.push(line);
      try {
        const ev = JSON.parse(line);
        if (ev.message === "listening") resolve({ child, exit, url: `http://${ev.addr}` });
      } catch {
        // not a JSON line
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${seen.join("\n")}`)));
  });
}

/** SIGTERM, then SIGKILL if it has not stopped after 30 s; waits for the exit. */
async function stopServer(s) {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill("SIGTERM");
  const timer = setTimeout(() => s.child.kill("SIGKILL"), 30_000);
  await s.exit;
  clearTimeout(timer);
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "enms-portal-"));
  const sim = path.join(work, "sim");
  const data = path.join(work, "data");
  // three weeks of the demo plant: two to train baselines on, one to report and detect on
  execFileSync(SIM_BIN, ["generate", "--start", "2025-01-06", "--days", "21", "--seed", "42", "--out", sim, "--format", "parquet"],
    { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync(SERVER_BIN, ["import", sim, "--data-dir", data], { stdio: ["ignore", "ignore", "ignore"] });
  rmSync(sim, { recursive: true, force: true });
  server = await startServer(data);
  base = server.url;
  browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", `--user-data-dir=${path.join(work, "chromium")}`],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(180_000);
  await page.setViewport({ width: 1280, height: 900 });
  await page.emulateTimezone("UTC");
  const expected = (url) => expectedError !== null && expectedError.test(url);
  page.on("console", (m) => {
    if (m.type() === "error" && !expected(m.location()?.url ?? "")) problems.push(`console error: ${m.text()} (${m.location()?.url})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !expected(r.url())) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopServer(server);
  if (work) rmSync(work, { recursive: true, force: true });
});

async function open(hash, selector) {
  await page.goto(`${base}/${hash}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(selector);
  await page.waitForFunction(() => document.getElementById("view").getAttribute("aria-busy") === "false");
}

async function setValue(selector, value) {
  await page.$eval(selector, (e, v) => {
    e.value = v;
    e.dispatchEvent(new Event("change", { bubbles: true }));
  }, value);
}

const text = (selector) => page.$eval(selector, (e) => e.textContent.trim());

/** The view shows no JavaScript non-value ("null", "undefined", "NaN", "[object ..."). */
async function assertNoJsLeaks() {
  const shown = await page.$eval("#view", (v) => v.innerText);
  assert.doesNotMatch(shown, /\b(null|undefined|NaN)\b|\[object /);
}

test("the portal page and its modules are served by the server itself", async () => {
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /text\/html/);
  assert.match(res.headers.get("content-security-policy"), /default-src 'self'/);
  const js = await fetch(`${base}/portal/js/main.js`);
  assert.match(js.headers.get("content-type"), /javascript/);
  assert.equal((await fetch(`${base}/portal/js/missing.js`)).status, 404);
});

test("overview: the machines of the API with the same numbers, and the SEU Pareto", async () => {
  await open("#/overview", "#kpi-table tbody tr");
  await setValue("#ov-from", "2025-01-13");
  await setValue("#ov-to", "2025-01-20");
  const reloaded = page.waitForResponse((r) => r.url().includes("/api/v1/review?"));
  await page.click("form[aria-label=Period] button[type=submit]");
  await reloaded;
  await page.waitForFunction(() => document.querySelector("#ov-out p")?.textContent.includes("2025-01-13 00:00"));
  const q = `start=${day(13)}&end=${day(20)}`;
  const [machines, report, review] = await Promise.all([api("GET", "/machines"), api("GET", `/kpis?${q}`), api("GET", `/review?${q}`)]);
  const rows = await page.$$eval("#kpi-table tbody tr", (trs) => trs.map((tr) => ({
    id: tr.dataset.machineId, cells: [...tr.children].map((td) => td.textContent.trim()),
  })));
  assert.deepEqual(rows.map((r) => r.id).sort(), machines.map((m) => m.id).sort());
  for (const m of report.machines) {
    const r = rows.find((x) => x.id === m.machine_id);
    assert.equal(r.cells[3], fmt(m.energy_kwh, 1), `energy of ${m.machine_id}`);
    assert.equal(r.cells[5], fmt(m.peak_demand?.peak_demand_kw, 2), `peak demand of ${m.machine_id}`);
  }
  const elec = review.machines.filter((m) => m.carrier === "electricity");
  assert.equal(await page.$$eval("#pareto-electricity rect.bar", (b) => b.length), elec.length);
  const seuRows = await page.$$eval("#seu-table tbody tr", (trs) => trs.map((tr) => [tr.dataset.machineId, tr.lastElementChild.textContent]));
  assert.deepEqual(seuRows, review.machines.map((m) => [m.machine_id, m.seu ? "yes" : "no"]));
  assert.ok(await page.$("#pareto-electricity .threshold"), "the SEU line is drawn");
  assert.ok((await text("#pareto-electricity + ul.legend")).includes("cumulative share"));
  await assertNoJsLeaks();
});

test("machine: the chart has a point per bucket of the rollup API, with hover values", async () => {
  await open("#/machine?id=hvac-1&from=2025-01-13&to=2025-01-16&bucket=1h", "#power-chart");
  const rollup = await api("GET", `/machines/hvac-1/rollup?bucket=1h&start=${day(13)}&end=${day(16)}`);
  assert.equal(rollup.buckets.length, 72);
  const withMean = rollup.buckets.filter((b) => b.mean_power_kw !== null).length;
  assert.equal(await page.$$eval('#power-chart [data-series="mean power"] circle.point', (c) => c.length), withMean);
  assert.equal(await page.$$eval("#energy-chart rect.bar", (r) => r.length), rollup.buckets.length);
  assert.equal(await text("#m-energy"), `${fmt(rollup.energy_kwh, 1)} kWh`);
  assert.ok((await text("#power-chart")).includes("kW"), "the axis carries the unit");
  const box = await (await page.$("#power-chart .overlay")).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector("#tooltip:not([hidden])");
  assert.match(await text("#tooltip"), /mean power: [\d,.]+ kW/);
  await assertNoJsLeaks();
});

test("baselines: candidates ranked, a baseline trained from the form, its statistics and CUSUM", async () => {
  await open("#/baselines", "#bl-machine");
  await setValue("#bl-machine", "injection-molding-1");
  await page.click("#bl-rank");
  await page.waitForSelector("#candidates-table tbody tr");
  const ranked = await page.$$eval("#candidates-table tbody tr", (trs) => trs.map((tr) => tr.dataset.drivers));
  assert.ok(ranked.length > 10, `${ranked.length} candidates`);
  // hourly model of production, shift and day type, judged by ASHRAE 14's hourly gates
  await setValue("#bl-period", "1h");
  await setValue("#bl-gates", "ashrae14-hourly");
  await page.$$eval("input[name=driver]", (boxes) => {
    for (const b of boxes) b.checked = ["production", "shift", "day_type"].includes(b.value);
  });
  await page.click("#bl-train");
  await page.waitForSelector("#baseline-detail[data-baseline-id]:not([hidden]) #coef-table");
  const id = await page.$eval("#baseline-detail", (d) => d.dataset.baselineId);
  const b = await api("GET", `/baselines/${id}`);
  assert.deepEqual(b.drivers.map((d) => d.name).sort(), ["day_type", "production", "shift"]);
  assert.equal(b.period, "1h");
  assert.equal(await text("#bl-r2"), fmt(b.statistics.r_squared, 4));
  assert.equal(await page.$$eval("#coef-table tbody tr", (r) => r.length), b.statistics.coefficients.length);
  assert.equal(await page.$$eval("#gates-table tbody tr", (r) => r.length), b.gates.length);
  assert.ok(await page.$(`#baselines-table tr[data-baseline-id="${id}"]`), "listed");
  // the default reporting period (week 3) is reported right away; then at another confidence
  await page.waitForSelector("#cusum-chart circle.point");
  await page.waitForFunction(() => !document.getElementById("perf-run").disabled);
  await setValue("#perf-confidence", "0.95");
  await page.click("#perf-run");
  await page.waitForFunction(() => document.querySelector("#perf-out dl")?.textContent.includes("(95 %)"));
  const perf = await api("GET", `/baselines/${id}/performance?start=${day(20)}&end=${day(27)}&confidence=0.95${b.passed ? "" : "&allow_failed_gates=true"}`);
  assert.equal(await page.$$eval("#cusum-chart circle.point", (c) => c.length), perf.periods.length);
  assert.equal(await page.$$eval('#perf-chart [data-series="actual"] circle.point', (c) => c.length), perf.periods.length);
  assert.equal(await text("#perf-enpi"), fmt(perf.enpi_index, 4));
  assert.ok((await text("#perf-savings")).startsWith(fmt(perf.savings_kwh, 1)));
  assert.equal(await text("#perf-uncertainty"), `± ${fmt(perf.savings_uncertainty_kwh, 1)} kWh`);
  // a second baseline, trained over the API, deleted by its button: gone from the table and the API
  const extra = await api("POST", "/baselines", { machine_id: "injection-molding-1", start: b.start, end: b.end, period: "1h", drivers: ["production"], gates: ["ashrae14-hourly"] });
  await open(`#/baselines?id=${extra.id}`, `#baselines-table tr[data-baseline-id="${extra.id}"]`);
  await page.click(`#baselines-table tr[data-baseline-id="${extra.id}"] button.delete`);
  await page.waitForFunction((x) => !document.querySelector(`#baselines-table tr[data-baseline-id="${x}"]`), {}, extra.id);
  assert.ok(!(await api("GET", "/baselines")).some((x) => x.id === extra.id));
  assert.ok(await page.$(`#baselines-table tr[data-baseline-id="${id}"]`), "the other one stays");
  assert.equal(await page.$eval("#baseline-detail", (d) => d.hidden), true, "the deleted one is no longer shown");
  await assertNoJsLeaks();
});

test("weather model: a daily model of the factory fitted from the form, its statistics, segments and one point per day", async () => {
  // the view opens with the factory's change-point model over the whole data
  await open("#/weather", "#wm-scatter circle.point");
  const cp = await api("POST", "/weather-models", { factory_id: "plant-1", start: day(6), end: day(27), model: "change_point" });
  assert.equal(await text("#wm-r2"), fmt(cp.statistics.r_squared, 4));
  assert.equal(await page.$$eval("#wm-scatter circle.point", (c) => c.length), cp.days.length);
  // the daily model by season and day type, with segments of at least five days
  const options = { min_segment_days: 5 };
  await setValue("#wm-model", "daily");
  await setValue("#wm-options", JSON.stringify(options));
  const fitted = page.waitForResponse((r) => r.url().endsWith("/api/v1/weather-models") && r.request().method() === "POST");
  await page.click("#wm-run");
  await fitted;
  await page.waitForFunction(() => document.getElementById("wm-kind")?.textContent.startsWith("daily"));
  const w = await api("POST", "/weather-models", { factory_id: "plant-1", start: day(6), end: day(27), model: "daily", options });
  assert.equal(w.kind, "daily");
  const st = w.statistics;
  assert.equal(await text("#wm-n"), String(st.n));
  assert.equal(await text("#wm-p"), String(st.p));
  assert.equal(await text("#wm-r2"), fmt(st.r_squared, 4));
  assert.equal(await text("#wm-cv"), `${fmt(st.cv_rmse_pct, 2)} %`);
  assert.equal(await text("#wm-nmbe"), `${fmt(st.nmbe_pct, 2)} %`);
  assert.equal(await text("#wm-days"), `${w.table.periods_used} of ${w.table.periods_total}`);
  assert.deepEqual(await page.$$eval("#wm-segments tbody tr", (trs) => trs.map((tr) => tr.dataset.segment)), w.segments.map((s) => s.name));
  // one point per day, coloured by its segment, and one fitted curve per segment
  assert.equal(await page.$$eval("#wm-scatter circle.point", (c) => c.length), w.days.length);
  assert.ok(w.segments.length > 1, `segments: ${w.segments.map((s) => s.name)}`);
  for (const s of w.segments) {
    const days = w.days.filter((d) => d.segment === s.name).length;
    assert.equal(await page.$$eval(`#wm-scatter [data-series="days ${s.name}"] circle.point`, (c) => c.length), days, s.name);
  }
  const fills = await page.$$eval("#wm-scatter .series.points", (gs) => gs.map((g) => g.querySelector("circle")?.style.fill));
  assert.equal(new Set(fills).size, w.segments.length, "a colour per segment");
  assert.equal(await page.$$eval("#wm-scatter .series.line path", (p) => p.length), w.curves.length);
  assert.equal(await page.$$eval('#wm-time [data-series="actual"] circle.point', (c) => c.length), w.days.length);
  assert.equal(await page.$$eval('#wm-time [data-series="predicted"] circle.point', (c) => c.length), w.days.length);
  assert.equal(await page.$$eval("#wm-days-table tbody tr", (r) => r.length), w.days.length);
  assert.equal(await page.$$eval("#wm-dropped tbody tr", (r) => r.length).catch(() => 0), w.table.dropped.length);
  assert.ok((await text("#wm-scatter")).includes("°C"), "the temperature axis carries its unit");
  assert.equal(await text("#wm-carrier-used"), "electricity");
  // the factory's gas (the boiler alone: carriers are never added up), chosen in the form
  await setValue("#wm-model", "change_point");
  await setValue("#wm-options", "");
  await setValue("#wm-carrier", "natural_gas");
  await page.click("#wm-run");
  await page.waitForFunction(() => document.getElementById("wm-carrier-used")?.textContent === "natural gas");
  const gas = await api("POST", "/weather-models", { factory_id: "plant-1", carrier: "natural_gas", start: day(6), end: day(27), model: "change_point" });
  assert.deepEqual(gas.machines, ["boiler-1"]);
  assert.equal(await text("#wm-r2"), fmt(gas.statistics.r_squared, 4));
  assert.equal(await page.$$eval("#wm-scatter circle.point", (c) => c.length), gas.days.length);
  assert.equal(await page.$("#wm-perf"), null, "no reporting period, no savings");
  // the gas of the last week against a model of the two before: savings, EnPI and the CUSUM
  await setValue("#wm-from", "2025-01-06");
  await setValue("#wm-to", "2025-01-20");
  await setValue("#wm-rep-from", "2025-01-20");
  await setValue("#wm-rep-to", "2025-01-27");
  await page.click("#wm-run");
  await page.waitForSelector("#wm-perf-cusum circle.point");
  const rep = await api("POST", "/weather-models", {
    factory_id: "plant-1", carrier: "natural_gas", start: day(6), end: day(20), model: "change_point",
    reporting_start: day(20), reporting_end: day(27),
  });
  const perf = rep.performance;
  assert.equal(await text("#wm-perf-enpi"), fmt(perf.enpi_index, 4));
  assert.ok((await text("#wm-perf-savings")).startsWith(fmt(perf.savings_kwh, 1)));
  assert.equal(await text("#wm-perf-uncertainty"), `± ${fmt(perf.savings_uncertainty_kwh, 1)} kWh`);
  assert.equal(await page.$$eval("#wm-perf-cusum circle.point", (c) => c.length), perf.days.length);
  assert.equal(await page.$$eval('#wm-perf-chart [data-series="actual"] circle.point', (c) => c.length), perf.days.length);
  // stored as an energy baseline: listed, and reporting the period against itself as the fit did
  await page.click("#wm-save");
  await page.click("#wm-run");
  await page.waitForSelector("#wm-stored-id");
  const models = await api("GET", "/weather-models");
  const last = models[models.length - 1];
  assert.equal(await text("#wm-stored-id"), `weather model #${last.id}`);
  assert.equal(last.carrier, "natural_gas");
  assert.equal(last.kind, "change_point");
  await page.waitForSelector(`#wm-stored-table tr[data-id="${last.id}"]`);
  assert.equal(await page.$$eval("#wm-stored-table tbody tr", (r) => r.length), models.length);
  await page.click(`#wm-stored-table tr[data-id="${last.id}"] button`);
  await page.waitForSelector("#wm-stored-perf-cusum circle.point");
  const again = await api("POST", `/weather-models/${last.id}/performance`, { reporting_start: day(20), reporting_end: day(27) });
  assert.deepEqual(again, perf, "the stored model reports as the fit did");
  assert.equal(await text("#wm-stored-perf-enpi"), fmt(again.enpi_index, 4));
  assert.ok((await text("#wm-stored-perf-savings")).startsWith(fmt(again.savings_kwh, 1)));
  assert.equal(await page.$$eval("#wm-stored-perf-cusum circle.point", (c) => c.length), again.days.length);
  // deleted by its button: gone from the table and from the API
  await page.click(`#wm-stored-table tr[data-id="${last.id}"] button.delete`);
  await page.waitForFunction((id) => !document.querySelector(`#wm-stored-table tr[data-id="${id}"]`), {}, last.id);
  assert.ok(!(await api("GET", "/weather-models")).some((m) => m.id === last.id));
  await page.click("#wm-save");
  await assertNoJsLeaks();
  // an unknown option is the API's 400 naming it
  expectedError = /\/api\/v1\/weather-models$/;
  try {
    await setValue("#wm-options", JSON.stringify({ min_segment_dayz: 5 }));
    await page.click("#wm-run");
    await page.waitForSelector("#error:not([hidden]) .field");
    assert.equal(await text("#error .field"), "options.min_segment_dayz");
  } finally {
    expectedError = null;
  }
});

test("forecast: the forecast with its interval bands, the next day's peak and hours at risk", async () => {
  const f0 = await api("POST", "/forecast", { machine_id: "injection-molding-1", horizon: 48, bucket: "1h" });
  const threshold = Math.round(f0.peaks[0].peak * 0.9);
  await open(`#/forecast?target=machine:injection-molding-1&horizon=48&threshold=${threshold}`, "#forecast-chart");
  const f = await api("POST", "/forecast", { machine_id: "injection-molding-1", horizon: 48, bucket: "1h", threshold });
  assert.equal(await page.$$eval("#forecast-chart path.band", (p) => p.length), f.intervals.length);
  assert.equal(await page.$$eval('#forecast-chart [data-series="forecast"] circle.point', (c) => c.length), 48);
  assert.ok((await text("#f-next-peak")).startsWith(fmt(f.peaks[0].peak, 2)));
  assert.equal(await text("#f-at-risk"), String(f.peaks[0].at_risk.length));
  assert.ok(f.peaks[0].at_risk.length > 0, "the threshold puts hours at risk");
  assert.equal(await page.$$eval("#risk-table tbody tr", (r) => r.length), f.peaks.reduce((s, p) => s + p.at_risk.length, 0));
  assert.ok(await page.$("#forecast-chart .threshold"));
  await assertNoJsLeaks();
});
test("forecast: a factory's gas, the carrier chosen in the form", async () => {
  await open("#/forecast?target=factory:plant-1&carrier=natural_gas&horizon=24", "#forecast-chart");
  const f = await api("POST", "/forecast", { factory_id: "plant-1", carrier: "natural_gas", horizon: 24, bucket: "1h" });
  assert.equal(f.carrier, "natural_gas");
  assert.equal(await text("#f-carrier-used"), "natural gas");
  assert.equal(await text("#f-model"), f.model);
  assert.equal(await page.$$eval('#forecast-chart [data-series="forecast"] circle.point', (c) => c.length), 24);
  await assertNoJsLeaks();
});


test("anomalies: detection from the form, an event acknowledged by its button", async () => {
  await open("#/anomalies", "#det-run");
  await setValue("#det-method", "baseline_residual");
  await page.waitForFunction(() => document.querySelectorAll("#det-baseline option").length > 0);
  await page.click("#det-run");
  await page.waitForSelector("#det-summary");
  await page.waitForSelector("#events-table tbody tr[data-status=open]");
  const events = await api("GET", "/anomalies?machine_id=injection-molding-1");
  assert.ok(events.length > 0);
  assert.equal(await page.$$eval("#events-table tbody tr", (r) => r.length), events.length);
  const id = await page.$eval("#events-table tbody tr[data-status=open]", (tr) => tr.dataset.eventId);
  await page.click(`#events-table tr[data-event-id="${id}"] button.ack`);
  await page.waitForSelector(`#events-table tr[data-event-id="${id}"][data-status=acknowledged]`);
  const ev = await api("GET", `/anomalies/${id}`);
  assert.equal(ev.status, "acknowledged");
  assert.equal(ev.acknowledged_by, "energy manager");
  // the filter asks the API for acknowledged events only
  await setValue("#an-status", "acknowledged");
  await page.click("form[aria-label='Filter events'] button[type=submit]");
  await page.waitForFunction(() => [...document.querySelectorAll("#events-table tbody tr")].every((tr) => tr.dataset.status === "acknowledged"));
  assert.equal(await page.$$eval("#events-table tbody tr", (r) => r.length), 1);
  await assertNoJsLeaks();
});

test("an API error is shown to the user with its code, field and message", async () => {
  await open("#/overview", "#kpi-table tbody tr");
  expectedError = /\/api\/v1\/(kpis|review)\?/;
  try {
    await setValue("#ov-from", "2025-01-20");
    await setValue("#ov-to", "2025-01-13");
    await page.click("form[aria-label=Period] button[type=submit]");
    await page.waitForSelector("#error:not([hidden]) .message");
    const shown = await text("#error");
    assert.ok(await page.$("#error .field"), `the error names its field: ${shown}`);
    assert.equal(await text("#error .code"), "INVALID_PARAMETER");
    assert.equal(await text("#error .field"), "end");
    assert.ok((await text("#error")).includes("Error 400"));
  } finally {
    expectedError = null;
  }
});

test("an empty store: the portal says how to import data", async () => {
  const empty = await startServer(path.join(work, "empty"));
  try {
    await page.goto(`${empty.url}/#/overview`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#no-data");
    assert.match(await text("#no-data"), /enms-server import/);
    assert.match(await text("#status"), /0 machines/);
  } finally {
    await stopServer(empty);
  }
});

test("no console errors and no failed requests", () => {
  assert.deepEqual(problems, []);
});
