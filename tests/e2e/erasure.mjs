// Browser test of an erasure from the web app: a recruiter opens a candidate, is told the reason and the
// confirmation are needed, is refused while a legal hold is on the candidate (the page names the hold), and,
// once it is released, erases the candidate; the page says what went, the API no longer finds the candidate,
// its file is gone from the S3 server and its rows from PostgreSQL, and the audit trail holds the erasure.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BASE_URL, BUILD, ROOT, apiCall, check, newUser, notOk, openPage, requireBrowser, run, signIn, step, summary } from './lib.mjs';

const pw = await requireBrowser();

const ctl = path.join(BUILD, 'bin/shortlistctl');
const shots = path.join(ROOT, 'var/screenshots');
mkdirSync(shots, { recursive: true });
const org = `erase-e2e-${process.pid}-${Date.now()}`;
await run(ctl, ['org', 'create', org]);
const key = (await run(ctl, ['key', 'create', '--org', org])).stdout.trim();
const rec = { email: `erase-rec-${process.pid}@example.com`, password: 'a recruiter pass phrase 9' };
await newUser(org, rec.email, rec.password);
const sql = (q) => run('psql', ['-h', '127.0.0.1', '-p', process.env.SHORTLIST_PG_PORT || '5432', '-U', 'postgres', '-d', 'shortlist', '-Atqc', q]);

const job = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Data Analyst', description: 'SQL, Python and clear writing.' })).json;
const form = new FormData();
const marker = `Wilhelmina Erasable ${process.pid}`;
form.append('f', new Blob([`${marker}\nwilhelmina.${process.pid}@example.org\nData analyst with SQL and Python, six years of reporting work.\n`]), 'wilhelmina.txt');
const up = await (await fetch(`${BASE_URL}/api/v1/jobs/${job.id}/resumes`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form })).json();
const rid = up.files[0].resume_id;
await run(path.join(BUILD, 'bin/drainer'), ['--once', '--max-seconds', '60'], { env: { ...process.env, SHORTLIST_LLM_PROVIDER: 'local' } });
const s3key = (await sql(`SELECT s3_key FROM resumes WHERE id = ${rid}`)).stdout.trim();
const s3url = `http://127.0.0.1:${process.env.SHORTLIST_S3_PORT}/${process.env.SHORTLIST_S3_BUCKET}/${s3key}`;
check('the resume is stored in S3 before the erasure', (await fetch(s3url)).status === 200);
const hold = (await apiCall(key, 'POST', '/api/v1/legal-holds', { resume_id: rid, reason: 'pending tribunal' })).json;

const { page, problems, close } = await openPage(pw);
try {
	await signIn(page, rec);
	await page.goto(`${BASE_URL}/#/candidates/${rid}`);
	const card = page.getByTestId('personal-data');
	await step('the candidate page offers the erasure', () => card.waitFor());
	const alert = card.getByRole('alert');
	await card.getByRole('button', { name: 'Erase candidate' }).click();
	await step('an erasure without a reason is not sent', async () => (await alert.textContent()).includes('reason'));
	await card.getByLabel('Reason for the erasure').fill('The candidate asked us to delete their data');
	await card.getByRole('button', { name: 'Erase candidate' }).click();
	await step('nor one without the confirmation', async () => (await alert.textContent()).includes('confirm'));
	await card.getByRole('checkbox').check();
	await card.getByRole('button', { name: 'Erase candidate' }).click();
	await step('a legal hold refuses it, and the page names the hold', async () => {
		await page.waitForFunction((id) => document.querySelector('[data-testid=personal-data] [role=alert]')?.textContent.includes(`legal hold ${id}`), hold.id);
	});
	await page.screenshot({ path: path.join(shots, 'erasure-refused.png'), fullPage: true });
	check('the held candidate is still there', (await sql(`SELECT count(*) FROM resumes WHERE id = ${rid}`)).stdout.trim() === '1');
	await apiCall(key, 'POST', `/api/v1/legal-holds/${hold.id}/release`, { reason: 'tribunal closed' });
	await card.getByRole('button', { name: 'Erase candidate' }).click();
	await step('once released, the candidate is erased and the page says what went', () => page.getByTestId('erased').waitFor());
	await step('with the way back to the job', () => page.getByRole('link', { name: 'Back to the job' }).waitFor());
	await page.screenshot({ path: path.join(shots, 'erasure-done.png'), fullPage: true });
	console.log('# var/screenshots/erasure-refused.png, var/screenshots/erasure-done.png');
	check('the API no longer finds the candidate', (await apiCall(key, 'GET', `/api/v1/candidates/${rid}`)).status === 404);
	check('the file is gone from the S3 server', (await fetch(s3url)).status === 404);
	const left = (await sql(`SELECT (SELECT count(*) FROM resumes WHERE id = ${rid}) + (SELECT count(*) FROM analyses WHERE resume_id = ${rid})
		+ (SELECT count(*) FROM tasks WHERE resume_id = ${rid})`)).stdout.trim();
	check(`no row names the candidate (${left})`, left === '0');
	const trail = (await apiCall(key, 'GET', `/api/v1/audit?resume_id=${rid}&action=candidate.erased`)).json;
	check('the audit trail holds the erasure with its reason', trail?.items?.[0]?.details?.reason === 'The candidate asked us to delete their data');
	const found = (await sql(`SELECT count(*) FROM audit_events WHERE strpos(details::text, '${marker}') > 0`)).stdout.trim();
	check('and no event holds the candidate\'s name', found === '0');
	check('no page errors', problems.length === 0, problems.join(' | '));
} catch (e) {
	notOk('the erasure walk-through', e && e.message);
} finally {
	await close();
}
const { passed, failed } = summary();
console.log(`# erasure.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
