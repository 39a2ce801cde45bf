// Browser test of the compliance features against a running instance: the blind view (a recruiter sees no name
// or contact details of a candidate who is not shortlisted, an admin does), an override with a reason that
// shortlists a hidden candidate and so reveals them, and the candidate notice's page where the candidate asks for
// a human review (and gives optional answers for the bias audit), which the recruiter then sees on the candidate.
// Prints "ok - ..." / "not ok - ..." lines; exits 0 when all passed, 1 on a failure, 77 when it cannot run here.
import path from 'node:path';
import { BASE_URL, BUILD, apiCall, check, newKey, newUser, notOk, openPage, requireBrowser, run, signIn, skip, step, summary } from './lib.mjs';

const pw = await requireBrowser();

const ctl = path.join(BUILD, 'bin/shortlistctl');
const run_id = `${process.pid}-${Date.now()}`;
const org = `compliance-e2e-${run_id}`;
const key = await newKey(org);
const admin = { email: `c-admin-${run_id}@example.com`, password: 'an admin pass phrase 9' };
const recruiter = { email: `c-rec-${run_id}@example.com`, password: 'a recruiter pass phrase 10' };
await newUser(org, admin.email, admin.password, true);
await newUser(org, recruiter.email, recruiter.password);
for (const setting of ['blind_view', 'candidate_notice']) {
	const r = await run(ctl, ['org', 'set', '--org', org, setting, 'on']);
	if (r.code !== 0) {
		skip(`shortlistctl org set ${setting} failed: ${r.stderr.trim()}`);
		process.exit(77);
	}
}

const rubric = { criteria: [{ name: 'Databases', description: 'Go services on PostgreSQL', weight: 1, keywords: ['postgresql', 'go'] }] };
const job = (await apiCall(key, 'POST', '/api/v1/jobs', { title: 'Backend Engineer', description: `Go and PostgreSQL ${run_id}`, rubric })).json;
await apiCall(key, 'PUT', `/api/v1/jobs/${job.id}/company`, { company: 'Nordlicht Labs', position: 'Backend Engineer' });
const people = {
	zelda: ['Zelda Quarrington', `zelda.${run_id}@example.org`, 'Go, PostgreSQL and Linux'],
	yorick: ['Yorick Pemberton', `yorick.${run_id}@example.org`, 'spreadsheets and accounting'],
	xanthe: ['Xanthe Mulgrew', `xanthe.${run_id}@example.org`, 'bookkeeping and payroll'],
};
const form = new FormData();
for (const [file, [name, email, skills]] of Object.entries(people)) {
	const text = `${name}\n${email} | +1 415 555 0100\n12 Larkspur Lane, Springfield\n\nSummary\nEngineer who likes careful work, clear writing and ${skills}.\n\n`
		+ `Experience\nSoftware Engineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with ${skills} for a team of twelve people,\n`
		+ `wrote the runbooks, reviewed designs and mentored new colleagues.\n\nSkills\n${skills}\n`;
	form.append('f', new Blob([text]), `${file}.txt`);
}
const up = await (await fetch(`${BASE_URL}/api/v1/jobs/${job.id}/resumes`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form })).json();
const idOf = (f) => up.files.find((x) => x.filename === `${f}.txt`)?.resume_id;
const yorick = idOf('yorick');
for (let i = 0; i < 5; i++) {
	await run(path.join(BUILD, 'bin/drainer'), ['--once', '--max-seconds', '60']);
	const c = (await apiCall(key, 'GET', `/api/v1/candidates/${yorick}`)).json;
	if (c?.analysis && c?.notice?.state === 'sent') break;
}
const psql = await run('psql', ['-h', '127.0.0.1', '-p', process.env.SHORTLIST_PG_PORT || '5432', '-U', 'postgres', '-d', 'shortlist', '-Atc',
	`SELECT body_text FROM emails WHERE resume_id = ${Number(yorick)} AND kind = 'notice'`]);
