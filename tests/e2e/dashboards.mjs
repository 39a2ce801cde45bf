// Browser test of the dashboards: a job's charts (score distribution, categories, states, LLM spend) and the
// operations page of an organisation's admins, each SVG chart with as many bars or points as the API's numbers
// call for; a recruiter is not offered the operations page and is refused it. Screenshots go to
// var/screenshots/dashboard-*.png for a person to look at.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASE_URL, BUILD, ROOT, apiCall, check, newUser, notOk, openPage, requireBrowser, run, signIn, skip, step, summary } from './lib.mjs';

const pw = await requireBrowser();

const ctl = path.join(BUILD, 'bin/shortlistctl');
const shots = path.join(ROOT, 'var/screenshots');
mkdirSync(shots, { recursive: true });
const org = `dash-e2e-${process.pid}-${Date.now()}`;
const seeded = await run(ctl, ['seed', '--org', org, '--job-title', 'Platform Engineer', '--candidates', '400']);
const jobId = seeded.stdout.trim();
if (seeded.code !== 0 || !/^\d+$/.test(jobId)) {
	skip(`shortlistctl seed failed: ${seeded.stderr.trim().split('\n').pop()}`);
	process.exit(77);
}
const keyRun = await run(ctl, ['key', 'create', '--org', org]);
const key = keyRun.stdout.trim();
const admin = { email: `ops-admin-${process.pid}@example.com`, password: 'an admin pass phrase 7' };
const recruiter = { email: `ops-rec-${process.pid}@example.com`, password: 'a recruiter pass phrase 8' };
await newUser(org, admin.email, admin.password, true);
await newUser(org, recruiter.email, recruiter.password);

// The seeded candidates spread over the last hours and days, with some model spend and emails, so the charts
// have shapes to draw (through psql, when it is there; without it the charts are checked on what the seed made).
const spread = `
	WITH o AS (SELECT org_id FROM jobs WHERE id = ${jobId}),
	a AS (UPDATE analyses SET created_at = now() - (id % 18) * interval '1 hour' - (CASE WHEN id % 3 = 0 THEN id % 13 ELSE 0 END) * interval '1 day',
		prompt_tokens = 900 + id % 200, completion_tokens = 150 + id % 50, cost_usd = 0.0021 + (id % 10) * 0.0001,
		cached_tokens = CASE WHEN id % 2 = 0 THEN 1024 ELSE 0 END, cache_saved_usd = CASE WHEN id % 2 = 0 THEN 0.0001 ELSE 0 END
		WHERE job_id = ${jobId} RETURNING resume_id, created_at)
	UPDATE resumes r SET created_at = a.created_at - (5 + r.id % 90) * interval '1 second' FROM a WHERE r.id = a.resume_id;
	INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state, sent_at, updated_at)
		SELECT org_id, job_id, id, 'invite', 'c' || id || '@e2e.example', 'Hi', 'Hi', 'e2e-' || id || '-${process.pid}@x',
		CASE WHEN id % 9 = 0 THEN 'failed' ELSE 'sent' END, CASE WHEN id % 9 = 0 THEN NULL ELSE now() - (id % 4) * interval '1 day' END,
		now() - (id % 4) * interval '1 day' FROM resumes WHERE job_id = ${jobId} ORDER BY id LIMIT 60;`;
const psql = await run('psql', ['-h', '127.0.0.1', '-p', process.env.SHORTLIST_PG_PORT || '5432', '-U', 'postgres', '-d', 'shortlist', '-qc', spread]);
if (psql.code !== 0) console.log(`# psql did not spread the data (${psql.stderr.trim().split('\n')[0]}); charts checked on the seed as made`);

// A few real uploads the drainer processes, so latency and the hours have something of their own.
const fixtures = process.env.FIXTURES || mkdtempSync(path.join(tmpdir(), 'shortlist-fixtures-'));
if (!process.env.FIXTURES) await run(path.join(BUILD, 'tests/tools/mkfixtures'), [fixtures]);
const up = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Support Engineer', description: 'Linux, SQL and clear writing. 2+ years.' })).json;
const form = new FormData();
for (const n of ['resume.pdf', 'resume.docx', 'resume.txt', 'image_only.pdf']) form.append('f', new Blob([readFileSync(path.join(fixtures, n))]), n);
await fetch(`${BASE_URL}/api/v1/jobs/${up.id}/resumes`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
await run(path.join(BUILD, 'bin/drainer'), ['--once', '--max-seconds', '60']);

const { page, problems, close } = await openPage(pw, { consoleErrors: (text) => !/status of (401|403)/.test(text) });
const shot = async (name, full = true) => {
	await page.waitForTimeout(300);
	await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: full });
	console.log(`# var/screenshots/${name}.png`);
};
const marks = (chart, sel) => page.locator(`[data-chart=${chart}] svg ${sel}`).count();
const titles = (chart, sel) => page.locator(`[data-chart=${chart}] svg ${sel} > title`).allTextContents();

