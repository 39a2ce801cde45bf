// job/batches: which upload or rescore batches of a job this browser tab follows, kept in sessionStorage.

function batchKey(jobId) {
	return `shortlist.batches.${jobId}`;
}
// The batches of a job this tab is following (at most the last 10), newest last; [] when none or unreadable.
export function savedBatches(jobId) {
	try {
		const v = JSON.parse(sessionStorage.getItem(batchKey(jobId)) || '[]');
		return Array.isArray(v) ? v.filter((x) => Number.isInteger(x)) : [];
	} catch {
		return [];
	}
}
// Remembers batch id of job, so the page follows it again after a reload.
export function saveBatch(jobId, id) {
	const v = savedBatches(jobId).filter((x) => x !== id);
	v.push(id);
	sessionStorage.setItem(batchKey(jobId), JSON.stringify(v.slice(-10)));
}
// Stops remembering a batch (it finished).
export function forgetBatch(jobId, id) {
	sessionStorage.setItem(batchKey(jobId), JSON.stringify(savedBatches(jobId).filter((x) => x !== id)));
}
