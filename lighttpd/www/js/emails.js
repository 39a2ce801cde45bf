// emails: the composer for invite/consider/reject emails — template editing, a rendered preview, and sending.
import { api } from './api.js';
import { field, h, replace } from './dom.js';
import { describe } from './problem.js';
import { isUnscored } from './labels.js';

const KIND_TEXT = { invite: 'Invite to interview', consider: 'Keep in consideration', reject: 'Rejection' };

// Placeholders that would put an evaluation in an email; the server refuses them too.
export function forbiddenPlaceholder(text) {
	const m = /\{\{\s*([^}]*?(score|rank|rating|category)[^}]*?)\s*\}\}/i.exec(String(text || ''));
	return m ? m[1] : null;
}

// Opens a modal dialog to email the candidates of job; onSent() runs after a successful send.
export function openComposer(job, kind, candidates, ctx, onSent) {
	const opener = document.activeElement;
	// A resume that could not be read or judged never gets a rejection.
	const excluded = kind === 'reject' ? candidates.filter((c) => isUnscored(c.category)) : [];
	const recipients = candidates.filter((c) => !excluded.includes(c));
	const ids = recipients.map((c) => c.resume_id);
	const name = (c) => c.name || c.filename || `Resume ${c.resume_id}`;

	const subject = field('Subject', 'input', { type: 'text', maxlength: 400 });
	const text = field('Message', 'textarea', { rows: 10 }, 'Placeholders such as {{candidate_name}}, {{position}} and {{company}} are filled in for each candidate. Scores are never included.');
	const html = field('HTML version', 'textarea', { rows: 8 });
	const htmlBox = h('details.html-part', h('summary', 'HTML version'), html.wrap);
	const SENDER = 'shortlist.sender';
	let remembered = {};
	try {
		remembered = JSON.parse(localStorage.getItem(SENDER) || '{}') || {};
	} catch {
		remembered = {};
	}
	const recruiter = field('Your name', 'input', { type: 'text', maxlength: 200, autocomplete: 'name', value: remembered.recruiter_name || '' });
	const replyTo = field('Your email', 'input', { type: 'email', maxlength: 200, autocomplete: 'email', value: remembered.recruiter_email || '' });
	const scheduling = field('Scheduling link', 'input', { type: 'url', maxlength: 2000, placeholder: 'https://', value: remembered.scheduling_link || '' },
		kind === 'invite' ? 'Where candidates pick an interview time.' : 'Used only if the template mentions it.');
	const sender = h('fieldset.sender', h('legend', 'Signed by'), h('div.grid-3', recruiter.wrap, replyTo.wrap, scheduling.wrap));
	const senderValues = () => {
		const v = {};
		if (recruiter.input.value.trim()) v.recruiter_name = recruiter.input.value.trim();
		if (replyTo.input.value.trim()) v.recruiter_email = replyTo.input.value.trim();
		if (scheduling.input.value.trim()) v.scheduling_link = scheduling.input.value.trim();
		localStorage.setItem(SENDER, JSON.stringify(v));
		return v;
	};
	const results = h('div.send-results', { hidden: true });
	const templateNote = h('p.muted', 'Loading the template…');
	const error = h('div.notice.error', { role: 'alert', hidden: true });
	const info = h('p.notice', { role: 'status', hidden: true });
	const previewBox = h('div.preview', { hidden: true, 'aria-live': 'polite' });
	const previewBtn = h('button.secondary', { type: 'button' }, 'Preview');
	const saveBtn = h('button.secondary', { type: 'button' }, 'Save template');
	const sendBtn = h('button.primary', { type: 'button', disabled: ids.length === 0 }, `Send to ${ids.length} candidate${ids.length === 1 ? '' : 's'}`);
	const cancelBtn = h('button.link', { type: 'button' }, 'Cancel');
	let loaded = null;

	const dlg = h('dialog.composer', { 'aria-labelledby': 'composer-h' },
		h('h2#composer-h', `${KIND_TEXT[kind]} email`),
		h('p', `To: ${recipients.map(name).join(', ') || 'nobody'}`),
		excluded.length ? h('p.notice', `Left out ${excluded.length}: ${excluded.map(name).join(', ')}. Resumes that could not be scored never get a rejection email.`) : null,
		sender, templateNote, error, subject.wrap, text.wrap, htmlBox, previewBox, results, info,
		h('div.actions', sendBtn, previewBtn, saveBtn, cancelBtn));

	function close() {
		dlg.close();
		dlg.remove();
		if (opener && opener.focus) opener.focus();
	}
	cancelBtn.addEventListener('click', close);
	dlg.addEventListener('cancel', (ev) => {
		ev.preventDefault();
		close();
	});
	ctx.onLeave(() => {
		if (dlg.isConnected) dlg.remove();
	});

	function current() {
		return { subject: subject.input.value, text: text.input.value, html: html.input.value };
	}
	function check() {
		error.hidden = true;
		const t = current();
		for (const part of [t.subject, t.text, t.html]) {
			const bad = forbiddenPlaceholder(part);
			if (bad) {
				error.textContent = `Emails never include evaluations: remove the placeholder {{${bad}}}.`;
				error.hidden = false;
				return null;
			}
		}
		if (!t.subject.trim() || !t.text.trim()) {
			error.textContent = 'The email needs a subject and a message.';
			error.hidden = false;
			return null;
		}
		return t;
	}
	const changed = () => loaded && JSON.stringify(current()) !== JSON.stringify(loaded);
	const base = `/api/v1/jobs/${encodeURIComponent(job.id)}/templates/${encodeURIComponent(kind)}`;

	async function save() {
		const t = check();
		if (!t) return false;
		try {
			await api('PUT', base, t);
			loaded = current();
			return true;
		} catch (e) {
			error.textContent = `Could not save the template: ${describe(e)}`;
			error.hidden = false;
			return false;
		}
	}

	saveBtn.addEventListener('click', async () => {
		saveBtn.disabled = true;
		if (await save()) {
			info.textContent = 'Template saved for this job.';
			info.hidden = false;
		}
		saveBtn.disabled = false;
	});

	previewBtn.addEventListener('click', async () => {
		const t = check();
		if (!t) return;
		previewBtn.disabled = true;
		try {
			const out = await api('POST', `${base}/preview`, { template: t, values: senderValues(), candidate_id: ids[0] ?? null });
			const frame = h('iframe', { title: 'HTML preview', sandbox: '' });
			frame.srcdoc = typeof out.html === 'string' ? out.html : '';
			replace(previewBox, h('h3', 'Preview', recipients[0] ? ` for ${name(recipients[0])}` : ''),
				h('p', h('strong', 'Subject: '), out.subject || ''), h('pre.mail-text', out.text || ''),
				typeof out.html === 'string' && out.html ? frame : null);
			previewBox.hidden = false;
		} catch (e) {
			error.textContent = `Preview failed: ${describe(e)}`;
			error.hidden = false;
		} finally {
			previewBtn.disabled = false;
		}
	});

	sendBtn.addEventListener('click', async () => {
		if (!check()) return;
		sendBtn.disabled = true;
		sendBtn.textContent = 'Sending…';
		try {
			if (changed() && !(await save())) return;
			const r = await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/emails`, { kind, candidate_ids: ids, ...senderValues() });
			const queued = r.queued;
			const again = r.already_queued;
			const refused = r.results.filter((x) => x.status === 'refused');
			ctx.announce(`${queued} email${queued === 1 ? '' : 's'} queued`);
			if (onSent) onSent(r);
			if (!refused.length) {
				close();
				return;
			}
			// Say who was left out and why; the dialog stays open so it can be read.
			const byId = new Map(recipients.map((c) => [c.resume_id, c]));
			replace(results, h('p', h('strong', `${queued} queued`), again ? `, ${again} already sent before` : '', `, ${refused.length} not sent:`),
				h('ul', refused.map((x) => h('li', byId.has(x.candidate_id) ? name(byId.get(x.candidate_id)) : `Candidate ${x.candidate_id}`, ': ', x.reason || 'refused'))));
			results.hidden = false;
			sendBtn.hidden = true;
			cancelBtn.textContent = 'Close';
		} catch (e) {
			error.textContent = `Could not send: ${describe(e)}`;
			error.hidden = false;
		} finally {
			sendBtn.disabled = ids.length === 0;
			sendBtn.textContent = `Send to ${ids.length} candidate${ids.length === 1 ? '' : 's'}`;
		}
	});

	document.body.appendChild(dlg);
	dlg.showModal();
	// Read-only until the template is in: what it brings must not replace what was typed meanwhile.
	const editable = (yes) => {
		for (const f of [subject, text, html]) f.input.readOnly = !yes;
	};
	editable(false);
	(async () => {
		try {
			const t = await api('GET', base, undefined, { signal: ctx.signal });
			subject.input.value = t.subject || '';
			text.input.value = t.text || '';
			html.input.value = t.html || '';
			loaded = current();
			templateNote.textContent = t.is_default === false ? 'This job\'s own template.' : 'The standard template; changes you save apply to this job only.';
		} catch (e) {
			if (e.name === 'AbortError') return;
			templateNote.textContent = `Could not load the template: ${describe(e)}`;
		}
		editable(true);
		subject.input.focus();
	})();
}
