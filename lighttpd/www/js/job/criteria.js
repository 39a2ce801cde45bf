// job/criteria: the job page's criteria — the rubric version in force (from the LLM, the local derivation or a
// recruiter), edited in place (add, remove, reword, reweight, must-have), saved as a new version whose diff and
// rescore offer are shown with a button that rescores.
import { api } from '../api.js';
import { h, newId, replace } from '../dom.js';
import { describe } from '../problem.js';

const SOURCES = { llm: 'From the LLM', local: 'Derived locally', recruiter: 'Edited by a recruiter', given: 'Given with the job' };
const POLL_MS = 3000;

// One editable row: returns { row, value() } where value() is the criterion as the API takes it.
function criterionRow(c, onRemove) {
	const id = newId('crit');
	const name = h('input', { type: 'text', value: c.name || '', maxlength: 100, 'aria-label': 'Criterion', id: `${id}-name`, required: true });
	const desc = h('textarea', { rows: 3, 'aria-label': 'Good evidence', maxlength: 2000 });
	desc.value = c.description || '';
	const weight = h('input', { type: 'number', min: '0.1', max: '1000', step: 'any', value: String(c.weight ?? 5), 'aria-label': 'Weight' });
	const must = h('input', { type: 'checkbox', checked: !!c.must_have, 'aria-label': 'Must-have' });
	const keywords = h('input', { type: 'text', value: (c.keywords || []).join(', '), 'aria-label': 'Keywords' });
	const remove = h('button.link', { type: 'button' }, 'Remove');
	const row = h('tr', { dataset: { criterion: c.name || '' } },
		h('td', { dataset: { label: 'Criterion' } }, name, c.suggested ? h('span.badge.suggested', { title: 'Suggested, not changed by a recruiter' }, 'Suggested') : null),
		h('td', { dataset: { label: 'Good evidence' } }, desc), h('td', { dataset: { label: 'Weight' } }, weight),
		h('td.center', { dataset: { label: 'Must-have' } }, must), h('td', { dataset: { label: 'Keywords' } }, keywords), h('td', remove));
	remove.addEventListener('click', () => onRemove(row));
	return {
		row,
		value() {
			const out = {
				name: name.value.trim(), description: desc.value.trim(), weight: Number(weight.value),
				keywords: keywords.value.split(',').map((k) => k.trim()).filter((k) => k !== ''),
			};
			if (c.kind) out.kind = c.kind;
			if (c.kind === 'experience' && c.min_years) out.min_years = c.min_years;
			if (must.checked) out.must_have = true;
			return out;
		},
	};
}

// The diff of a new version, in words.
function diffView(d) {
	const items = [];
	for (const n of d.added) items.push(h('li', 'Added ', h('strong', n)));
	for (const n of d.removed) items.push(h('li', 'Removed ', h('strong', n)));
	for (const c of d.changed) {
		const parts = Object.entries(c.fields).map(([f, v]) => (f === 'weight' || f === 'must_have' ? `${f.replace('_', '-')} ${v.from} → ${v.to}` : `${f} changed`));
		items.push(h('li', 'Changed ', h('strong', c.name), `: ${parts.join(', ')}`));
	}
	return h('div.diff', { 'data-testid': 'rubric-diff' },
		h('p', `Version ${d.to} replaces version ${d.from}:`),
		items.length ? h('ul', items) : h('p.muted', 'No criterion changed.'));
}

// Returns { section, load() }; a rescore's batch goes to onBatch(batchId).
export function criteriaSection(job, ctx, onBatch) {
	const closed = job.status === 'closed';
	const head = h('p.muted');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const notice = h('div.notice', { role: 'status', hidden: true });
	const tbody = h('tbody');
	const table = h('table.criteria',
		h('thead', h('tr', h('th', 'Criterion'), h('th', 'Good evidence'), h('th', 'Weight'), h('th', 'Must-have'), h('th', 'Keywords'), h('th', h('span.visually-hidden', 'Remove')))),
		tbody);
	const add = h('button.secondary', { type: 'button', disabled: closed }, 'Add criterion');
	const save = h('button', { type: 'button', disabled: closed }, 'Save criteria');
	const section = h('section.card', { 'aria-labelledby': 'criteria-h', 'data-testid': 'job-criteria' },
		h('h2#criteria-h', 'Criteria'), head, error, h('div.table-wrap', table), h('div.actions', add, save), notice);
	let rows = [];
	let pollTimer = null;
	ctx.onLeave(() => clearTimeout(pollTimer));

	function removeRow(row) {
		rows = rows.filter((r) => r.row !== row);
		row.remove();
	}
	function draw(rb) {
		const source = SOURCES[rb.source] || rb.source;
		replace(head, h('span.badge', { 'data-testid': 'rubric-version' }, `Version ${rb.number}`), ' ', source,
			rb.state === 'provisional' ? h('span', ' · provisional: criteria from the LLM are on their way') : null,
			rb.note ? h('span', ` · ${rb.note}`) : null);
		rows = rb.criteria.map((c) => criterionRow(c, removeRow));
		replace(tbody, rows.map((r) => r.row));
	}
	function offer(rb, diff) {
		const stale = rb.rescore.stale;
		const rescore = h('button', { type: 'button', disabled: closed || stale === 0 }, 'Rescore with these criteria');
		rescore.addEventListener('click', async () => {
			rescore.disabled = true;
			try {
				const r = await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/rescore`, {});
				replace(notice, r.queued === 0 ? 'Nothing to rescore.' : `Rescoring ${r.queued} resume${r.queued === 1 ? '' : 's'} with version ${rb.number}.`);
				if (r.batch_id) onBatch(r.batch_id);
			} catch (e) {
				replace(notice, `Could not rescore: ${describe(e)}`);
				rescore.disabled = false;
			}
		});
		replace(notice, diff ? diffView(diff) : null,
			h('p', { 'data-testid': 'rescore-offer' }, `${stale} of ${rb.rescore.resumes} candidate${rb.rescore.resumes === 1 ? ' was' : 's were'} scored with another version.`),
			rescore);
		notice.hidden = false;
	}
	async function load() {
		clearTimeout(pollTimer);
		try {
			const rb = await api('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}/rubric`, undefined, { signal: ctx.signal });
			draw(rb);
			error.hidden = true;
			if (rb.rescore.stale > 0) offer(rb, null);
			if (rb.state === 'provisional') pollTimer = setTimeout(load, POLL_MS);
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = `Could not load the criteria: ${describe(e)}`;
			error.hidden = false;
		}
	}
	add.addEventListener('click', () => {
		const r = criterionRow({ name: '', weight: 5, keywords: [] }, removeRow);
		rows.push(r);
		tbody.appendChild(r.row);
		r.row.querySelector('input').focus();
	});
	save.addEventListener('click', async () => {
		save.disabled = true;
		error.hidden = true;
		try {
			const rb = await api('PUT', `/api/v1/jobs/${encodeURIComponent(job.id)}/rubric`, { criteria: rows.map((r) => r.value()) });
			draw(rb);
			ctx.announce(rb.changed ? `Criteria saved as version ${rb.number}` : 'The criteria did not change');
			offer(rb, rb.diff);
		} catch (e) {
			error.textContent = `Could not save the criteria: ${describe(e)}`;
			error.hidden = false;
		}
		save.disabled = closed;
	});
	return { section, load };
}
