// job/upload: the job page's upload section — drop or choose resumes, send them in request-sized groups with
// progress, and show each file's result.
import { ApiError, batches, uploadFiles } from '../api.js';
import { fmtBytes, h, replace } from '../dom.js';
import { describe } from '../problem.js';

const ACCEPT = '.pdf,.docx,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain';

// The section for job; onBatch(batchId) runs for each batch an upload request made.
export function uploadSection(job, ctx, onBatch) {
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
				group.forEach((f, k) => {
					const r = res.files.find((x) => x.index === k) || {};
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
