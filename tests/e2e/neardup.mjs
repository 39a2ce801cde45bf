// Browser test of near-duplicate links in the web app: a resume and a copy with one word changed are uploaded,
// with a copy under another person's name; the first candidate's page shows one possible duplicate, the copy,
// with the changed word on each side and the note that nothing was merged; its link opens the copy, whose page
// links back; the name-swapped copy's page shows none. Each page shows its own score.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BASE_URL, BUILD, ROOT, apiCall, check, newUser, notOk, openPage, requireBrowser, run, signIn, step, summary } from './lib.mjs';

const pw = await requireBrowser();

const ctl = path.join(BUILD, 'bin/shortlistctl');
const shots = path.join(ROOT, 'var/screenshots');
mkdirSync(shots, { recursive: true });
const org = `neardup-e2e-${process.pid}-${Date.now()}`;
await run(ctl, ['org', 'create', org]);
const key = (await run(ctl, ['key', 'create', '--org', org])).stdout.trim();
const rec = { email: `neardup-rec-${process.pid}@example.com`, password: 'a recruiter pass phrase 9' };
await newUser(org, rec.email, rec.password);

const resume = (name, lang) => `${name}
Email: ${name.split(' ')[0].toLowerCase()}.${process.pid}@example.org

Summary
Data engineer with seven years of building reporting pipelines for retail and
insurance clients, careful about data quality, lineage and clear documentation.

Experience
Senior Data Engineer, Larkspur Insurance (2020 - 2025)
Rebuilt the claims warehouse in ${lang} and dbt, cut the morning load from three hours
to forty minutes, added data contracts between nine teams and led the move from
on-premise Oracle to BigQuery. Mentored four analysts and wrote the runbooks.

Data Engineer, Copperleaf Retail (2017 - 2020)
Built the stock forecasting feeds used by two hundred stores and the alerting
that caught late files before the buyers noticed.

Skills
${lang}, SQL, dbt, Airflow, BigQuery, Terraform, Looker
`;
const job = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Data Engineer', description: 'Python, SQL and dbt pipelines.' })).json;
const ids = {};
for (const [file, text] of [['first.txt', resume('Philippa Marchbanks', 'Python')], ['copy.txt', resume('Philippa Marchbanks', 'Scala')],
	['other.txt', resume('Desmond Okafor', 'Python')]]) {
	const form = new FormData();
	form.append('f', new Blob([text]), file);
	const up = await (await fetch(`${BASE_URL}/api/v1/jobs/${job.id}/resumes`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form })).json();
	ids[file] = up.files[0].resume_id;
}
await run(path.join(BUILD, 'bin/drainer'), ['--once', '--max-seconds', '60'], { env: { ...process.env, SHORTLIST_LLM_PROVIDER: 'local' } });
const api = async (id) => (await apiCall(key, 'GET', `/api/v1/candidates/${id}`)).json;
const first = await api(ids['first.txt']);
const copy = await api(ids['copy.txt']);
check('the API links the first resume and the copy',
	first?.near_duplicates?.length === 1 && first.near_duplicates[0].resume_id === ids['copy.txt'] && copy?.near_duplicates?.[0]?.resume_id === ids['first.txt']);
check('and not the name-swapped copy', (await api(ids['other.txt']))?.near_duplicates?.length === 0);

const { page, problems, close } = await openPage(pw);
try {
	await signIn(page, rec);
	await page.goto(`${BASE_URL}/#/candidates/${ids['first.txt']}`);
	const card = page.getByTestId('near-duplicates');
	await step('the first candidate shows a possible duplicate', () => card.waitFor());
	await step('one, the copy, as a link', async () => (await card.getByRole('listitem').count()) === 1
		&& (await card.getByRole('link', { name: `Resume ${ids['copy.txt']}` }).count()) === 1);
	const text = await card.textContent();
	check('with the word only this resume has and the one only the copy has', /Only in this resume:\s*python/.test(text) && /Only in that resume:\s*scala/.test(text), text);
	check('and says nothing was merged and each keeps its own score', text.includes('Nothing was merged') && text.includes('own score'));
	await page.screenshot({ path: path.join(shots, 'neardup-first.png'), fullPage: true });
	await card.getByRole('link', { name: `Resume ${ids['copy.txt']}` }).click();
	await step('the link opens the copy, which links back', () => page.getByTestId('near-duplicates')
		.getByRole('link', { name: `Resume ${ids['first.txt']}` }).waitFor());
	check('the copy\'s page is the copy\'s', page.url().endsWith(`#/candidates/${ids['copy.txt']}`));
	await page.screenshot({ path: path.join(shots, 'neardup-copy.png'), fullPage: true });
	await page.goto(`${BASE_URL}/#/candidates/${ids['other.txt']}`);
	await page.getByRole('heading', { name: 'Desmond Okafor', level: 1 }).waitFor();
	check('the name-swapped copy shows no possible duplicate', (await page.getByTestId('near-duplicates').count()) === 0);
	console.log('# var/screenshots/neardup-first.png, var/screenshots/neardup-copy.png');
	check('no page errors', problems.length === 0, problems.join(' | '));
} catch (e) {
	notOk('the near-duplicate walk-through', e && e.message);
} finally {
	await close();
}
const { passed, failed } = summary();
console.log(`# neardup.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
