// job: one job — upload resumes, follow their processing, the ranked shortlist, selection and emails.
import { api, ApiError, batches, getPage, isMissingRoute, uploadFiles } from './api.js';
import { fmtBytes, fmtDate, fmtDuration, h, replace } from './dom.js';
import { openComposer } from './emails.js';
import { CATEGORIES, categoryBadge, flagBadge, flagInfo, isUnscored, scoreBar } from './labels.js';

const PAGE = 50;
const POLL_MS = 2000;
const ACCEPT = '.pdf,.docx,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain';

function describe(e) {
	return e instanceof ApiError ? e.describe() : String(e.message || e);
}

function batchKey(jobId) {
	return `shortlist.batches.${jobId}`;
}
function savedBatches(jobId) {
	try {
		const v = JSON.parse(sessionStorage.getItem(batchKey(jobId)) || '[]');
		return Array.isArray(v) ? v.filter((x) => Number.isInteger(x)) : [];
	} catch {
		return [];
	}
}
function saveBatch(jobId, id) {
	const v = savedBatches(jobId).filter((x) => x !== id);
	v.push(id);
	sessionStorage.setItem(batchKey(jobId), JSON.stringify(v.slice(-10)));
}
function forgetBatch(jobId, id) {
	sessionStorage.setItem(batchKey(jobId), JSON.stringify(savedBatches(jobId).filter((x) => x !== id)));
}

// ---- upload ---------------------------------------------------------------

