// The REST API client of the portal: one function per endpoint under /api/v1. Errors come back as
// ApiError carrying the server's JSON body {error, field, message}.

const BASE = "/api/v1";

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, body, url) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.error ?? `HTTP_${status}`;
    this.field = body?.field ?? null;
    this.url = url;
  }
}

async function request(method, path, { query, body } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  const init = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, { error: "NETWORK", message: `cannot reach the server: ${e.message}` }, String(url));
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    throw new ApiError(res.status, json ?? { error: `HTTP_${res.status}`, message: text }, String(url));
  }
  return json;
}

const enc = encodeURIComponent;

export const api = {
  health: () => request("GET", "/health"),
  factories: () => request("GET", "/factories"),
  machines: (factoryId) => request("GET", "/machines", { query: { factory_id: factoryId } }),
  kpis: (query) => request("GET", "/kpis", { query }),
  review: (query) => request("GET", "/review", { query }),
  rollup: (machineId, query) => request("GET", `/machines/${enc(machineId)}/rollup`, { query }),
  baselines: (machineId) => request("GET", "/baselines", { query: { machine_id: machineId } }),
  baseline: (id) => request("GET", `/baselines/${enc(id)}`),
  deleteBaseline: (id) => request("DELETE", `/baselines/${enc(id)}`),
  train: (body) => request("POST", "/baselines", { body }),
  candidates: (body) => request("POST", "/baselines/candidates", { body }),
  performance: (id, query) => request("GET", `/baselines/${enc(id)}/performance`, { query }),
  forecast: (body) => request("POST", "/forecast", { body }),
  weatherModel: (body) => request("POST", "/weather-models", { body }),
  weatherModels: () => request("GET", "/weather-models"),
  weatherReport: (id, body) => request("POST", `/weather-models/${enc(id)}/performance`, { body }),
  deleteWeatherModel: (id) => request("DELETE", `/weather-models/${enc(id)}`),
  anomalies: (query) => request("GET", "/anomalies", { query }),
  detect: (machineId, body) => request("POST", `/machines/${enc(machineId)}/anomalies/detect`, { body }),
  acknowledge: (id, body) => request("POST", `/anomalies/${enc(id)}/acknowledge`, { body }),
  resolve: (id, body) => request("POST", `/anomalies/${enc(id)}/resolve`, { body }),
};
