// job/budget: the job page's budget and cost section — an estimate before resumes are uploaded (from chosen files'
// sizes or a count and size), the job's LLM budget (set, raise, remove), what is committed and waiting, and its spend.
import { api } from '../api.js';
import { field, fmtBytes, h, replace } from '../dom.js';
import { describe } from '../problem.js';
import { fmtCount, fmtUsd } from './summary.js';

// Dollars that may be unknown: a model without a price says so instead of showing $0.
export function fmtMaybeUsd(v, reason) {
	return v === null || v === undefined ? `unknown${reason ? ` (${reason})` : ''}` : fmtUsd(v);
}

// Returns { section, load() }: load() fetches the budget and spend again.
export function budgetSection(job, ctx) {
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const status = h('div.budget-status', { 'data-testid': 'budget-status' });
	const spend = h('dl.stats', { 'data-testid': 'job-spend' });
	const amount = field('Budget (US dollars)', 'input', { type: 'number', min: '0', max: '1000000', step: '0.01', name: 'budget_usd' },
		'Work that would cost more waits as “pending budget” until you raise it; nothing is rejected. Empty: no budget.');
	const save = h('button.primary', { type: 'submit' }, 'Save budget');
	const form = h('form.budget-form', { 'data-testid': 'budget-form' }, amount.wrap, h('div.actions', save));

	const files = h('input', { type: 'file', multiple: true, id: 'estimate-files' });
	const count = field('Resumes', 'input', { type: 'number', min: '1', max: '100000', step: '1', value: '100', name: 'resumes' });
	const size = field('Text per resume (bytes)', 'input', { type: 'number', min: '0', max: '1000000000', step: '1', value: '4000', name: 'bytes_each' },
		'A page of resume text is about 3,000 to 5,000 bytes.');
	const estimateBtn = h('button.secondary', { type: 'submit' }, 'Estimate');
	const estimateOut = h('div.estimate', { role: 'status', 'data-testid': 'estimate' });
	const estimateForm = h('form.estimate-form', { 'data-testid': 'estimate-form' }, count.wrap, size.wrap, h('div.actions', estimateBtn));
	let remaining = null;

	const section = h('section.card', { 'aria-labelledby': 'budget-h', 'data-testid': 'job-budget' },
		h('h2#budget-h', 'Budget and cost'), error, status, spend, form,
		h('h3', 'Estimate before uploading'),
		h('p.muted', 'Choose the files you mean to upload (nothing is sent), or give a count and a size.'),
		h('div.field', h('label', { for: 'estimate-files' }, 'Files'), files),
		estimateForm, estimateOut);

	function showEstimate(e, what) {
		const cost = fmtMaybeUsd(e.usd, e.priced ? null : e.reason);
		const over = remaining !== null && e.usd !== null && e.usd > remaining;
		replace(estimateOut,
			h('p', `${what}: about ${cost} with ${e.model}`, e.max_usd !== null ? ` (at most ${fmtUsd(e.max_usd)})` : '', '.'),
			h('p.muted', `${fmtCount(e.prompt_tokens)} prompt tokens and up to ${fmtCount(e.completion_tokens)} completion tokens.`),
			over ? h('p.notice', { 'data-testid': 'estimate-over' }, `That is more than the ${fmtUsd(remaining)} the budget has left: the rest will wait as pending budget until you raise it.`) : null);
	}

	async function estimate(body, what) {
		try {
			const e = await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/estimate`, body, { signal: ctx.signal });
			showEstimate(e, what);
		} catch (err) {
			if (err.name === 'AbortError') return;
			replace(estimateOut, h('p.notice.error', `Could not estimate: ${describe(err)}`));
		}
	}

	files.addEventListener('change', () => {
		const chosen = [...files.files];
		if (!chosen.length) return;
		// Text files are their text; for PDF and Word files the file's size stands in (their text is usually smaller).
		const sizes = chosen.map((f) => f.size);
		const total = sizes.reduce((n, s) => n + s, 0);
		estimate({ sizes }, `${chosen.length} file${chosen.length === 1 ? '' : 's'} (${fmtBytes(total)})`);
	});
	estimateForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const n = Number(count.input.value);
		const b = Number(size.input.value);
		estimate({ resumes: n, bytes_each: b }, `${fmtCount(n)} resumes of ${fmtBytes(b)}`);
	});

	function draw(b) {
		remaining = b.remaining_usd;
		const sp = b.spend;
		const unknown = sp.unknown_priced;
		replace(status,
			h('p', b.budget_usd === null ? 'No budget: work is never held back for cost.'
				: `Budget ${fmtUsd(b.budget_usd)}: ${fmtUsd(b.committed_usd)} committed (${fmtUsd(b.held_usd)} held by work in flight), ${fmtUsd(b.remaining_usd)} left.`),
			b.pending_budget > 0 ? h('p.notice', { 'data-testid': 'pending-budget' },
				`${fmtCount(b.pending_budget)} resume${b.pending_budget === 1 ? '' : 's'} waiting for budget. Raise the budget to let them go on.`) : null);
		replace(spend,
			h('div', h('dt', 'Spent'), h('dd', fmtUsd(sp.total_usd))),
			sp.preparation.calls > 0 ? h('div', { 'data-testid': 'preparation-spend' }, h('dt', 'Preparing the job'),
				h('dd', `${fmtUsd(sp.preparation.usd)} for ${fmtCount(sp.preparation.calls)} call${sp.preparation.calls === 1 ? '' : 's'}`)) : null,
			h('div', h('dt', 'Calls'), h('dd', fmtCount(sp.calls))),
			h('div', h('dt', 'Tokens'), h('dd', fmtCount(sp.prompt_tokens + sp.completion_tokens))),
			h('div', h('dt', 'Cache hits'), h('dd', fmtCount(sp.cache_hits))),
			unknown.calls + sp.preparation.unknown_priced_calls > 0 ? h('div', { 'data-testid': 'unknown-priced' }, h('dt', 'Calls of unknown price'),
				h('dd', `${fmtCount(unknown.calls + sp.preparation.unknown_priced_calls)} (${unknown.models.join(', ') || 'preparation'}: not in the price table, cost unknown)`)) : null);
		if (document.activeElement !== amount.input) amount.input.value = b.budget_usd === null ? '' : String(b.budget_usd);
	}

	async function load() {
		try {
			const b = await api('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}/budget`, undefined, { signal: ctx.signal });
			error.hidden = true;
			draw(b);
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = `Could not load the budget: ${describe(e)}`;
			error.hidden = false;
		}
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const v = amount.input.value.trim();
		save.disabled = true;
		try {
			const b = await api('PUT', `/api/v1/jobs/${encodeURIComponent(job.id)}/budget`, { budget_usd: v === '' ? null : Number(v) }, { signal: ctx.signal });
			error.hidden = true;
			draw(b);
			ctx.announce(v === '' ? 'Budget removed' : `Budget set to ${fmtUsd(Number(v))}`);
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = `Could not save the budget: ${describe(e)}`;
			error.hidden = false;
		} finally {
			save.disabled = false;
		}
	});
	return { section, load };
}
