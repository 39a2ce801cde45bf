// decision: the candidate view's human decision — the scorer's recommendation beside it, and the control to override it with a reason.
import { api } from './api.js';
import { field, fmtDate, h } from './dom.js';
import { CATEGORIES, categoryBadge } from './labels.js';
import { describe } from './problem.js';

const REASON_MAX = 500;
// The categories a person may give: every one but "failed", which only says the file could not be read.
const CHOICES = CATEGORIES.filter(([k]) => k !== 'failed');

function decidedBy(d) {
	const by = d.decided_by || {};
	if (typeof by.user_email === 'string' && by.user_email) return by.user_email;
	if (typeof by.key_id === 'number') return `API key ${by.key_id}`;
	return 'someone';
}

// A card for candidate c ({resume_id, job_id, recommendation, decision}); onChange() runs after a saved change.
export function decisionBlock(c, onChange) {
	const d = c.decision && typeof c.decision === 'object' ? c.decision : null;
	const path = `/api/v1/jobs/${encodeURIComponent(c.job_id)}/candidates/${encodeURIComponent(c.resume_id)}/decision`;
	const errors = h('div.notice.error', { role: 'alert', tabindex: '-1', hidden: true });
	const cat = field('Category', 'select', { name: 'category' }, null, CHOICES);
	const reason = field('Reason', 'textarea', { name: 'reason', rows: 3, maxlength: REASON_MAX, required: true },
		`Required: why the category is changed (at most ${REASON_MAX} characters). It is recorded with who made the change and when.`);
	cat.input.value = d ? d.category : CHOICES.find(([k]) => k !== c.recommendation)?.[0] || 'shortlist';
	const save = h('button', { type: 'submit' }, d ? 'Change decision' : 'Override category');
	const fail = (e) => {
		errors.textContent = describe(e);
		errors.hidden = false;
		errors.focus();
	};
	const form = h('form.decision-form', { 'data-testid': 'decision-form', novalidate: true }, errors, cat.wrap, reason.wrap,
		h('div.actions', save, d ? h('button.secondary', {
			type: 'button',
			onclick: async () => {
				try {
					await api('DELETE', path);
					onChange();
				} catch (e) {
					fail(e);
				}
			},
		}, 'Withdraw decision') : null));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const text = reason.input.value.trim();
		if (!text) {
			fail(new Error('Give a reason for the decision.'));
			return;
		}
		save.disabled = true;
		try {
			await api('PUT', path, { category: cat.input.value, reason: text });
			onChange();
		} catch (e) {
			fail(e);
		} finally {
			save.disabled = false;
		}
	});
	return h('section.card', { 'aria-labelledby': 'dec-h', 'data-testid': 'decision' }, h('h2#dec-h', 'Decision'),
		h('p', h('span.muted', 'Recommended by the scorer: '), categoryBadge(c.recommendation)),
		d ? h('div.decision-shown', { 'data-testid': 'decision-shown' },
			h('p', h('span.muted', 'Decided: '), categoryBadge(d.category), ` by ${decidedBy(d)}, ${fmtDate(d.decided_at)}`),
			h('blockquote.decision-reason', String(d.reason || '')))
			: h('p.muted', 'No one has decided yet: the recommendation is what the shortlist uses.'),
		form);
}
