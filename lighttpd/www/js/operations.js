// operations: the organisation's operations page for its admins — throughput, latency, the queue, LLM spend,
// errors and emails over the last 24 hours or 14 days, from one GET /api/v1/operations.
import { api, ApiError } from './api.js';
import { barChart, lineChart } from './charts.js';
import { h, replace } from './dom.js';
import { fmtCount, fmtUsd } from './job/summary.js';
import { describe, withRequestId } from './problem.js';

const RANGES = [[24, 'Last 24 hours'], [336, 'Last 14 days']];

// An hour's label: "14:00" over a day, "3 Dec 14:00" over longer windows (in the reader's own time zone).
function hourLabel(iso, long) {
	const d = new Date(iso);
	const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
	return long ? `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}` : time;
}

function dayLabel(day) {
	const d = new Date(`${day}T00:00:00Z`);
	return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function fmtSeconds(v) {
	if (typeof v !== 'number') return '—';
	if (v < 60) return `${Math.round(v * 10) / 10} s`;
	if (v < 3600) return `${Math.round(v / 6) / 10} min`;
	return `${Math.round(v / 360) / 10} h`;
}

function pageProblem(e) {
	const refused = e instanceof ApiError && e.status === 403;
	return refused ? withRequestId('Only your organisation\'s administrators (or an organisation key) can see its operations.', e) : describe(e);
}

function charts(rep) {
	const long = rep.hours > 48;
	const hours = rep.hourly.map((x) => hourLabel(x.at, long));
	/* Over days, the axis names the day alone; each mark's title keeps the hour. */
	const ticks = long ? rep.hourly.map((x) => dayLabel(x.at.slice(0, 10))) : hours;
	const days = rep.daily.map((x) => dayLabel(x.day));
	const queue = rep.queue;
	return [
		barChart({ name: 'throughput', title: 'Resumes processed per hour', labels: hours, ticks,
			series: [{ name: 'Processed', values: rep.hourly.map((x) => x.processed) }], fmt: fmtCount, empty: 'Nothing processed in this window.' }),
		lineChart({ name: 'latency', title: 'Upload to scored, per hour (p50 and p95)', labels: hours, ticks,
			series: [{ name: 'p50', values: rep.hourly.map((x) => x.latency_p50_s) }, { name: 'p95', values: rep.hourly.map((x) => x.latency_p95_s) }],
			fmt: fmtSeconds, empty: 'No resume was scored in this window.' }),
		barChart({ name: 'queue', title: 'Queue now, by kind', labels: queue.map((q) => q.kind),
			series: [{ name: 'Queued', values: queue.map((q) => q.queued) }, { name: 'Running', values: queue.map((q) => q.running) }],
			fmt: fmtCount, empty: 'Nothing is queued or running.' }),
		barChart({ name: 'spend', title: 'LLM spend per day', labels: days,
			series: [{ name: 'Cost', values: rep.daily.map((x) => Number(x.cost_usd) || 0) }], fmt: fmtUsd,
			empty: 'No model spend in this window (the local scorer costs nothing).' }),
		lineChart({ name: 'errors', title: 'Failed and needing review, per hour', labels: hours, ticks,
			series: [{ name: 'Failed', values: rep.hourly.map((x) => x.failed) }, { name: 'Needs review', values: rep.hourly.map((x) => x.needs_review) }],
			fmt: fmtCount, empty: 'No failures in this window.' }),
		barChart({ name: 'emails', title: 'Emails per day', labels: days,
			series: [{ name: 'Sent', values: rep.daily.map((x) => x.emails_sent) }, { name: 'Failed', values: rep.daily.map((x) => x.emails_failed) }],
			fmt: fmtCount, empty: 'No emails sent in this window.' }),
	];
}

// Scoring (stored or not) and preparation cost of the window; calls of unknown price are named, never added as $0.
function llmCost(daily, sum) {
	const usd = sum(daily, (x) => x.cost_usd) + sum(daily, (x) => x.preparation_cost_usd) + sum(daily, (x) => x.unstored_cost_usd);
	const prep = sum(daily, (x) => x.preparation_cost_usd);
	const unpriced = sum(daily, (x) => x.unpriced_calls);
	return `${fmtUsd(usd)}${prep > 0 ? ` (${fmtUsd(prep)} preparing jobs)` : ''}`
		+ (unpriced > 0 ? `, not counting ${fmtCount(unpriced)} call${unpriced === 1 ? '' : 's'} of unknown price` : '');
}

function totals(rep, stats) {
	const pc = (stats && stats.prompt_cache) || { saved_usd: 0, cached_tokens: 0 };
	const sum = (xs, f) => xs.reduce((t, x) => t + (Number(f(x)) || 0), 0);
	return h('dl.stats',
		h('div', h('dt', 'Processed'), h('dd', fmtCount(sum(rep.hourly, (x) => x.processed)))),
		h('div', h('dt', 'Failed'), h('dd', fmtCount(sum(rep.hourly, (x) => x.failed)))),
		h('div', h('dt', 'In the queue'), h('dd', fmtCount(sum(rep.queue, (q) => q.queued + q.running)))),
		h('div', { dataset: { stat: 'llm-cost' } }, h('dt', 'LLM cost'), h('dd', llmCost(rep.daily, sum))),
		h('div', h('dt', 'Emails sent'), h('dd', fmtCount(sum(rep.daily, (x) => x.emails_sent)))),
		h('div', { dataset: { stat: 'prompt-cache' } }, h('dt', 'Saved by prompt cache (all time)'),
			h('dd', `${fmtUsd(pc.saved_usd)} (${fmtCount(pc.cached_tokens)} cached tokens)`)));
}

export async function renderOperations(main, ctx) {
	let hours = 24;
	const body = h('div.charts.ops');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const asOf = h('p.muted.small', { role: 'status' });
	const buttons = RANGES.map(([n, label]) => h('button.secondary', { type: 'button', 'aria-pressed': String(n === hours), 'data-hours': n,
		onclick: () => {
			hours = n;
			for (const b of buttons) b.setAttribute('aria-pressed', String(Number(b.dataset.hours) === hours));
			load().catch((e) => {
				if (e.name === 'AbortError') return;
				error.textContent = pageProblem(e);
				error.hidden = false;
			});
		} }, label));

	async function load() {
		const [rep, stats] = await Promise.all([
			api('GET', `/api/v1/operations?hours=${hours}`, undefined, { signal: ctx.signal }),
			api('GET', '/api/v1/stats', undefined, { signal: ctx.signal }),
		]);
		error.hidden = true;
		replace(body, totals(rep, stats), charts(rep));
		asOf.textContent = `As of ${new Date(rep.as_of).toLocaleString()}.`;
		ctx.announce('Operations charts updated');
	}

	try {
		await load();
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		error.textContent = pageProblem(e);
		error.hidden = false;
	}
	replace(main,
		h('div.page-head', h('div', h('h1', 'Operations'), h('p.muted', 'How processing, the model and email are doing in your organisation.')),
			h('div.actions', { role: 'group', 'aria-label': 'Time window' }, buttons)),
		error, asOf, body);
}