try {
	await signIn(page, admin);
	const sm = (await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/summary`)).json;
	await page.goto(`${BASE_URL}/#/jobs/${jobId}`);
	await step('the job page draws the score distribution', () => page.locator('[data-chart=scores] svg rect.bar').first().waitFor({ state: 'attached' }));
	check('ten score bars, one per bin of 10', (await marks('scores', 'rect.bar')) === 10);
	const scoreTitles = await titles('scores', 'rect.bar');
	check('each score bar says its bin and the API\'s count', scoreTitles.every((t, i) =>
		t === `${sm.score_bins[i].from}–${sm.score_bins[i].to}: ${sm.score_bins[i].count.toLocaleString()}`), scoreTitles.join(' | '));
	check('five category bars', (await marks('categories', 'rect.bar')) === 5);
	check('the shortlist bar has the API\'s count', (await titles('categories', 'rect.bar'))[0] === `Shortlist: ${sm.categories.shortlist.toLocaleString()}`);
	check('six state bars (waiting for budget among them)', (await marks('states', 'rect.bar')) === 6);
	check('the tallest score bar is the fullest bin', await page.evaluate((counts) => {
		const hs = [...document.querySelectorAll('[data-chart=scores] svg rect.bar')].map((r) => Number(r.getAttribute('height')));
		return hs.indexOf(Math.max(...hs)) === counts.indexOf(Math.max(...counts));
	}, sm.score_bins.map((b) => b.count)));
	check('the LLM spend shows cost and tokens', (await page.locator('[data-chart=spend] dl').textContent()).includes('Tokens')
		&& (await marks('tokens', 'rect.bar')) === 2);
	check('the job page shows the prompt cache savings', (await page.locator('[data-chart=spend] [data-stat=prompt-cache] dd').textContent())
		.includes(`${sm.llm.cached_tokens.toLocaleString()} cached tokens`));
	await page.locator('[data-testid=job-summary]').scrollIntoViewIfNeeded();
	await shot('dashboard-job', false);
	await page.locator('[data-testid=job-summary]').screenshot({ path: path.join(shots, 'dashboard-job-summary.png') });
	console.log('# var/screenshots/dashboard-job-summary.png');

	const opsLink = page.locator('#nav').getByRole('link', { name: 'Operations' });
	await step('an admin is offered the operations page', () => opsLink.waitFor());
	await opsLink.click();
	await step('the operations page draws its charts', () => page.locator('[data-chart=throughput] svg rect.bar').first().waitFor({ state: 'attached' }));
	const rep = (await apiCall(key, 'GET', '/api/v1/operations?hours=24')).json;
	const points = (xs) => xs.filter((v) => typeof v === 'number').length;
	check('24 throughput bars', (await marks('throughput', 'rect.bar')) === rep.hourly.length && rep.hourly.length === 24);
	const latencyPoints = points(rep.hourly.map((x) => x.latency_p50_s)) + points(rep.hourly.map((x) => x.latency_p95_s));
	check(`a latency point per hour with a measure (${latencyPoints})`, latencyPoints > 0 && (await marks('latency', 'circle.point')) === latencyPoints);
	check('48 error points (failed and needing review per hour)', (await marks('errors', 'circle.point')) === 48);
	check('a spend bar per day', (await marks('spend', 'rect.bar')) === rep.daily.length);
	const st = (await apiCall(key, 'GET', '/api/v1/stats')).json;
	check('the operations page shows the organisation\'s prompt cache savings', (await page.locator('[data-stat=prompt-cache] dd').textContent())
		.includes(`${st.prompt_cache.cached_tokens.toLocaleString()} cached tokens`));
	check('two email bars per day', (await marks('emails', 'rect.bar')) === 2 * rep.daily.length);
	check('two queue bars per kind', (await marks('queue', 'rect.bar')) === 2 * rep.queue.length);
	const processed = rep.hourly.reduce((t, x) => t + x.processed, 0);
	check(`the hours' bars add up to the API's ${processed} processed`, await page.evaluate(() =>
		[...document.querySelectorAll('[data-chart=throughput] svg rect.bar > title')].reduce((t, e) => t + Number(e.textContent.split(': ').pop().replace(/\D/g, '')), 0)) === processed);
	await shot('dashboard-operations');
	await page.getByRole('button', { name: 'Last 14 days' }).click();
	await step('14 days: 336 throughput bars', async () => {
		await page.waitForFunction(() => document.querySelectorAll('[data-chart=throughput] svg rect.bar').length === 336);
	});
	await shot('dashboard-operations-14d');
	await page.setViewportSize({ width: 375, height: 800 });
	await page.getByRole('button', { name: 'Last 24 hours' }).click();
	await page.waitForFunction(() => document.querySelectorAll('[data-chart=throughput] svg rect.bar').length === 24);
	await shot('dashboard-operations-phone');
	await page.setViewportSize({ width: 1280, height: 900 });

	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByLabel('Email').waitFor();
	await signIn(page, recruiter);
	check('a recruiter is not offered the operations page', !(await page.locator('#nav').getByRole('link', { name: 'Operations' }).isVisible()));
	await page.goto(`${BASE_URL}/#/operations`);
	await step('a recruiter who goes there is told only admins see it', () =>
		page.getByRole('alert').filter({ hasText: 'administrators' }).waitFor());
	check('and no chart is drawn', (await page.locator('[data-chart] svg').count()) === 0);
	await page.goto(`${BASE_URL}/#/jobs/${jobId}`);
	await step('a recruiter sees the job\'s charts', () => page.locator('[data-chart=scores] svg rect.bar').first().waitFor({ state: 'attached' }));
	check('no page errors', problems.length === 0, problems.join(' | '));
} catch (e) {
	notOk('the dashboards test ran to the end', e && e.message);
} finally {
	await close();
	if (!process.env.FIXTURES) rmSync(fixtures, { recursive: true, force: true });
}
const { failed } = summary();
process.exit(failed ? 1 : 0);
