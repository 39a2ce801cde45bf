// job/summary: the job page's charts — score distribution, candidates by category, resumes by state, LLM spend and prompt-cache savings —
// from one GET /api/v1/jobs/{id}/summary.
import { api } from '../api.js';
import { barChart } from '../charts.js';
import { h, replace } from '../dom.js';
import { CATEGORIES } from '../labels.js';
import { describe } from '../problem.js';

const STATES = [['queued', 'Queued'], ['processing', 'Processing'], ['scored', 'Scored'], ['needs_review', 'Needs review'], ['failed', 'Failed'],
	['pending_budget', 'Waiting for budget']];

// Dollars: cents, or four decimals for less than a cent (one analysis often costs that little).
export function fmtUsd(v) {
	const n = Number(v) || 0;
	return n > 0 && n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

// A count with the reader's digit grouping.
export function fmtCount(v) {
	return (Number(v) || 0).toLocaleString();
}

// Returns { section, load() }: load() fetches the summary again and redraws the charts.
export function summarySection(job, ctx) {
	const body = h('div.charts');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const section = h('section.card', { 'aria-labelledby': 'summary-h', 'data-testid': 'job-summary' }, h('h2#summary-h', 'Summary'), error, body);

	function draw(sm) {
		const llm = sm.llm;
		replace(body,
			barChart({ name: 'scores', title: `Score distribution (${fmtCount(sm.candidates - sm.unscored)} scored)`,
				labels: sm.score_bins.map((b) => `${b.from}–${b.to}`), series: [{ name: 'Candidates', values: sm.score_bins.map((b) => b.count) }],
				fmt: fmtCount, empty: 'No scored candidates yet.' }),
			barChart({ name: 'categories', title: 'Candidates by category', labels: CATEGORIES.map(([, t]) => t),
				series: [{ name: 'Candidates', values: CATEGORIES.map(([k]) => sm.categories[k] || 0) }], fmt: fmtCount, empty: 'No candidates yet.' }),
			barChart({ name: 'states', title: 'Resumes by state', labels: STATES.map(([, t]) => t),
				series: [{ name: 'Resumes', values: STATES.map(([k]) => sm.states[k] || 0) }], fmt: fmtCount, empty: 'No resumes yet.' }),
			h('div.chart.spend', { dataset: { chart: 'spend' } },
				h('h3', 'LLM spend'),
				h('dl.stats',
					h('div', h('dt', 'Cost'), h('dd', fmtUsd(llm.cost_usd))),
					h('div', h('dt', 'Tokens'), h('dd', fmtCount(llm.prompt_tokens + llm.completion_tokens))),
					h('div', h('dt', 'Analyses'), h('dd', fmtCount(llm.analyses))),
					h('div', h('dt', 'Cache hits'), h('dd', fmtCount(llm.cache_hits))),
					llm.unknown_priced_calls ? h('div', h('dt', 'Calls of unknown price'), h('dd', fmtCount(llm.unknown_priced_calls))) : null,
					h('div', { dataset: { stat: 'prompt-cache' } }, h('dt', 'Saved by prompt cache'),
						h('dd', `${fmtUsd(llm.cache_saved_usd)} (${fmtCount(llm.cached_tokens)} cached tokens)`))),
				barChart({ name: 'tokens', title: 'Tokens', labels: ['Prompt', 'Completion'],
					series: [{ name: 'Tokens', values: [llm.prompt_tokens, llm.completion_tokens] }], fmt: fmtCount,
					empty: 'No model tokens spent on this job (the local scorer costs nothing).' })));
	}

	async function load() {
		try {
			const sm = await api('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}/summary`, undefined, { signal: ctx.signal });
			error.hidden = true;
			draw(sm);
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = `Could not load the summary: ${describe(e)}`;
			error.hidden = false;
		}
	}
	return { section, load };
}
