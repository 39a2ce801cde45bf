// app: the recruiter web app's entry point — sign-in, hash routing between views, and the page frame.
import { api, ApiError, clearKey, getKey, onUnauthorized, setKey, signIn, signOut, whoAmI } from './api.js';
import { field, fmtDuration, h, replace } from './dom.js';
import { describe } from './problem.js';
import { renderCandidate } from './candidate.js';
import { renderJob } from './job.js';
import { renderJobForm } from './jobform.js';
import { renderJobs } from './jobs.js';
import { renderKeys } from './keys.js';
import { renderOperations } from './operations.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const keysLink = document.getElementById('nav-keys');
const opsLink = document.getElementById('nav-ops');
const announcer = document.getElementById('announce');

const routes = [
	[/^#?\/?$/, renderJobs],
	[/^#\/jobs$/, renderJobs],
	[/^#\/jobs\/new$/, (el, ctx) => renderJobForm(el, ctx, null)],
	[/^#\/jobs\/(\d+)$/, (el, ctx, id) => renderJob(el, ctx, id)],
	[/^#\/jobs\/(\d+)\/edit$/, (el, ctx, id) => renderJobForm(el, ctx, id)],
	[/^#\/candidates\/(\d+)$/, (el, ctx, id) => renderCandidate(el, ctx, id)],
	[/^#\/keys$/, renderKeys],
	[/^#\/operations$/, renderOperations],
];

let current = null; // { controller, cleanup }
let signOutReason = '';
let routing = 0; // counts route() calls, so one that waited for the session check can tell it was overtaken

// The session cookie's sign-in ({ user, organisation, ... }) once known; null when there is none or it ended.
let session = null;
// The first GET /api/v1/session of this page load, shared by every route() until it answers.
let sessionCheck = null;
// A problem the session check met that is worth showing on the sign-in form (the server down, say).
let checkProblem = '';
// Who the stored key signs in as ({ auth: 'api_key', user or null, ... }) once asked; null when not known yet.
let keyCaller = null;
// Whether the sign-in form shows the API key field instead of email and password.
let keyMode = false;

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

// Asks the server once per page load whether the session cookie signs someone in. The cookie is HttpOnly, so
// the page cannot look for it; until the answer comes, "Loading…" stays and neither the form nor the app shows.
function checkSession() {
	if (!sessionCheck) {
		sessionCheck = whoAmI().then((s) => {
			session = s;
		}, (e) => {
			session = null;
			checkProblem = describe(e);
		});
	}
	return sessionCheck;
}

// Asks once per stored key who it signs in as, for what the navigation offers. A 401 here signs out as any other;
// any other failure only leaves the role unknown, and the pages themselves report what is wrong.
async function checkKey() {
	if (keyCaller) return;
	try {
		keyCaller = await api('GET', '/api/v1/session');
	} catch {
		keyCaller = null;
	}
}

// Whether the caller may manage the organisation's API keys: an admin user, or an organisation key (no user).
function mayManageKeys() {
	const c = getKey() ? keyCaller : session;
	return !!c && (c.user === null || (!!c.user && c.user.role === 'admin'));
}

// Who the top bar says is signed in: the user's email, or "API key"; null when nobody is.
function signedInAs() {
	if (getKey()) return 'API key';
	if (!session) return null;
	return session.user && session.user.email ? session.user.email : 'API key';
}

async function route() {
	leave();
	const mine = ++routing;
	if (!getKey()) await checkSession();
	else await checkKey();
	if (mine !== routing) return;
	const as = signedInAs();
	if (!as) {
		renderSignIn();
		return;
	}
	replace(who, h('span.visually-hidden', 'Signed in as '), as);
	who.title = `Signed in as ${as}`; /* the whole email when the top bar had to cut it short */
	nav.hidden = false;
	keysLink.hidden = !mayManageKeys();
	opsLink.hidden = keysLink.hidden; /* the same admins see the operations page */
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
	const msg = describe(e);
	const notFound = e instanceof ApiError && e.status === 404;
	replace(main, h('h1', notFound ? 'Not found' : 'Something went wrong'), h('p.notice.error', { role: 'alert' }, msg),
		h('p', h('a', { href: '#/jobs' }, 'Back to the jobs')));
	focusHeading();
}

// Goes to the page asked for (or the job list) once signed in.
function enter() {
	announce('Signed in');
	if (!location.hash || location.hash === '#/signin') location.hash = '#/jobs';
	else route();
}

// Shows msg in the form's alert and marks input invalid and focused.
function refuse(error, input, msg) {
	error.textContent = msg;
	error.hidden = false;
	input.setAttribute('aria-invalid', 'true');
	input.focus();
}

// What a failed password sign-in tells the person: the server's own words, and when to retry after too many tries.
function passwordProblem(e) {
	if (!(e instanceof ApiError)) return describe(e);
	if (e.status === 401) return e.detail || 'That email and password do not match an account. Check them and try again.';
	if (e.status === 429) {
		/* The server's detail names the wait in seconds; a person reads minutes and a time better. */
		const sec = e.retryAfter;
		if (sec === null) return e.detail || 'Too many failed sign-ins for this email. Wait a while and try again.';
		const at = new Date(Date.now() + sec * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
		return `Too many failed sign-ins for this email. Try again in ${fmtDuration(sec)} (at ${at}).`;
	}
	return describe(e);
}

function passwordFields(error, button) {
	const email = field('Email', 'input', { type: 'email', name: 'email', autocomplete: 'username', required: true, spellcheck: 'false',
		autocapitalize: 'none', inputmode: 'email' });
	const password = field('Password', 'input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
	async function submit() {
		const address = email.input.value.trim();
		const secret = password.input.value;
		for (const f of [email, password]) f.input.removeAttribute('aria-invalid');
		error.hidden = true;
		if (!address) return refuse(error, email.input, 'Enter your email address.');
		if (!secret) return refuse(error, password.input, 'Enter your password.');
		button.disabled = true;
		button.textContent = 'Signing in…';
		try {
			session = await signIn(address, secret);
			checkProblem = '';
			enter();
		} catch (e) {
			refuse(error, password.input, passwordProblem(e));
			password.input.select();
		} finally {
			button.disabled = false;
			button.textContent = 'Sign in';
		}
	}
	return { fields: [email.wrap, password.wrap], first: email.input, submit };
}

function keyFields(error, button) {
	const key = field('API key', 'input', { type: 'password', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false' },
		'Ask your administrator for a key (shortlistctl key create). It is kept only in this browser tab.');
	async function submit() {
		const k = key.input.value.trim();
		error.hidden = true;
		if (!k) return refuse(error, key.input, 'Enter your API key.');
		button.disabled = true;
		button.textContent = 'Checking…';
		try {
			await api('GET', '/api/v1/jobs?limit=1', undefined, { key: k, quiet401: true });
			setKey(k);
			keyCaller = null;
			enter();
		} catch (e) {
			refuse(error, key.input, e instanceof ApiError && (e.status === 401 || e.status === 403)
				? 'That API key was not accepted. Check it and try again.'
				: describe(e));
		} finally {
			button.disabled = false;
			button.textContent = 'Sign in';
		}
	}
	return { fields: [key.wrap], first: key.input, submit };
}

// The sign-in form: email and password, or an API key after "Use an API key instead".
function renderSignIn() {
	nav.hidden = true;
	who.replaceChildren();
	who.removeAttribute('title');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const button = h('button.primary', { type: 'submit' }, 'Sign in');
	const way = keyMode ? keyFields(error, button) : passwordFields(error, button);
	const other = h('button.link', { type: 'button' }, keyMode ? 'Use email and password instead' : 'Use an API key instead');
	const notice = signOutReason || checkProblem;
	const form = h('form.card.signin', { novalidate: true }, h('h1', 'Sign in to Shortlist'),
		notice ? h(checkProblem && !signOutReason ? 'p.notice.error' : 'p.notice', notice) : null,
		way.fields, error, h('p.actions', button, other));
	signOutReason = '';
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		way.submit();
	});
	other.addEventListener('click', () => {
		keyMode = !keyMode;
		renderSignIn();
	});
	replace(main, form);
	document.title = 'Sign in · Shortlist';
	way.first.focus();
}

// A 401 from any view: the key was revoked or the session ended (expired, or signed out in another tab).
onUnauthorized(() => {
	if (getKey()) {
		clearKey();
		keyCaller = null;
		keyMode = true;
		signOutReason = 'Your key was not accepted any more. Sign in again.';
	} else if (session) {
		session = null;
		keyMode = false;
		signOutReason = 'Your session has ended. Sign in again.';
	} else return;
	route();
});

const signOutButton = document.getElementById('signout');
signOutButton.addEventListener('click', async () => {
	keyMode = !!getKey();
	signOutButton.disabled = true;
	await signOut();
	signOutButton.disabled = false;
	session = null;
	keyCaller = null;
	signOutReason = 'You are signed out.';
	/* Without a hashchange, so the form is drawn once and keeps its notice. */
	if (location.hash !== '#/jobs') history.replaceState(null, '', '#/jobs');
	route();
});

// The skip link moves focus without changing the route.
document.querySelector('a.skip').addEventListener('click', (ev) => {
	ev.preventDefault();
	main.focus();
});

window.addEventListener('hashchange', route);
route();
