// job/shortlist: the job page's ranked candidates — category filter, paging, selection and the email actions on it.
import { getPage } from '../api.js';
import { h } from '../dom.js';
import { openComposer } from '../emails.js';
import { CATEGORIES, categoryBadge, flagBadge, flagInfo, isUnscored, scoreBar } from '../labels.js';
import { describe } from '../problem.js';

const PAGE = 50;

// Returns { section, load(reset), setOnSent(fn) }; fn runs after emails to selected candidates were queued.
export function shortlistSection(job, ctx) {
	const filterId = 'cat-filter';
	const filter = h('select', { id: filterId }, h('option', { value: '' }, 'All candidates'), CATEGORIES.map(([k, t]) => h('option', { value: k }, t)));
	const reload = h('button.secondary', { type: 'button' }, 'Refresh');
	const status = h('p.muted', { role: 'status' });
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all candidates shown' });
	const rankedBody = h('tbody');
	const unscoredBody = h('tbody');
	const head = (sel) => h('thead', h('tr', h('th.sel', { scope: 'col' }, sel || h('span.visually-hidden', 'Select')), h('th.num', { scope: 'col' }, '#'),
		h('th', { scope: 'col' }, 'Candidate'), h('th', { scope: 'col' }, 'Score'), h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col' }, 'Summary')));
	const ranked = h('table.shortlist', { 'data-testid': 'ranked' }, h('caption.visually-hidden', 'Ranked candidates'), head(selectAll), rankedBody);
	const unscoredBox = h('div.unscored', { hidden: true },
		h('h3', 'Needs a person — not scored'),
		h('p.muted', 'These resumes could not be read or judged automatically. This is not a rejection: they never get rejection emails.'),
		h('table.shortlist', { 'data-testid': 'unscored' }, h('caption.visually-hidden', 'Resumes that could not be scored'), head(null), unscoredBody));
	const empty = h('p.empty', { hidden: true }, 'No candidates here yet. Upload resumes above; they appear as they are scored.');
	const more = h('button.secondary', { type: 'button', hidden: true }, 'Load more candidates');
	const selected = new Map(); // id -> item
	const selCount = h('span', { 'aria-live': 'polite' }, 'None selected');
	const actions = h('div.actionbar', { role: 'group', 'aria-label': 'Email selected candidates' }, selCount,
		[['invite', 'Invite to interview'], ['consider', 'Keep in consideration'], ['reject', 'Send rejection']].map(([kind, label]) =>
			h('button.secondary', { type: 'button', 'data-kind': kind, disabled: true, onclick: () => openComposer(job, kind, [...selected.values()], ctx, onSent) }, label)));
	let cursor = null;
	let onSentCb = null;
	function onSent() {
		if (onSentCb) onSentCb();
	}

	function updateSelection() {
		selCount.textContent = selected.size ? `${selected.size} selected` : 'None selected';
		for (const b of actions.querySelectorAll('button')) b.disabled = selected.size === 0;
		const boxes = [...ranked.querySelectorAll('tbody input[type=checkbox]')];
		selectAll.checked = boxes.length > 0 && boxes.every((b) => b.checked);
		selectAll.indeterminate = !selectAll.checked && boxes.some((b) => b.checked);
	}
	selectAll.addEventListener('change', () => {
		for (const b of ranked.querySelectorAll('tbody input[type=checkbox]')) {
			b.checked = selectAll.checked;
			b.dispatchEvent(new Event('change'));
		}
	});

	function row(item, n) {
		const id = item.resume_id;
		// The blind view hides who the candidate is until they are shortlisted.
		const name = item.identity_hidden ? `Candidate ${id}` : item.name || item.filename || `Resume ${id}`;
		const box = h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(id) });
		box.addEventListener('change', () => {
			if (box.checked) selected.set(id, item);
			else selected.delete(id);
			updateSelection();
		});
		const flags = item.flags;
		const danger = flags.some((f) => flagInfo(f).danger);
		const kos = item.knockouts_failed;
		return h(`tr${danger ? '.flagged' : ''}`, { 'data-id': id },
			h('td.sel', box), h('td.num', n ? String(n) : ''),
			h('td.cand', h('a.cand-name', { href: `#/candidates/${encodeURIComponent(id)}` }, name), item.identity_hidden ? h('span.muted.small.identity-hidden', 'identity hidden until shortlisted') : item.filename && item.name ? h('span.muted.small', item.filename) : null,
				flags.length || kos.length ? h('span.flags', flags.map(flagBadge), kos.map((k) => h('span.flag', `Knock-out: ${k.rule || ''}`))) : null),
			h('td.td-score', isUnscored(item.category) ? h('span.muted', '—') : scoreBar(item.score)),
			h('td.td-cat', categoryBadge(item.category)),
			h('td.summary', item.summary || ''));
	}

	async function load(reset) {
		if (reset) {
			cursor = null;
			rankedBody.replaceChildren();
			unscoredBody.replaceChildren();
		}
		error.hidden = true;
		more.disabled = true;
		try {
			const page = await getPage(`/api/v1/jobs/${encodeURIComponent(job.id)}/candidates`,
				{ cursor, limit: PAGE, filters: filter.value ? { category: filter.value } : {}, signal: ctx.signal });
			for (const it of page.items) {
				if (isUnscored(it.category) && filter.value === '') unscoredBody.appendChild(row(it, 0));
				else rankedBody.appendChild(row(it, isUnscored(it.category) ? 0 : it.rank));
			}
			cursor = page.next;
			more.hidden = !cursor;
			unscoredBox.hidden = unscoredBody.childElementCount === 0;
			ranked.hidden = rankedBody.childElementCount === 0;
			empty.hidden = !(ranked.hidden && unscoredBox.hidden);
			status.textContent = `${rankedBody.childElementCount + unscoredBody.childElementCount} shown${cursor ? ', more available' : ''}.`;
			updateSelection();
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = `Could not load candidates: ${describe(e)}`;
			error.hidden = false;
		} finally {
			more.disabled = false;
		}
	}
	filter.addEventListener('change', () => load(true));
	reload.addEventListener('click', () => load(true));
	more.addEventListener('click', () => load(false));

	const section = h('section.card', { 'aria-labelledby': 'shortlist-h' },
		h('div.section-head', h('h2#shortlist-h', 'Ranked candidates'),
			h('div.inline', h('label', { for: filterId }, 'Show'), filter, reload)),
		status, error, actions, ranked, empty, h('div.more', more), unscoredBox);
	return { section, load, setOnSent: (fn) => { onSentCb = fn; } };
}
