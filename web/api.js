// Thin client for semble's Cloudflare Vectorize v2 API (v4 envelope) used by the console.

export const ACCOUNT = 'local';

export class ApiError extends Error {
  constructor(status, errors, fallback) {
    const first = errors && errors[0];
    super(first && first.message ? first.message : fallback);
    this.name = 'ApiError';
    this.status = status;          // HTTP status; 0 when the server could not be reached
    this.code = first ? first.code : undefined;
    this.errors = errors || [];
  }
  get isAuth() { return this.status === 401 || this.status === 403; }
}

export function createApi({ getToken, onAuthError, onOk }) {
  const base = `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes`;

  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload });
    } catch (e) {
      throw new ApiError(0, [], `Cannot reach the server (${e.message}).`);
    }
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    if (!res.ok || !json || json.success === false) {
      const errors = json && Array.isArray(json.errors) ? json.errors : [];
      const err = new ApiError(res.status, errors,
        `HTTP ${res.status} ${res.statusText || ''}`.trim() + (text && !json ? `: ${text.slice(0, 200)}` : ''));
      if (err.isAuth && onAuthError) onAuthError(err);
      throw err;
    }
    if (onOk) onOk();
    return json.result;
  }

  const idx = (name, rest = '') => `${base}/${encodeURIComponent(name)}${rest}`;

  return {
    health: async () => {
      const res = await fetch('/healthz');
      if (!res.ok) throw new ApiError(res.status, [], `HTTP ${res.status}`);
      return res.json();
    },
    listIndexes: () => call('GET', base),
    info: (name) => call('GET', idx(name, '/info')),
    list: (name, { count = 50, cursor } = {}) => {
      const q = new URLSearchParams({ count: String(count) });
      if (cursor) q.set('cursor', cursor);
      return call('GET', idx(name, `/list?${q}`));
    },
    getByIds: (name, ids) => call('POST', idx(name, '/get_by_ids'), { ids }),
    query: (name, body) => call('POST', idx(name, '/query'), body),
    map: (name, body) => call('POST', idx(name, '/map'), body),
  };
}
