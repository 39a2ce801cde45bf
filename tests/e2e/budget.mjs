// Browser test of cost governance on a job's page: resumes waiting for the job's budget are shown and the recruiter
// raises the budget in the page to let them go on; an estimate is made before uploading (from a count and size, and
// from chosen files without sending them); the job's spend and the organisation's on the jobs page, with calls of a
// model without a price shown as of unknown price. Screenshots go to var/screenshots/budget-*.png.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASE_URL, BUILD, ROOT, apiCall, check, newUser, notOk, openPage, requireBrowser, run, signIn, skip, step, summary } from './lib.mjs';

const pw = await requireBrowser({ webApp: false });
const llmPort = process.env.SHORTLIST_LLM_PORT;
if (!llmPort) {
	skip('the instance has no fake LLM provider (SHORTLIST_LLM_PORT)');
	process.exit(77);
}

const ctl = path.join(BUILD, 'bin/shortlistctl');
const drainer = path.join(BUILD, 'bin/drainer');
const shots = path.join(ROOT, 'var/screenshots');
mkdirSync(shots, { recursive: true });
const org = `budget-e2e-${process.pid}-${Date.now()}`;
if ((await run(ctl, ['org', 'create', org])).code !== 0) {
	skip('shortlistctl org create failed');
	process.exit(77);
}
const key = (await run(ctl, ['key', 'create', '--org', org])).stdout.trim();
const user = { email: `budget-${process.pid}@example.com`, password: 'a budget pass phrase 9' };
await newUser(org, user.email, user.password);
const tmp = mkdtempSync(path.join(tmpdir(), 'shortlist-budget-'));
const llmEnv = (model) => ({ env: { ...process.env, SHORTLIST_LLM_PROVIDER: 'openai', SHORTLIST_OPENAI_API_KEY: 'sk-e2e',
	SHORTLIST_OPENAI_BASE_URL: `http://127.0.0.1:${llmPort}/v1`, SHORTLIST_OPENAI_MODEL: model, SHORTLIST_BUDGET_RECHECK_SECONDS: '600' } });

async function upload(jobId, tag, n) {
	const form = new FormData();
	for (let i = 1; i <= n; i++) {
		form.append('f', new Blob([`Summary\nBackend engineer ${tag} ${i}: C, PostgreSQL and Linux services since 2016.\n\nExperience\nEngineer, Acme (2016 - 2024), run ${i} of ${tag}.\n`]), `${tag}-${i}.txt`);
	}
	const r = await fetch(`${BASE_URL}/api/v1/jobs/${jobId}/resumes`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
	return r.json();
}

const job = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Budgeted Engineer', description: `C, PostgreSQL and Linux (${process.pid}).` })).json;
// A budget far below one call: every resume waits for it.
await apiCall(key, 'PUT', `/api/v1/jobs/${job.id}/budget`, { budget_usd: 0.000001 });
await upload(job.id, 'budget', 3);
await run(drainer, ['--once', '--max-seconds', '60'], llmEnv('gpt-4o-mini'));
const other = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Self-hosted Engineer', description: `Go and Linux (${process.pid}).` })).json;
await upload(other.id, 'unpriced', 2);
await run(drainer, ['--once', '--max-seconds', '60'], llmEnv('acme-private-llm'));

const { page, problems, close } = await openPage(pw, { consoleErrors: (text) => !/status of (401|403)/.test(text) });
const shot = async (name) => {
	await page.waitForTimeout(300);
	await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
	console.log(`# var/screenshots/${name}.png`);
};

try {
	await signIn(page, user);
	await step('the jobs page shows the organisation\'s spend with calls of unknown price apart', () =>
		page.getByTestId('org-spend').filter({ hasText: '2 calls of unknown price (acme-private-llm)' }).waitFor());

	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	const section = page.getByTestId('job-budget');
	await step('the job page has a budget and cost section', () => section.getByRole('heading', { name: 'Budget and cost' }).waitFor());
	await step('it says three resumes wait for budget', () => page.getByTestId('pending-budget').filter({ hasText: '3 resumes waiting for budget' }).waitFor());
	await step('the job\'s summary counts them as waiting for budget', () => page.locator('[data-chart=states]').waitFor({ state: 'attached' }));
	await shot('budget-waiting');

	await section.getByLabel('Resumes').fill('250');
	await section.getByLabel('Text per resume (bytes)').fill('3000');
	await section.getByRole('button', { name: 'Estimate', exact: true }).click();
	await step('an estimate for 250 resumes of 3,000 bytes is shown before any upload', () =>
		page.getByTestId('estimate').filter({ hasText: '250 resumes of 2.9 KB: about' }).waitFor());
	const est = (await apiCall(key, 'POST', `/api/v1/jobs/${job.id}/estimate`, { resumes: 250, bytes_each: 3000 })).json;
	check(`it names the model the API priced (${est.model})`, (await page.getByTestId('estimate').textContent()).includes(`with ${est.model}`));
	const files = [1, 2].map((i) => {
		const f = path.join(tmp, `cv-${i}.txt`);
		writeFileSync(f, 'x'.repeat(2000 * i));
		return f;
	});
	await page.locator('#estimate-files').setInputFiles(files);
	await step('choosing files estimates them without sending them', () =>
		page.getByTestId('estimate').filter({ hasText: '2 files (5.9 KB): about' }).waitFor());
	const before = (await apiCall(key, 'GET', `/api/v1/jobs/${job.id}/budget`)).json;
	check('nothing was uploaded by the estimate', (await apiCall(key, 'GET', `/api/v1/jobs/${job.id}`)).json.counts.resumes.pending_budget === 3 && before.pending_budget === 3);

	await section.getByLabel('Budget (US dollars)').fill('5');
	await section.getByRole('button', { name: 'Save budget' }).click();
	await step('raising the budget in the page wakes the waiting resumes', async () => {
		await page.getByTestId('budget-status').filter({ hasText: 'Budget $5.00' }).waitFor();
		await page.getByTestId('pending-budget').waitFor({ state: 'detached' });
	});
	const after = (await apiCall(key, 'GET', `/api/v1/jobs/${job.id}/budget`)).json;
	check('the API has the new budget and nothing waiting', after.budget_usd === 5 && after.pending_budget === 0, JSON.stringify(after));
	await run(drainer, ['--once', '--max-seconds', '60'], llmEnv('gpt-4o-mini'));
	await page.reload();
	await step('after the drainer, the job\'s spend shows its three calls', () =>
		page.getByTestId('job-spend').locator('div').filter({ hasText: 'Calls' }).filter({ hasText: '3' }).first().waitFor());
	const spent = (await apiCall(key, 'GET', `/api/v1/jobs/${job.id}/budget`)).json;
	check(`three calls were made within the budget ($${spent.spend.usd})`, spent.spend.calls === 3 && spent.spend.usd > 0 && spent.spend.usd <= 5, JSON.stringify(spent.spend));
	await shot('budget-raised');

	await page.goto(`${BASE_URL}/#/jobs/${other.id}`);
	await step('a job scored by a model without a price shows its calls as of unknown price, not $0', () =>
		page.getByTestId('unknown-priced').filter({ hasText: 'acme-private-llm: not in the price table, cost unknown' }).waitFor());
	await shot('budget-unknown-price');
	check('no page errors', problems.length === 0, problems.join(' | '));
} catch (e) {
	notOk('the budget test ran to the end', e && e.message);
} finally {
	await close();
	rmSync(tmp, { recursive: true, force: true });
}
const { failed } = summary();
process.exit(failed ? 1 : 0);
