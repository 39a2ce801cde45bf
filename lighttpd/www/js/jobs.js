// jobs: the job list, newest first, with keyset "load more".
import { api, getPage } from './api.js';
import { fmtCount, fmtUsd } from './job/summary.js';
import { fmtDate, h, replace } from './dom.js';
import { describe } from './problem.js';

const PAGE = 20;

function statusBadge(status) {
	return h(`span.badge.status-${status === 'closed' ? 'closed' : 'open'}`, status === 'closed' ? 'Closed' : 'Open');
}

function jobRow(job) {
	const meta = [job.company, job.location].filter((x) => typeof x === 'string' && x !== '').join(' · ');
	return h('li.job-item',
		h('div.job-main', h('a.job-title', { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.title || '(untitled)'),
			meta ? h('span.muted', meta) : null),
		h('div.job-side', statusBadge(job.status), h('span.muted.small', `Created ${fmtDate(job.created_at)}`)));
}

export async function renderJobs(main, ctx) {
	const list = h('ul.job-list', { 'aria-label': 'Jobs' });
	const more = h('button.secondary', { type: 'button', hidden: true }, 'Load more jobs');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const empty = h('div.empty', { hidden: true }, h('p', 'No jobs yet.'), h('p', h('a.button.primary', { href: '#/jobs/new' }, 'Create your first job')));
	let cursor = null;

	async function load() {
		more.disabled = true;
		error.hidden = true;
		try {
			const page = await getPage('/api/v1/jobs', { cursor, limit: PAGE, signal: ctx.signal });
			const items = page.items;
			const firstNew = items.length ? jobRow(items[0]) : null;
			items.forEach((j, i) => list.appendChild(i === 0 ? firstNew : jobRow(j)));
			cursor = page.next;
			more.hidden = !cursor;
			empty.hidden = list.childElementCount > 0;
			if (cursor === null && list.childElementCount > PAGE) ctx.announce('All jobs loaded');
			return firstNew;
		} catch (e) {
			if (e.name === 'AbortError') throw e;
			error.textContent = describe(e);
			error.hidden = false;
			return null;
		} finally {
			more.disabled = false;
		}
	}
	more.addEventListener('click', async () => {
		const first = await load();
		// Keyboard users continue from the first newly loaded job.
		if (first) first.querySelector('a').focus();
	});

	// The organisation's LLM spend in one line; calls to models without a price are counted apart, never as $0.
	const spend = h('p.muted.org-spend', { 'data-testid': 'org-spend' });
	async function loadSpend() {
		try {
			const sp = await api('GET', '/api/v1/spend', undefined, { signal: ctx.signal });
			const unknown = sp.unknown_priced.calls;
			const prep = sp.preparation.calls > 0 ? `, and ${fmtUsd(sp.preparation.usd)} for ${fmtCount(sp.preparation.calls)} calls preparing jobs` : '';
			spend.textContent = `LLM spend: ${fmtUsd(sp.usd)} for ${fmtCount(sp.calls)} calls (${fmtCount(sp.prompt_tokens + sp.completion_tokens)} tokens)${prep}`
				+ (unknown ? `; ${fmtCount(unknown)} calls of unknown price (${sp.unknown_priced.models.join(', ')})` : '') + '.';
		} catch (e) {
			if (e.name === 'AbortError') return;
			spend.textContent = '';
		}
	}

	replace(main,
		h('div.page-head', h('h1', 'Jobs'), h('a.button.primary', { href: '#/jobs/new' }, 'New job')),
		spend, error, empty, list, h('div.more', more));
	await Promise.all([load(), loadSpend()]);
}
