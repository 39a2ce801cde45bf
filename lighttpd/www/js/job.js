// job: one job's page — its details and actions, its criteria, upload, processing progress, its charts, the ranked shortlist and
// the emails sent, each section a module of job/.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { jobActions } from './job/actions.js';
import { criteriaSection } from './job/criteria.js';
import { savedBatches, saveBatch } from './job/batches.js';
import { budgetSection } from './job/budget.js';
import { emailsSection } from './job/emails.js';
import { progressSection } from './job/progress.js';
import { shortlistSection } from './job/shortlist.js';
import { summarySection } from './job/summary.js';
import { uploadSection } from './job/upload.js';

export async function renderJob(main, ctx, id) {
	const job = await api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal });
	const closed = job.status === 'closed';
	const notice = h('p.notice', { role: 'status', hidden: true });
	const shortlist = shortlistSection(job, ctx);
	const emails = emailsSection(job, ctx);
	const summary = summarySection(job, ctx);
	const budget = budgetSection(job, ctx);
	shortlist.setOnSent(() => emails.load());
	let refreshTimer = null;
	const progress = progressSection(job, ctx, (final) => {
		// Refresh the list as results arrive, but not more than every few seconds.
		if (final) {
			clearTimeout(refreshTimer);
			refreshTimer = null;
			shortlist.load(true);
			summary.load();
			budget.load();
		} else if (!refreshTimer) {
			refreshTimer = setTimeout(() => {
				refreshTimer = null;
				shortlist.load(true);
				summary.load();
				budget.load();
			}, 4000);
		}
	});
	ctx.onLeave(() => clearTimeout(refreshTimer));
	const onBatch = (batchId) => {
		saveBatch(job.id, batchId);
		progress.watch(batchId);
	};
	const actions = jobActions(job, ctx, notice, onBatch);
	const criteria = criteriaSection(job, ctx, onBatch);

	const meta = [job.company, job.location].filter((x) => typeof x === 'string' && x !== '');
	const skills = Array.isArray(job.required_skills) ? job.required_skills : [];
	replace(main,
		h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, 'Jobs'), ' / ', h('span', { 'aria-current': 'page' }, job.title)),
		h('div.page-head', h('div', h('h1', job.title), h('p.muted', meta.join(' · '), meta.length ? ' · ' : '', h(`span.badge.status-${closed ? 'closed' : 'open'}`, closed ? 'Closed' : 'Open'))),
			h('div.actions', h('a.button.secondary', { href: `#/jobs/${encodeURIComponent(job.id)}/edit` }, 'Edit job'), actions)),
		skills.length ? h('p.skills', h('span.muted', 'Required: '), skills.map((s) => h('span.chip', s))) : null,
		notice,
		closed ? h('p.notice', 'This job is closed: it takes no more resumes.') : uploadSection(job, ctx, onBatch),
		progress.section,
		criteria.section,
		budget.section,
		summary.section,
		shortlist.section,
		emails.section);
	for (const b of savedBatches(job.id)) progress.watch(b);
	await Promise.all([criteria.load(), summary.load(), budget.load(), shortlist.load(true), emails.load()]);
}