const token = (/notice\.html#t=([0-9]+-[0-9a-f]+)/.exec(psql.stdout) || [])[1];

const { page, problems, close } = await openPage(pw, { consoleErrors: (text) => !/status of (401|404)/.test(text) });
const hidden = (text, who) => !text.includes(people[who][0].split(' ')[0]) && !text.includes(people[who][0].split(' ')[1]) && !text.includes(people[who][1]);

try {
	check('the three resumes were scored and the notices sent', Boolean(yorick) && Boolean(token), `token ${token}; ${psql.stderr.trim()}`);

	// ---- the blind view: the ranked list and the candidate, as a recruiter
	await signIn(page, recruiter);
	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	const rows = page.locator('tr[data-id]');
	await step('the ranked list shows the three candidates', async () => {
		await page.waitForFunction(() => document.querySelectorAll('tr[data-id]').length === 3);
	});
	const listText = async () => (await rows.allTextContents()).join(' | ');
	const list = await listText();
	check('the shortlisted candidate is named', list.includes('Zelda Quarrington'));
	check('the others are not: no name or address of Yorick or Xanthe', hidden(list, 'yorick') && hidden(list, 'xanthe'), list.slice(0, 400));
	check('their rows say the identity is hidden until shortlisted', (await rows.filter({ hasText: 'identity hidden until shortlisted' }).count()) === 2);
	await page.goto(`${BASE_URL}/#/candidates/${yorick}`);
	await step('the hidden candidate\'s page says the blind view hides them', () => page.locator('p.identity-hidden').waitFor());
	const before = await page.locator('main').textContent();
	check('and shows none of his name or address', hidden(before, 'yorick'));
	check('nor a download link', (await page.getByRole('link', { name: 'Download resume' }).count()) === 0);
	check('the page title is a number, not a name', (await page.locator('h1').textContent()) === `Candidate ${yorick}`);

	// ---- the candidate's notice page: asking for a human review
	await page.goto(`${BASE_URL}/notice.html#t=${token}`);
	await step('the notice page names the job', () => page.locator('#notice-intro').filter({ hasText: 'Backend Engineer role at Nordlicht Labs' }).waitFor());
	check('it says what the tool looks at', (await page.locator('#notice-looks').textContent()).includes('requirements of the job'));
	await page.getByLabel('A human review of my application, without the tool').check();
	await page.getByLabel('Anything you would like to add (optional)').fill('I use a screen reader; please read it yourselves.');
	await page.getByRole('button', { name: 'Send my request' }).click();
	await step('the request is acknowledged', () => page.locator('#notice-done').filter({ hasText: 'was received' }).waitFor());
	await page.reload();
	await step('and still shown on the page later', () => page.locator('#notice-done').filter({ hasText: 'human review' }).waitFor());
	await page.getByLabel('Sex').selectOption('male');
	await page.getByLabel('Race/ethnicity').selectOption('white');
	await page.getByRole('button', { name: 'Send my answers' }).click();
	await step('the optional answers for the bias audit are recorded', () => page.locator('#demo-done').filter({ hasText: 'recorded' }).waitFor());
	const demo = (await apiCall(key, 'GET', `/api/v1/candidates/${yorick}/demographics`)).json;
	check('stored as the candidate gave them, for admins to read', demo?.sex === 'male' && demo?.race_ethnicity === 'white' && demo?.reported_by === 'candidate', JSON.stringify(demo));

	// ---- the recruiter sees the request; an override with a reason shortlists and reveals him
	await page.goto(`${BASE_URL}/#/candidates/${yorick}`);
	await step('the candidate page shows the request', () => page.locator('section.review-request').filter({ hasText: 'I use a screen reader' }).waitFor());
	const card = page.locator('[data-testid=decision]');
	const reason = 'Spreadsheet automation is the first project: worth a conversation';
	await step('the decision card offers an override', () => card.getByText('Recommended by the scorer').waitFor());
	await card.getByLabel('Category').selectOption('shortlist');
	await card.getByRole('button', { name: 'Override category' }).click();
	await step('an override without a reason is refused in the form', () => card.getByRole('alert').filter({ hasText: 'reason' }).waitFor());
	check('nothing was stored', (await apiCall(key, 'GET', `/api/v1/candidates/${yorick}`)).json?.decision === null);
	await card.getByLabel('Reason').fill(reason);
	await card.getByRole('button', { name: 'Override category' }).click();
	await step('the override is shown with its reason and author', async () => {
		const shown = page.locator('[data-testid=decision-shown]');
		await shown.waitFor();
		const t = await shown.textContent();
		return t.includes('Shortlist') && t.includes(reason) && t.includes(recruiter.email);
	});
	await step('shortlisted by a person, he is named', () => page.locator('h1').filter({ hasText: 'Yorick Pemberton' }).waitFor());
	check('the blind view notice is gone', (await page.locator('p.identity-hidden').count()) === 0);
	check('the download link is there', (await page.getByRole('link', { name: 'Download resume' }).count()) === 1);
	const trail = (await apiCall(key, 'GET', `/api/v1/audit?resume_id=${yorick}`)).json;
	check('the override and the candidate\'s request are in the audit trail',
		trail?.items?.find((e) => e.action.startsWith('decision.'))?.action === 'decision.set'
		&& trail.items.find((e) => e.action.startsWith('decision.')).details?.reason === reason
		&& trail.items.some((e) => e.action === 'candidate.review_requested'), JSON.stringify(trail?.items?.map((e) => e.action)));
	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	await page.waitForFunction(() => document.querySelectorAll('tr[data-id]').length === 3);
	const list2 = await listText();
	check('the list names him now, and still hides Xanthe', list2.includes('Yorick Pemberton') && hidden(list2, 'xanthe'));

	// ---- an admin sees everyone
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByRole('button', { name: 'Sign in' }).waitFor();
	await signIn(page, admin);
	await page.goto(`${BASE_URL}/#/jobs/${job.id}`);
	await page.waitForFunction(() => document.querySelectorAll('tr[data-id]').length === 3);
	const list3 = await listText();
	check('an admin\'s list names all three', ['Zelda Quarrington', 'Yorick Pemberton', 'Xanthe Mulgrew'].every((n) => list3.includes(n)));
	check('no page errors', problems.length === 0, problems.join(' | '));
} catch (e) {
	notOk('the compliance browser test ran to the end', e && e.message);
} finally {
	await close();
}
const { failed } = summary();
process.exit(failed ? 1 : 0);
