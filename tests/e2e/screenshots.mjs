// Takes screenshots of every page of the web app, at desktop and phone widths, into var/screenshots/ for a person to look at.
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASE_URL, ROOT, apiCall, launch, newKey, requireBrowser, run } from './lib.mjs';

const out = path.join(ROOT, 'var/screenshots');
mkdirSync(out, { recursive: true });
const pw = await requireBrowser();

const key = await newKey(`screens-${process.pid}-${Date.now()}`);
const job = (await apiCall(key, 'POST', '/api/v1/jobs', {
	title: 'Senior Backend Engineer', company: 'Acme Widgets', location: 'Berlin or remote',
	description: 'We build reliable services in C and Go on Linux with PostgreSQL. You have at least 3 years of backend experience.',
	required_skills: ['C', 'PostgreSQL', 'Linux'], knockouts: [{ type: 'min_years', years: 3 }], thresholds: { shortlist: 70, consider: 45 },
})).json;
await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Data Analyst', company: 'Acme Widgets', location: 'London', description: 'SQL and Python.' });

const fixtures = mkdtempSync(path.join(tmpdir(), 'shortlist-shots-'));
await run(path.join(ROOT, 'build/tests/tools/mkfixtures'), [fixtures]);
const files = ['resume.pdf', 'resume.docx', 'resume.txt', 'hidden_white.pdf', 'image_only.pdf', 'truncated.pdf', 'three_pages.pdf', 'empty.bin'];

const { context, close } = await launch(pw);
const page = context.pages()[0] || (await context.newPage());
const shot = async (name, full = true) => {
	await page.waitForTimeout(400);
	await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: full });
	console.log(`var/screenshots/${name}.png`);
};
try {
	await page.goto(`${BASE_URL}/`);
	await page.getByLabel('Password').waitFor();
	await shot('00-signin');
	await page.getByRole('button', { name: 'Use an API key instead' }).click();
	await page.getByLabel('API key').fill('wrong');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
	await shot('01-signin-error');
	await page.getByLabel('API key').fill(key);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
	await shot('02-jobs');
	await page.goto(`${BASE_URL}/#/jobs/new`);
	await page.getByRole('heading', { name: 'New job' }).waitFor();
	await page.getByRole('button', { name: 'Add knock-out' }).click();
	await page.getByRole('button', { name: 'Create job' }).click();
	await shot('03-job-new-errors');
	await page.goto(`${BASE_URL}/#/jobs/${job.id}/edit`);
	await page.getByRole('heading', { level: 1 }).waitFor();
	await page.getByLabel('Define my own criteria and weights').check();
	await shot('04-job-edit');
	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	await page.getByRole('heading', { level: 1, name: job.title }).waitFor();
	await page.locator('#resume-files').setInputFiles(files.map((n) => ({ name: n, mimeType: 'application/octet-stream', buffer: readFileSync(path.join(fixtures, n)) })));
	await page.locator('.upload-summary').filter({ hasText: 'accepted' }).waitFor();
	await shot('05-job-uploaded');
	await run(path.join(ROOT, 'build/bin/drainer'), ['--once']);
	await page.locator('.batch.done').first().waitFor({ timeout: 30000 }).catch(() => {});
	await page.getByRole('button', { name: 'Refresh' }).click();
	await page.locator('[data-testid=ranked] tbody tr').first().waitFor();
	await shot('06-job-ranked');
	await page.locator('[data-testid=ranked] tbody input[type=checkbox]').first().check();
	await page.getByRole('button', { name: 'Invite to interview' }).click();
	await page.getByRole('dialog').waitFor();
	await page.getByRole('dialog').getByRole('button', { name: 'Preview' }).click().catch(() => {});
	await shot('07-email-composer', false);
	await page.keyboard.press('Escape');
	const list = (await apiCall(key, 'GET', `/api/v1/jobs/${job.id}/candidates?limit=50`)).json;
	const flagged = (list?.items || []).find((i) => (i.flags || []).length) || list?.items?.[0];
	if (flagged) {
		await page.goto(`${BASE_URL}/#/candidates/${flagged.resume_id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		await shot('08-candidate');
	}
	const failed = (list?.items || []).find((i) => i.category === 'failed');
	if (failed) {
		await page.goto(`${BASE_URL}/#/candidates/${failed.resume_id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		await shot('09-candidate-failed');
	}
	await page.setViewportSize({ width: 375, height: 800 });
	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	await page.locator('[data-testid=ranked] tbody tr').first().waitFor();
	await shot('10-phone-job');
	if (flagged) {
		await page.goto(`${BASE_URL}/#/candidates/${flagged.resume_id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		await shot('11-phone-candidate');
	}
} finally {
	await close();
	rmSync(fixtures, { recursive: true, force: true });
}
