// app: the recruiter web app's entry point — sign-in, hash routing between views, and the page frame.
import { api, ApiError, clearKey, getKey, onUnauthorized, setKey } from './api.js';
import { field, h, replace } from './dom.js';
import { renderCandidate } from './candidate.js';
import { renderJob } from './job.js';
import { renderJobForm } from './jobform.js';
import { renderJobs } from './jobs.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const announcer = document.getElementById('announce');

const routes = [
	[/^#?\/?$/, renderJobs],
	[/^#\/jobs$/, renderJobs],
	[/^#\/jobs\/new$/, (el, ctx) => renderJobForm(el, ctx, null)],
	[/^#\/jobs\/(\d+)$/, (el, ctx, id) => renderJob(el, ctx, id)],
	[/^#\/jobs\/(\d+)\/edit$/, (el, ctx, id) => renderJobForm(el, ctx, id)],
	[/^#\/candidates\/(\d+)$/, (el, ctx, id) => renderCandidate(el, ctx, id)],
];

let current = null; // { controller, cleanup }
let signOutReason = '';

// Says msg to screen readers (and nothing visible).
export function announce(msg) {
	announcer.textContent = '';
	setTimeout(() => {
		announcer.textContent = msg;
	}, 50);
}

function leave() {
	if (!current) return;
	current.controller.abort();
	for (const fn of current.cleanups) {
		try {
			fn();
		} catch {
			/* a view's cleanup failing must not block navigation */
		}
	}
	current = null;
}

// Moves focus to the new view's heading so keyboard and screen-reader users land on it.
function focusHeading() {
	const h1 = main.querySelector('h1');
	if (h1) {
		h1.setAttribute('tabindex', '-1');
		h1.focus({ preventScroll: true });
		document.title = `${h1.textContent} · Shortlist`;
	}
	window.scrollTo(0, 0);
}

async function route() {
	leave();
	if (!getKey()) {
		renderSignIn();
		return;
	}
	nav.hidden = false;
	const hash = location.hash || '#/jobs';
	const controller = new AbortController();
	const ctx = {
		signal: controller.signal,
		cleanups: [],
		onLeave(fn) {
			this.cleanups.push(fn);
		},
		announce,
		focusHeading,
	};
	current = { controller, cleanups: ctx.cleanups };
	for (const [re, fn] of routes) {
		const m = re.exec(hash);
		if (!m) continue;
		replace(main, h('p.loading', 'Loading…'));
		try {
			await fn(main, ctx, m[1]);
			if (!controller.signal.aborted) focusHeading();
		} catch (e) {
			if (e.name === 'AbortError' || controller.signal.aborted) return;
			showError(e);
		}
		return;
	}
	replace(main, h('h1', 'Page not found'), h('p', 'There is nothing at this address. ', h('a', { href: '#/jobs' }, 'Back to the jobs.')));
	focusHeading();
}

function showError(e) {
	const msg = e instanceof ApiError ? e.describe() : String(e.message || e);
	const notFound = e instanceof ApiError && e.status === 404;
	replace(main, h('h1', notFound ? 'Not found' : 'Something went wrong'), h('p.notice.error', { role: 'alert' }, msg),
		h('p', h('a', { href: '#/jobs' }, 'Back to the jobs')));
	focusHeading();
}

function renderSignIn() {
	nav.hidden = true;
	const key = field('API key', 'input', { type: 'password', name: 'key', autocomplete: 'current-password', required: true, spellcheck: 'false' },
		'Ask your administrator for a key (shortlistctl key create). It is kept only in this browser tab.');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const button = h('button.primary', { type: 'submit' }, 'Sign in');
	const form = h('form.card.signin', { novalidate: true }, h('h1', 'Sign in to Shortlist'),
		signOutReason ? h('p.notice', signOutReason) : null, key.wrap, error, button);
	signOutReason = '';
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const k = key.input.value.trim();
		error.hidden = true;
		if (!k) {
			error.textContent = 'Enter your API key.';
			error.hidden = false;
			key.input.setAttribute('aria-invalid', 'true');
			key.input.focus();
			return;
		}
		button.disabled = true;
		button.textContent = 'Checking…';
		try {
			await api('GET', '/api/v1/jobs?limit=1', undefined, { key: k, quiet401: true });
			setKey(k);
			announce('Signed in');
			if (!location.hash || location.hash === '#/signin') location.hash = '#/jobs';
			else route();
		} catch (e) {
			error.textContent = e instanceof ApiError && (e.status === 401 || e.status === 403)
				? 'That API key was not accepted. Check it and try again.'
				: e instanceof ApiError ? e.describe() : String(e);
			error.hidden = false;
			key.input.setAttribute('aria-invalid', 'true');
			key.input.focus();
		} finally {
			button.disabled = false;
			button.textContent = 'Sign in';
		}
	});
	replace(main, form);
	document.title = 'Sign in · Shortlist';
	key.input.focus();
}

onUnauthorized(() => {
	if (!getKey()) return;
	clearKey();
	signOutReason = 'Your key was not accepted any more. Sign in again.';
	route();
});

document.getElementById('signout').addEventListener('click', () => {
	clearKey();
	signOutReason = 'You are signed out.';
	location.hash = '#/jobs';
	route();
});

// The skip link moves focus without changing the route.
document.querySelector('a.skip').addEventListener('click', (ev) => {
	ev.preventDefault();
	main.focus();
});

window.addEventListener('hashchange', route);
route();
