// api: the Shortlist HTTP API from the browser — the session cookie or a key in sessionStorage, JSON and problem+json, uploads with progress.

const KEY = 'shortlist.apiKey';
// The server refuses a change made with the session cookie unless this header says the page sent it (a form on
// another site cannot set it), so every request carries it.
const CSRF = ['X-Requested-With', 'shortlist'];

// A failed request: its HTTP status (0 when the server could not be reached) and the problem+json's words.
// problem.js's describe() makes the sentence a person reads from it.
export class ApiError extends Error {
	constructor(status, title, detail, requestId, retryAfter = null) {
		super(detail || title || `HTTP ${status}`);
		this.status = status;
		this.title = title || '';
		this.detail = detail || '';
		this.requestId = requestId || '';
		this.retryAfter = retryAfter; // seconds from a 429's or 503's Retry-After, or null
	}
}

export function getKey() {
	return sessionStorage.getItem(KEY);
}
export function setKey(k) {
	sessionStorage.setItem(KEY, k);
}
export function clearKey() {
	sessionStorage.removeItem(KEY);
}

// Listeners called when the API answers 401: the app goes back to the sign-in form.
const unauthorized = new Set();
export function onUnauthorized(fn) {
	unauthorized.add(fn);
}

// Retry-After as seconds: either a number of seconds or an HTTP date; null when absent or unreadable.
function retryAfter(headers) {
	const v = (headers.get('Retry-After') || '').trim();
	if (!v) return null;
	if (/^\d+$/.test(v)) return Number(v);
	const t = Date.parse(v);
	return Number.isNaN(t) ? null : Math.max(0, Math.ceil((t - Date.now()) / 1000));
}

function problem(status, text, headers) {
	let body = null;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		body = null;
	}
	const rid = (body && body.request_id) || headers.get('X-Request-Id') || '';
	return new ApiError(status, body && body.title, body && typeof body.detail === 'string' ? body.detail : '', rid, retryAfter(headers));
}

// Sends one request with the session cookie, and the stored key when there is one; resolves to the parsed JSON
// (or null for an empty body), rejects with ApiError. opts.key overrides the stored key (sign-in checks a key
// before keeping it; null sends none); opts.quiet401 skips the sign-out.
export async function api(method, path, body, opts = {}) {
	const headers = { Accept: 'application/json', [CSRF[0]]: CSRF[1] };
	const key = opts.key !== undefined ? opts.key : getKey();
	if (key) headers.Authorization = `Bearer ${key}`;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let res;
	try {
		res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal, credentials: 'same-origin', cache: 'no-store' });
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		throw new ApiError(0, 'Network error', '', '');
	}
	const text = await res.text();
	if (!res.ok) {
		const err = problem(res.status, text, res.headers);
		if (res.status === 401 && !opts.quiet401) for (const fn of unauthorized) fn(err);
		throw err;
	}
	if (!text) return null;
	try {
		return JSON.parse(text);
	} catch {
		throw new ApiError(res.status, 'Bad response', 'the server sent something that is not JSON', res.headers.get('X-Request-Id'));
	}
}

// One page of a keyset-paginated list (GET path with limit, cursor and the given filters): resolves to
// { items, next }, next being the cursor of the following page or null after the last; rejects as api() does.
export async function getPage(path, { cursor = null, limit, filters = {}, signal } = {}) {
	const q = new URLSearchParams({ limit: String(limit), ...filters });
	if (cursor) q.set('cursor', cursor);
	const page = await api('GET', `${path}?${q}`, undefined, { signal });
	return { items: Array.isArray(page.items) ? page.items : [], next: page.next_cursor || null };
}

// Signs in with an email and password: the server sets the session cookie (HttpOnly, so this script never sees
// the token). Forgets any stored key first, so the cookie is what authenticates from then on. Resolves to the
// session ({ auth, user, organisation, expires_at }); rejects with ApiError (401 wrong email or password, 429
// too many failures with retryAfter, 400 malformed).
export async function signIn(email, password) {
	clearKey();
	return api('POST', '/api/v1/session', { email, password }, { key: null, quiet401: true });
}

// Who is calling: resolves to the session ({ auth: 'session' | 'api_key', user or null, organisation, ... }), or
// to null when nobody is signed in (401); rejects with ApiError on anything else.
export async function whoAmI() {
	try {
		return await api('GET', '/api/v1/session', undefined, { quiet401: true });
	} catch (e) {
		if (e instanceof ApiError && e.status === 401) return null;
		throw e;
	}
}

// Ends the cookie's session on the server (its failure is ignored: the page forgets its sign-in either way), then
// forgets any stored key. Sends no key, so the session revoked is the cookie's and never the key's.
export async function signOut() {
	try {
		await api('DELETE', '/api/v1/session', undefined, { key: null, quiet401: true });
	} catch {
		/* signed out locally whatever the server said */
	}
	clearKey();
}

// Uploads files as one multipart/form-data request (field "files"); onProgress(sentBytes, totalBytes).
// Resolves to the JSON answer; rejects with ApiError. Uses XMLHttpRequest because fetch reports no upload progress;
// a same-origin XMLHttpRequest sends the session cookie, and it carries the same headers as api().
export function uploadFiles(jobId, files, onProgress) {
	return new Promise((resolve, reject) => {
		const form = new FormData();
		for (const f of files) form.append('files', f, f.name);
		const xhr = new XMLHttpRequest();
		xhr.open('POST', `/api/v1/jobs/${encodeURIComponent(jobId)}/resumes`);
		const key = getKey();
		if (key) xhr.setRequestHeader('Authorization', `Bearer ${key}`);
		xhr.setRequestHeader('Accept', 'application/json');
		xhr.setRequestHeader(CSRF[0], CSRF[1]);
		xhr.upload.onprogress = (ev) => {
			if (ev.lengthComputable && onProgress) onProgress(ev.loaded, ev.total);
		};
		xhr.onerror = () => reject(new ApiError(0, 'Network error', '', ''));
		xhr.onload = () => {
			const hdrs = { get: (n) => xhr.getResponseHeader(n) };
			if (xhr.status >= 200 && xhr.status < 300) {
				try {
					resolve(JSON.parse(xhr.responseText));
				} catch {
					reject(new ApiError(xhr.status, 'Bad response', 'the server sent something that is not JSON', hdrs.get('X-Request-Id')));
				}
				return;
			}
			const err = problem(xhr.status, xhr.responseText, hdrs);
			if (xhr.status === 401) for (const fn of unauthorized) fn(err);
			reject(err);
		};
		xhr.send(form);
	});
}

// Splits files into request-sized groups: at most maxFiles files and maxBytes bytes each (a bigger file goes alone).
export function batches(files, maxFiles = 200, maxBytes = 200 * 1024 * 1024) {
	const out = [];
	let cur = [];
	let size = 0;
	for (const f of files) {
		if (cur.length && (cur.length >= maxFiles || size + f.size > maxBytes)) {
			out.push(cur);
			cur = [];
			size = 0;
		}
		cur.push(f);
		size += f.size;
	}
	if (cur.length) out.push(cur);
	return out;
}
