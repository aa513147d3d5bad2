// The JSON API, as the pages use it: the session cookie signs requests in, the CSRF token
// goes with every unsafe one, and failures come back as ApiError with the server's body.

let csrf = '';

export function setCsrf(token) {
  csrf = token || '';
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** Calls `path` (below /api/v1/, or a full API URL) and answers the parsed body. */
export async function api(method, path, body) {
  const url = path.startsWith('/api/') ? path : `/api/v1/${path}`;
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = response.headers.get('Retry-After');
    throw error;
  }
  return data;
}

/** A query string from pairs, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
