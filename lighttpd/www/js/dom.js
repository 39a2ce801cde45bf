// dom: builds elements from data with textContent only, so nothing from the API is ever parsed as HTML.

// h('tag.class#id', {attrs}, ...children): strings become text nodes, null/false are skipped.
export function h(spec, attrs, ...children) {
	const m = /^([a-z0-9-]+)((?:[.#][\w-]+)*)$/i.exec(spec);
	if (!m) throw new Error(`bad element spec ${spec}`);
	const el = document.createElement(m[1]);
	for (const part of m[2].match(/[.#][\w-]+/g) || []) {
		if (part[0] === '.') el.classList.add(part.slice(1));
		else el.id = part.slice(1);
	}
	if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
		children.unshift(attrs);
		attrs = null;
	}
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
}

// Replaces every child of el with children.
export function replace(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

let uid = 0;
// A fresh id for label/aria wiring.
export function newId(prefix) {
	uid += 1;
	return `${prefix}-${uid}`;
}

// A labelled form field: returns { wrap, input }. kind is 'input', 'textarea' or 'select'.
export function field(label, kind, attrs = {}, hint = null, options = null) {
	const id = newId('f');
	const hintId = hint ? `${id}-hint` : null;
	const input = h(kind, { id, 'aria-describedby': hintId, ...attrs },
		options ? options.map(([v, t]) => h('option', { value: v }, t)) : null);
	const wrap = h('div.field', h('label', { for: id }, label), hint ? h('p.hint', { id: hintId }, hint) : null, input);
	return { wrap, input };
}

// Only http(s) URLs (absolute or relative to this site) may become links.
export function safeUrl(u) {
	if (typeof u !== 'string' || u === '') return null;
	try {
		const url = new URL(u, location.href);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
	} catch {
		return null;
	}
}

export function fmtDate(s) {
	if (!s) return '';
	const d = new Date(s);
	return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtBytes(n) {
	if (typeof n !== 'number' || !Number.isFinite(n)) return '';
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
	return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtDuration(sec) {
	if (typeof sec !== 'number' || !Number.isFinite(sec) || sec < 0) return null;
	if (sec < 60) return `${Math.max(1, Math.round(sec))} s`;
	if (sec < 3600) return `${Math.round(sec / 60)} min`;
	return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}

export function fmtScore(s) {
	return typeof s === 'number' && Number.isFinite(s) ? (Math.round(s * 10) / 10).toFixed(1) : '—';
}
