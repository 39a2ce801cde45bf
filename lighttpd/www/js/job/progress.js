// job/progress: the job page's processing section — one progress box per batch, polled until the batch is done.
import { api } from '../api.js';
import { fmtDuration, h, replace } from '../dom.js';
import { describe } from '../problem.js';
import { forgetBatch } from './batches.js';
import { fmtMaybeUsd } from './budget.js';

const POLL_MS = 2000;
const STATES = [['queued', 'Queued'], ['processing', 'Processing'], ['scored', 'Scored'], ['needs_review', 'Needs review'], ['failed', 'Failed'],
	['pending_budget', 'Waiting for budget']];

// Returns { section, watch(batchId) }; onDone(final) runs when a batch finishes more resumes (final: all of them).
export function progressSection(job, ctx, onDone) {
	const list = h('div.batches');
	const note = h('p.muted', 'Uploaded resumes are read and scored in the background. Progress shows here.');
	const section = h('section.card', { 'aria-labelledby': 'progress-h', hidden: true }, h('h2#progress-h', 'Processing'), note, list);
	const timers = new Set();
	ctx.onLeave(() => timers.forEach((t) => clearTimeout(t)));
	const watching = new Set();

	function watch(batchId) {
		if (watching.has(batchId)) return;
		watching.add(batchId);
		section.hidden = false;
		const bar = h('progress', { max: 100, value: 0, 'aria-label': `Batch ${batchId} progress` });
		const headline = h('p.batch-head', `Batch ${batchId}: waiting for the first report…`);
		const counts = h('ul.counts');
		const failures = h('div');
		const box = h('div.batch', { 'data-batch': batchId }, headline, bar, counts, failures);
		list.prepend(box);
		let lastDone = -1;

		async function poll() {
			let st;
			try {
				st = await api('GET', `/api/v1/process/status/${encodeURIComponent(batchId)}`, undefined, { signal: ctx.signal });
			} catch (e) {
				if (e.name === 'AbortError') return;
				headline.textContent = `Batch ${batchId}: could not read progress (${describe(e)}). Retrying…`;
				timers.add(setTimeout(poll, POLL_MS * 3));
				return;
			}
			const c = st.counts;
			const total = st.total;
			const finished = c.scored + c.needs_review + c.failed;
			const pct = st.percent;
			const waiting = c.pending_budget || 0;
			const done = total > 0 && c.queued + c.processing + waiting === 0;
			bar.value = Math.max(0, Math.min(100, pct));
			const eta = fmtDuration(st.eta_seconds);
			headline.textContent = `Batch ${batchId}: ${Math.round(pct)}% — ${finished} of ${total} done` + (done ? '.' : waiting ? `, ${waiting} waiting for budget.` : eta ? `, about ${eta} left.` : '.')
				+ (st.estimate ? ` Estimated cost of the batch: ${fmtMaybeUsd(st.estimate.usd, st.estimate.priced ? null : st.estimate.reason)} (${st.estimate.model}).` : '');
			replace(counts, STATES.map(([k, label]) => h(`li.count-${k}`, h('span.count-num', String(c[k] || 0)), ` ${label}`)));
			const fails = st.failures;
			replace(failures, fails.length ? [h('h3', 'Could not be processed'),
				h('ul.failures', fails.map((f) => h('li',
					h('a', { href: `#/candidates/${encodeURIComponent(f.resume_id)}` }, f.filename || `Resume ${f.resume_id}`),
					': ', h('span', f.reason || f.status))))] : null);
			if (finished !== lastDone) {
				lastDone = finished;
				onDone(false);
			}
			if (done) {
				box.classList.add('done');
				ctx.announce(`Batch ${batchId} finished: ${c.scored} scored, ${c.needs_review} need review, ${c.failed} failed.`);
				forgetBatch(job.id, batchId);
				onDone(true);
				return;
			}
			timers.add(setTimeout(poll, POLL_MS));
		}
		poll();
	}
	return { section, watch };
}
