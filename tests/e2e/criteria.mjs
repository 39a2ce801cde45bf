// Browser test of the job page's criteria with the fake LLM provider (run by tests/t1001-web-criteria.sh, which
// makes the job E2E_JOB of key E2E_KEY with the provider configured and uploads two resumes): the page shows the
// local rubric as provisional, the drainer brings the LLM's criteria, the test edits them (reweight, remove, add),
// is refused a zero weight, saves, sees the new version's diff and rescore offer, rescores, and sees every
// candidate scored with the new version. Screenshots go to var/screenshots/criteria-*.png.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BASE_URL, BUILD, ROOT, apiCall, check, launch, notOk, requireBrowser, run, skip, step, summary } from './lib.mjs';

const pw = await requireBrowser({ webApp: false });
const key = process.env.E2E_KEY;
const jobId = process.env.E2E_JOB;
const llmUrl = process.env.SHORTLIST_E2E_LLM_BASE_URL;
if (!key || !jobId || !llmUrl) {
	skip('E2E_KEY, E2E_JOB and SHORTLIST_E2E_LLM_BASE_URL are needed (tests/t1001-web-criteria.sh sets them)');
	process.exit(77);
}
const shots = path.join(ROOT, 'var/screenshots');
mkdirSync(shots, { recursive: true });
const shot = async (locator, name) => {
	await locator.screenshot({ path: path.join(shots, `${name}.png`) });
	console.log(`# var/screenshots/${name}.png`);
};

// The drainer with the provider configured, until none of the job's tasks is queued or running.
async function drain() {
	const env = { ...process.env, SHORTLIST_LLM_PROVIDER: 'openai', SHORTLIST_OPENAI_API_KEY: 'sk-test', SHORTLIST_OPENAI_BASE_URL: llmUrl };
	for (let i = 0; i < 20; i += 1) {
		await run(path.join(BUILD, 'bin/drainer'), ['--once', '--max-seconds', '30'], { env });
		const st = await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/rubric`);
		const cands = await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/candidates?limit=100`);
		const pending = (cands.json?.items || []).filter((c) => c.status === 'queued' || c.status === 'processing').length;
		if (st.json && st.json.state === 'ready' && pending === 0) return true;
		await new Promise((r) => setTimeout(r, 300));
	}
	return false;
}

const { context, close } = await launch(pw);
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(20000);
const section = page.locator('[data-testid=job-criteria]');
try {
	await page.goto(`${BASE_URL}/`);
	const other = page.getByRole('button', { name: 'Use an API key instead' });
	if (await other.isVisible()) await other.click();
	await page.getByLabel('API key').fill(key);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.locator('#who').waitFor();
	await page.goto(`${BASE_URL}/#/jobs/${jobId}`);

	await step('the new job shows its local rubric as provisional', () => section.getByText('provisional: criteria from the LLM are on their way').waitFor());
	await shot(section, 'criteria-provisional');
	check('the drainer settles the criteria and the resumes', await drain());
	await step('the page shows the LLM\'s criteria by itself (version 2)', () => section.getByText('Version 2').waitFor());
	await step('marked as from the LLM', () => section.getByText('From the LLM').waitFor());
	const rows = section.locator('tbody tr');
	check('five criteria, one per listed requirement', (await rows.count()) === 5, `${await rows.count()} rows`);
	check('each marked suggested', (await section.locator('.badge.suggested').count()) === 5);
	const mustHave = section.locator('tbody tr input[type=checkbox]');
	check('requirements are must-haves, the rest nice-to-haves',
		JSON.stringify(await mustHave.evaluateAll((els) => els.map((e) => e.checked))) === JSON.stringify([true, true, true, false, false]));
	await shot(section, 'criteria-llm');

	// Edits: reweight one, remove one, add one.
	const food = section.locator('tr[data-criterion="Food safety certificate"]');
	await food.getByLabel('Weight').fill('10');
	await section.locator('tr[data-criterion="Portuguese or Spanish"]').getByRole('button', { name: 'Remove' }).click();
	await section.getByRole('button', { name: 'Add criterion' }).click();
	const added = rows.last();
	await added.getByLabel('Criterion').fill('Grill station');
	await added.getByLabel('Good evidence').fill('Has run a charcoal grill station');
	await added.getByLabel('Keywords').fill('grill, charcoal');

	// A zero weight is refused, naming the field; nothing is saved.
	const pastryWeight = section.locator('tr[data-criterion="Pastry and bakery skills"]').getByLabel('Weight');
	await pastryWeight.fill('0');
	await section.getByRole('button', { name: 'Save criteria' }).click();
	await step('a zero weight is refused, naming the field', () => section.getByText(/criteria\[3\]\.weight/).waitFor());
	check('and no version is made', (await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/rubric`)).json.number === 2);
	await pastryWeight.fill('4');
	await section.getByRole('button', { name: 'Save criteria' }).click();
	await step('saving makes version 3, edited by a recruiter', () => section.getByText('Edited by a recruiter').waitFor());
	check('the version badge says 3', (await section.getByTestId('rubric-version').textContent()) === 'Version 3');
	const diff = section.getByTestId('rubric-diff');
	await step('the diff names the added criterion', () => diff.getByText('Grill station').waitFor());
	await step('the removed one', () => diff.getByText('Portuguese or Spanish').waitFor());
	await step('and the reweight', () => diff.getByText(/weight 8 → 10/).waitFor());
	await step('the offer counts the candidates to rescore', () => section.getByText('2 of 2 candidates were scored with another version.').waitFor());
	check('untouched criteria stay suggested, edited and new ones do not', (await section.locator('.badge.suggested').count()) === 3);
	await shot(section, 'criteria-edited');

	await section.getByRole('button', { name: 'Rescore with these criteria' }).click();
	await step('the rescore starts for version 3', () => section.getByText('Rescoring 2 resumes with version 3.').waitFor());
	check('the drainer rescores', await drain());
	const rb = (await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/rubric`)).json;
	const cands = (await apiCall(key, 'GET', `/api/v1/jobs/${jobId}/candidates?limit=100`)).json;
	const used = [];
	for (const c of cands?.items || []) used.push((await apiCall(key, 'GET', `/api/v1/candidates/${c.resume_id}`)).json?.analysis?.rubric_version);
	check('every candidate is scored with version 3', used.length === 2 && used.every((v) => v === rb.version), JSON.stringify(used));
	check('nothing is left to rescore', rb.rescore.stale === 0);
	await page.reload();
	await step('after a reload the page shows version 3 and no rescore offer', async () => {
		await section.getByText('Version 3').waitFor();
		return (await section.getByTestId('rescore-offer').count()) === 0;
	});
	await shot(page.locator('main'), 'criteria-rescored');
	await page.setViewportSize({ width: 375, height: 800 });
	check('the criteria fit a phone screen', await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
	await shot(section, 'criteria-phone');
} catch (e) {
	notOk('the criteria test ran to its end', e && e.message);
} finally {
	await close();
}
const { passed, failed } = summary();
console.log(`# criteria.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
