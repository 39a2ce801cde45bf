// erasure: the candidate view's personal-data card — export everything held about the candidate, or erase it with a reason.
import { api } from './api.js';
import { field, h } from './dom.js';
import { describe } from './problem.js';

const REASON_MAX = 500;

// A card for candidate c ({resume_id, job_id}); onErased(report) runs after the erasure succeeded.
export function erasureBlock(c, onErased) {
	const id = encodeURIComponent(c.resume_id);
	const errors = h('div.notice.error', { role: 'alert', tabindex: '-1', hidden: true });
	const reason = field('Reason for the erasure', 'textarea', { name: 'erase-reason', rows: 2, maxlength: REASON_MAX, required: true },
		'Required: why (for example the candidate\'s request). It is kept in the audit trail with who erased and when.');
	const confirm = h('input', { type: 'checkbox', name: 'erase-confirm', id: 'erase-confirm' });
	const erase = h('button.danger', { type: 'submit' }, 'Erase candidate');
	const fail = (e) => {
		errors.textContent = describe(e);
		errors.hidden = false;
		errors.focus();
	};
	const exportButton = h('button.secondary', {
		type: 'button',
		onclick: async () => {
			try {
				const doc = await api('GET', `/api/v1/candidates/${id}/export`);
				const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
				const a = h('a', { href: url, download: `candidate-${c.resume_id}.json` });
				document.body.append(a);
				a.click();
				a.remove();
				setTimeout(() => URL.revokeObjectURL(url), 10000);
			} catch (e) {
				fail(e);
			}
		},
	}, 'Export data (JSON)');
	const form = h('form.erase-form', { 'data-testid': 'erase-form', novalidate: true }, errors, reason.wrap,
		h('p', confirm, h('label', { for: 'erase-confirm' }, ' I understand the resume, its scores, decision and emails are deleted for good')),
		h('div.actions', exportButton, erase));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const text = reason.input.value.trim();
		if (!text) {
			fail(new Error('Give a reason for the erasure.'));
			return;
		}
		if (!confirm.checked) {
			fail(new Error('Tick the box to confirm the erasure.'));
			return;
		}
		erase.disabled = true;
		try {
			const res = await api('POST', `/api/v1/candidates/${id}/erase`, { reason: text });
			onErased(res && res.erased ? res.erased : {});
		} catch (e) {
			fail(e);
		} finally {
			erase.disabled = false;
		}
	});
	return h('section.card', { 'aria-labelledby': 'pd-h', 'data-testid': 'personal-data' }, h('h2#pd-h', 'Personal data'),
		h('p.muted', 'An access request gets the export; an erasure request removes the candidate from every store. A legal hold refuses the erasure.'),
		form);
}

// The page shown after an erasure: what went, and the way back to the job.
export function erasedPage(jobId, report) {
	const n = (k) => (typeof report[k] === 'number' ? report[k] : 0);
	return [h('h1', 'Candidate erased'),
		h('p.notice', { role: 'status', 'data-testid': 'erased' },
			`Erased: the resume and ${n('analyses')} analysis record(s), ${n('emails')} email(s), ${n('s3_objects')} stored file(s) and ${n('cache_entries')} cache entr${n('cache_entries') === 1 ? 'y' : 'ies'}. `,
			'The audit trail keeps what was decided, without personal data.'),
		jobId ? h('p', h('a', { href: `#/jobs/${encodeURIComponent(jobId)}` }, 'Back to the job')) : null];
}
