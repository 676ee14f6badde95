// api.js: the one module that talks to the server.  Pages ask for
// documents by name; they never see SQL table names.
export async function get(name, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const url = `/api/${name}${q.toString() ? '?' + q : ''}`;
  const r = await fetch(url);
  let body;
  try {
    body = await r.json();
  } catch (e) {
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  if (!r.ok) {
    const e = new Error(body && body.error ? body.error : `HTTP ${r.status}`);
    e.status = r.status;  // 503: the trace is still being indexed
    throw e;
  }
  return body;
}

let summaryP = null;
let threadsP = null;
export const summary = () => (summaryP ??= get('summary'));
export const threads = () => (threadsP ??= get('threads'));
export const pprofUrl = (kind) => `/api/pprof?kind=${encodeURIComponent(kind)}`;
