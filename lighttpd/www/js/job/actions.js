// job/actions: the job page's "Rescore all" and "Close job" buttons.
import { api } from '../api.js';
import { h } from '../dom.js';
import { describe } from '../problem.js';

// Returns [rescore, close] buttons for job; each reports in notice, and a rescore's batch goes to onBatch(batchId).
export function jobActions(job, ctx, notice, onBatch) {
	const closed = job.status === 'closed';
	const rescore = h('button.secondary', { type: 'button', disabled: closed }, 'Rescore all');
	rescore.addEventListener('click', async () => {
		if (!window.confirm('Score every resume of this job again with the current criteria?')) return;
		rescore.disabled = true;
		try {
			const r = await api('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/rescore`, {});
			notice.textContent = r.queued === 0 ? 'Nothing to rescore: every resume is already scored with the current criteria.'
				: `Rescoring ${r.queued} resume${r.queued === 1 ? '' : 's'}.`;
			notice.className = 'notice';
			if (r.batch_id) onBatch(r.batch_id);
		} catch (e) {
			notice.textContent = `Could not rescore: ${describe(e)}`;
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
	return [rescore, close];
}
