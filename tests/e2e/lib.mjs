// Helpers for the browser tests: launch Debian's chromium through playwright-core, count checks, run programs.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The build under test: build/, or the folder SHORTLIST_BUILD names (a sanitized one).
export const BUILD = path.join(ROOT, process.env.SHORTLIST_BUILD || 'build');
export const BASE_URL = process.env.SHORTLIST_WEB_URL || `http://127.0.0.1:${process.env.SHORTLIST_HTTP_PORT || 18080}`;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let passed = 0;
let failed = 0;

export function ok(what) {
	passed += 1;
	console.log(`ok - ${what}`);
}
export function notOk(what, why) {
	failed += 1;
	console.log(`not ok - ${what}${why ? `: ${String(why).split('\n')[0]}` : ''}`);
}
export function skip(what) {
	console.log(`skip: ${what}`);
}
export function check(what, cond, why) {
	if (cond) ok(what);
	else notOk(what, why);
	return !!cond;
}
// Runs an async step; a thrown error (a locator timing out, say) fails the check instead of the whole run.
export async function step(what, fn) {
	try {
		const r = await fn();
		if (r === false) notOk(what);
		else ok(what);
		return true;
	} catch (e) {
		notOk(what, e && e.message);
		return false;
	}
}
export function summary() {
	return { passed, failed };
}

function loadPlaywright() {
	const require = createRequire(path.join(ROOT, 'package.json'));
	try {
		return require('playwright-core');
	} catch {
		return null;
	}
}

// What every browser test needs before it starts: playwright-core, chromium at CHROMIUM and, unless
// options.webApp is false, the web app answering at BASE_URL. Resolves to playwright-core; when one is missing
// it prints a "skip: ..." line naming it and exits 77, the skip code of the tests' shell wrappers.
export async function requireBrowser({ webApp = true } = {}) {
	const pw = loadPlaywright();
	if (!pw) {
		skip('playwright-core is not installed (npm ci)');
		process.exit(77);
	}
	if (!existsSync(CHROMIUM)) {
		skip(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
		process.exit(77);
	}
	if (webApp) {
		try {
			const r = await fetch(`${BASE_URL}/`);
			if (!r.ok) throw new Error(`HTTP ${r.status}`);
		} catch (e) {
			skip(`the web app does not answer at ${BASE_URL}: ${e.message}`);
			process.exit(77);
		}
	}
	return pw;
}

// Launches a fresh headless chromium with its own profile directory; returns { context, close }.
// options.extraArgs are added to chromium's command line; the other options go to playwright.
export async function launch(pw, options = {}) {
	const profile = mkdtempSync(path.join(tmpdir(), 'shortlist-e2e-'));
	const { extraArgs = [], ...rest } = options;
	const context = await pw.chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', ...extraArgs],
		viewport: { width: 1280, height: 900 },
		...rest,
	});
	return {
		context,
		async close() {
			await context.close().catch(() => {});
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

// launch(), then its first page with a default timeout of options.timeout ms (15 s), and the problems
// the page reports: every page error, and, when options.consoleErrors is given (a function of a console
// message's text saying whether it counts), every console error it counts. The other options go to
// launch(). Resolves to { context, page, problems, close }.
export async function openPage(pw, options = {}) {
	const { timeout = 15000, consoleErrors, ...rest } = options;
	const { context, close } = await launch(pw, rest);
	const page = context.pages()[0] || (await context.newPage());
	const problems = [];
	page.setDefaultTimeout(timeout);
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	if (consoleErrors) {
		page.on('console', (m) => {
			if (m.type() === 'error' && consoleErrors(m.text())) problems.push(m.text());
		});
	}
	return { context, page, problems, close };
}

// Runs a program, writing opts.input (if any) to its standard input; resolves to { code, stdout, stderr } (never rejects).
export function run(file, args, opts = {}) {
	const { input, ...rest } = opts;
	return new Promise((resolve) => {
		const child = execFile(file, args, { timeout: 180000, maxBuffer: 16 * 1024 * 1024, ...rest }, (err, stdout, stderr) => {
			resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
		});
		child.stdin.on('error', () => {}); /* a program that exits without reading must not crash the test */
		child.stdin.end(input === undefined ? '' : input);
	});
}

// Creates an organisation and an API key with shortlistctl; resolves to the key.
export async function newKey(name) {
	const ctl = path.join(BUILD, 'bin/shortlistctl');
	const org = await run(ctl, ['org', 'create', name]);
	if (org.code !== 0) throw new Error(`shortlistctl org create: ${org.stderr.trim()}`);
	const key = await run(ctl, ['key', 'create', '--org', name]);
	if (key.code !== 0 || !key.stdout.trim()) throw new Error(`shortlistctl key create: ${key.stderr.trim()}`);
	return key.stdout.trim();
}

// Creates a user who signs in with email and password in the organisation org (shortlistctl reads the password
// from standard input), an admin when admin is true; resolves to run()'s answer, so a missing subcommand is a
// non-zero code, not a throw.
export function newUser(org, email, password, admin = false) {
	return run(path.join(BUILD, 'bin/shortlistctl'), ['user', 'create', '--org', org, ...(admin ? ['--admin'] : []), email, '--password-stdin'],
		{ input: `${password}\n` });
}

// Signs who ({email, password}) in on the web app's sign-in page and waits for the jobs list.
export async function signIn(page, who) {
	await page.goto(`${BASE_URL}/`);
	await page.getByLabel('Email', { exact: true }).fill(who.email);
	await page.getByLabel('Password').fill(who.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
}

// Calls the API directly (for set-up and for finding out whether an endpoint exists yet).
export async function apiCall(key, method, p, body) {
	const res = await fetch(`${BASE_URL}${p}`, {
		method,
		headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {
		json = null;
	}
	return { status: res.status, json };
}

// Whether the server has a route for the path: anything but a "no route" 404.
export async function hasRoute(key, method, p) {
	const r = await apiCall(key, method, p);
	return !(r.status === 404 && /no route/i.test((r.json && r.json.detail) || ''));
}