function uploadSection(job, ctx, onBatch) {
	const input = h('input.visually-hidden', { type: 'file', id: 'resume-files', multiple: true, accept: ACCEPT });
	const zone = h('div.dropzone', { 'data-testid': 'dropzone' },
		h('p.dz-title', 'Drop resumes here'),
		h('p.muted', 'PDF, Word (.docx) or plain text, up to 20 MB each. Hundreds at once are fine.'),
		h('label.button.secondary', { for: 'resume-files' }, 'Choose files…'), input);
	const progress = h('progress', { max: 100, value: 0, 'aria-label': 'Upload progress' });
	const progressText = h('span.muted');
	const progressBox = h('div.upload-progress', { hidden: true }, progress, progressText);
	const summary = h('p.upload-summary', { role: 'status' });
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const tbody = h('tbody');
	const table = h('table.results', { hidden: true },
		h('caption.visually-hidden', 'Result of each uploaded file'),
		h('thead', h('tr', h('th', { scope: 'col' }, 'File'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Reason'))), tbody);
	let busy = false;

	async function send(files) {
		if (busy || !files.length) return;
		if (job.status === 'closed') {
			error.textContent = 'This job is closed: it takes no more resumes.';
			error.hidden = false;
			return;
		}
		busy = true;
		zone.classList.add('busy');
		error.hidden = true;
		table.hidden = false;
		progressBox.hidden = false;
		const total = files.reduce((n, f) => n + f.size, 0);
		let doneBytes = 0;
		const counts = { accepted: 0, duplicate: 0, rejected: 0, failed: 0 };
		const rows = new Map();
		for (const f of files) {
			const row = h('tr', h('td.filename', f.name), h('td.num', fmtBytes(f.size)), h('td', h('span.badge.pending', 'Waiting')), h('td'));
			rows.set(f, row);
			tbody.prepend(row);
		}
		const groups = batches(files);
		for (const [i, group] of groups.entries()) {
			const groupBytes = group.reduce((n, f) => n + f.size, 0);
			for (const f of group) replace(rows.get(f).children[2], h('span.badge.pending', 'Uploading'));
			try {
				const res = await uploadFiles(job.id, group, (sent) => {
					const pct = total ? Math.round(((doneBytes + Math.min(sent, groupBytes)) / total) * 100) : 100;
					progress.value = pct;
					progressText.textContent = `${pct}% sent${groups.length > 1 ? ` (request ${i + 1} of ${groups.length})` : ''}`;
				});
				const results = Array.isArray(res.files) ? res.files : [];
				group.forEach((f, k) => {
					const r = results.find((x) => x.index === k) || results[k] || {};
					const st = ['accepted', 'duplicate', 'rejected'].includes(r.status) ? r.status : 'rejected';
					counts[st] += 1;
					const label = { accepted: 'Accepted', duplicate: 'Duplicate', rejected: 'Rejected' }[st];
					const reason = st === 'duplicate' ? 'Already uploaded to this job; stored once.' : r.reason || '';
					const row = rows.get(f);
					row.classList.add(`res-${st}`);
					replace(row.children[2], h(`span.badge.res-${st}`, label));
					replace(row.children[3], reason);
				});
				if (res.batch_id) onBatch(res.batch_id);
			} catch (e) {
				for (const f of group) {
					counts.failed += 1;
					const row = rows.get(f);
					row.classList.add('res-rejected');
					replace(row.children[2], h('span.badge.res-rejected', 'Not sent'));
					replace(row.children[3], describe(e));
				}
				error.textContent = `Upload failed: ${describe(e)}`;
				error.hidden = false;
				if (e instanceof ApiError && (e.status === 401 || e.status === 404 || e.status === 409)) break;
			}
			doneBytes += groupBytes;
		}
		progress.value = 100;
		progressText.textContent = 'Upload finished';
		const parts = [`${counts.accepted} accepted`, `${counts.duplicate} duplicate`, `${counts.rejected} rejected`];
		if (counts.failed) parts.push(`${counts.failed} not sent`);
		summary.textContent = `${files.length} file${files.length === 1 ? '' : 's'}: ${parts.join(', ')}.`;
		ctx.announce(summary.textContent);
		zone.classList.remove('busy');
		busy = false;
	}

	input.addEventListener('change', () => {
		const files = [...input.files];
		input.value = '';
		send(files);
	});
	for (const t of ['dragenter', 'dragover']) {
		zone.addEventListener(t, (ev) => {
			ev.preventDefault();
			zone.classList.add('over');
		});
	}
	for (const t of ['dragleave', 'dragend']) zone.addEventListener(t, () => zone.classList.remove('over'));
	zone.addEventListener('drop', (ev) => {
		ev.preventDefault();
		zone.classList.remove('over');
		const files = [...(ev.dataTransfer?.files || [])].filter((f) => f.size > 0 || f.type !== '' || /\.\w+$/.test(f.name));
		send(files);
	});
	// Dropping a file outside the zone must not navigate away from the app.
	const stop = (ev) => ev.preventDefault();
	window.addEventListener('dragover', stop);
	window.addEventListener('drop', stop);
	ctx.onLeave(() => {
		window.removeEventListener('dragover', stop);
		window.removeEventListener('drop', stop);
	});

	return h('section.card', { 'aria-labelledby': 'upload-h' }, h('h2#upload-h', 'Upload resumes'), zone, progressBox, error, summary, h('div.results-wrap', table));
}

// ---- processing progress --------------------------------------------------

const STATES = [['queued', 'Queued'], ['processing', 'Processing'], ['scored', 'Scored'], ['needs_review', 'Needs review'], ['failed', 'Failed']];

function progressSection(job, ctx, onDone) {
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
				if (isMissingRoute(e)) {
					headline.textContent = `Batch ${batchId}: progress reports are not available on this server yet. The shortlist below fills as resumes are scored.`;
					bar.remove();
					return;
				}
				headline.textContent = `Batch ${batchId}: could not read progress (${describe(e)}). Retrying…`;
				timers.add(setTimeout(poll, POLL_MS * 3));
				return;
			}
			const c = st.counts && typeof st.counts === 'object' ? st.counts : st;
			const num = (k) => (typeof c[k] === 'number' ? c[k] : 0);
			const total = typeof st.total === 'number' ? st.total : STATES.reduce((n, [k]) => n + num(k), 0);
			const finished = num('scored') + num('needs_review') + num('failed');
			const pct = typeof st.percent === 'number' ? st.percent : total ? (finished / total) * 100 : 0;
			const done = st.done === true || st.state === 'done' || (total > 0 && num('queued') + num('processing') === 0);
			bar.value = Math.max(0, Math.min(100, pct));
			const eta = fmtDuration(st.eta_seconds);
			headline.textContent = `Batch ${batchId}: ${Math.round(pct)}% — ${finished} of ${total} done` + (done ? '.' : eta ? `, about ${eta} left.` : '.');
			replace(counts, STATES.map(([k, label]) => h(`li.count-${k}`, h('span.count-num', String(num(k))), ` ${label}`)));
			const fails = Array.isArray(st.failures) ? st.failures : [];
			replace(failures, fails.length ? [h('h3', 'Could not be processed'),
				h('ul.failures', fails.map((f) => h('li',
					f.resume_id ? h('a', { href: `#/candidates/${encodeURIComponent(f.resume_id)}` }, f.filename || f.name || `Resume ${f.resume_id}`) : h('span', f.filename || 'A file'),
					': ', h('span', f.reason || f.status_reason || f.status || 'unknown reason'))))] : null);
			if (finished !== lastDone) {
				lastDone = finished;
				onDone(false);
			}
			if (done) {
				box.classList.add('done');
				ctx.announce(`Batch ${batchId} finished: ${num('scored')} scored, ${num('needs_review')} need review, ${num('failed')} failed.`);
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

// ---- shortlist ------------------------------------------------------------

function shortlistSection(job, ctx) {
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
	let rank = 0;
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
		const id = item.resume_id ?? item.id;
		const name = item.name || item.filename || `Resume ${id}`;
		const box = h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(id) });
		box.addEventListener('change', () => {
			if (box.checked) selected.set(id, item);
			else selected.delete(id);
			updateSelection();
		});
		const flags = Array.isArray(item.flags) ? item.flags : [];
		const danger = flags.some((f) => flagInfo(f).danger);
		const reason = isUnscored(item.category) ? item.reason || item.status_reason || item.summary : null;
		const kos = Array.isArray(item.knockouts_failed) ? item.knockouts_failed : [];
		return h(`tr${danger ? '.flagged' : ''}`, { 'data-id': id },
			h('td.sel', box), h('td.num', n ? String(n) : ''),
			h('td.cand', h('a.cand-name', { href: `#/candidates/${encodeURIComponent(id)}` }, name), item.filename && item.name ? h('span.muted.small', item.filename) : null,
				flags.length || kos.length ? h('span.flags', flags.map(flagBadge), kos.map((k) => h('span.flag', `Knock-out: ${typeof k === 'string' ? k : k.rule || ''}`))) : null),
			h('td.td-score', isUnscored(item.category) ? h('span.muted', '—') : scoreBar(item.score)),
			h('td.td-cat', categoryBadge(item.category)),
			h('td.summary', reason || item.summary || ''));
	}

	async function load(reset) {
		if (reset) {
			cursor = null;
			rank = 0;
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
				else {
					rank += 1;
					rankedBody.appendChild(row(it, isUnscored(it.category) ? 0 : Number.isInteger(it.rank) ? it.rank : rank));
				}
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
			if (isMissingRoute(e)) {
				status.textContent = '';
				error.textContent = 'The ranked list is not available on this server yet.';
			} else error.textContent = `Could not load candidates: ${describe(e)}`;
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

// ---- emails sent ----------------------------------------------------------

// Why an email is where it is: a bounce's or complaint's own words, else the last delivery error.
function emailReason(m) {
	if ((m.state === 'bounced' || m.state === 'complained') && m.bounce_detail)
		return `${m.state === 'complained' ? 'Complaint' : 'Bounced'}: ${m.bounce_detail}`;
	return m.last_error || '';
}

function emailsSection(job, ctx) {
	const body = h('div', h('p.muted', 'Loading…'));
	async function load() {
		try {
			const page = await api('GET', `/api/v1/emails?job_id=${encodeURIComponent(job.id)}&limit=50`, undefined, { signal: ctx.signal });
			const items = Array.isArray(page.items) ? page.items : [];
			if (!items.length) {
				replace(body, h('p.muted', 'No emails sent for this job yet.'));
				return;
			}
			replace(body, h('table.results', h('caption.visually-hidden', 'Emails for this job'),
				h('thead', h('tr', ['To', 'Kind', 'Status', 'When'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', items.map((m) => h('tr',
					h('td', m.to_name || m.candidate_name || m.to || '', m.to && m.to_name ? h('span.muted.small', ` ${m.to}`) : null),
					h('td', m.kind || ''),
					h('td', h(`span.badge.mail-${/^[a-z_]+$/.test(m.state || m.status || '') ? m.state || m.status : 'unknown'}`, m.state || m.status || 'unknown'),
						emailReason(m) ? h('span.muted.small.mail-reason', ` ${emailReason(m)}`) : null),
					h('td', fmtDate(m.bounced_at || m.sent_at || m.updated_at || m.created_at)))))));
		} catch (e) {
			if (e.name === 'AbortError') return;
			replace(body, h('p.muted', isMissingRoute(e) ? 'Email tracking is not available on this server yet.' : `Could not load emails: ${describe(e)}`));
		}
	}
	return { section: h('section.card', { 'aria-labelledby': 'emails-h' }, h('h2#emails-h', 'Emails'), body), load };
}

// ---- the page -------------------------------------------------------------

export async function renderJob(main, ctx, id) {
	const job = await api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal });
	const closed = job.status === 'closed';
	const notice = h('p.notice', { role: 'status', hidden: true });
	const shortlist = shortlistSection(job, ctx);
	const emails = emailsSection(job, ctx);
	shortlist.setOnSent(() => emails.load());
	let refreshTimer = null;
	const progress = progressSection(job, ctx, (final) => {
		// Refresh the list as results arrive, but not more than every few seconds.
		if (final) {
			clearTimeout(refreshTimer);
			refreshTimer = null;
			shortlist.load(true);
		} else if (!refreshTimer) {
			refreshTimer = setTimeout(() => {
				refreshTimer = null;
				shortlist.load(true);
			}, 4000);
		}
	});
	ctx.onLeave(() => clearTimeout(refreshTimer));
	const onBatch = (batchId) => {
		saveBatch(job.id, batchId);
		progress.watch(batchId);
	};

	const rescore = h('button.secondary', { type: 'button', disabled: closed }, 'Rescore all');
	rescore.addEventListener('click', async () => {
		if (!window.confirm('Score every resume of this job again with the current criteria?')) return;
		rescore.disabled = true;
		try {
			const r = await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/rescore`, {});
			notice.textContent = r && r.queued === 0 ? 'Nothing to rescore: every resume is already scored with the current criteria.'
				: r && typeof r.queued === 'number' ? `Rescoring ${r.queued} resume${r.queued === 1 ? '' : 's'}.` : 'Rescoring started.';
			notice.className = 'notice';
			if (r && r.batch_id) onBatch(r.batch_id);
		} catch (e) {
			notice.textContent = isMissingRoute(e) ? 'Rescoring is not available on this server yet.' : `Could not rescore: ${describe(e)}`;
			notice.className = 'notice error';
		}
		notice.hidden = false;
		rescore.disabled = false;
	});
	const close = h('button.secondary.danger', { type: 'button', hidden: closed }, 'Close job');
	close.addEventListener('click', async () => {
		if (!window.confirm('Close this job? It will take no more resumes.')) return;
		try {
			await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/close`, {});
			ctx.announce('Job closed');
			// Route again: the page is rebuilt with its timers and listeners renewed.
			window.dispatchEvent(new HashChangeEvent('hashchange'));
		} catch (e) {
			notice.textContent = `Could not close the job: ${describe(e)}`;
			notice.className = 'notice error';
			notice.hidden = false;
		}
	});

	const meta = [job.company, job.location].filter((x) => typeof x === 'string' && x !== '');
	const skills = Array.isArray(job.required_skills) ? job.required_skills : [];
	replace(main,
		h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, 'Jobs'), ' / ', h('span', { 'aria-current': 'page' }, job.title)),
		h('div.page-head', h('div', h('h1', job.title), h('p.muted', meta.join(' · '), meta.length ? ' · ' : '', h(`span.badge.status-${closed ? 'closed' : 'open'}`, closed ? 'Closed' : 'Open'))),
			h('div.actions', h('a.button.secondary', { href: `#/jobs/${encodeURIComponent(job.id)}/edit` }, 'Edit job'), rescore, close)),
		skills.length ? h('p.skills', h('span.muted', 'Required: '), skills.map((s) => h('span.chip', s))) : null,
		notice,
		closed ? h('p.notice', 'This job is closed: it takes no more resumes.') : uploadSection(job, ctx, onBatch),
		progress.section,
		shortlist.section,
		emails.section);
	for (const b of savedBatches(job.id)) progress.watch(b);
	await Promise.all([shortlist.load(true), emails.load()]);
}
