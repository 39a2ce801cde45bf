// labels: words and badges for categories, states and flags, shared by the shortlist and the candidate view.
import { h } from './dom.js';

export const CATEGORIES = [
	['shortlist', 'Shortlist'],
	['consider', 'Consider'],
	['reject', 'Reject'],
	['needs_review', 'Needs review'],
	['failed', 'Failed'],
];

// Categories that are not a verdict: the resume could not be read or judged.
export function isUnscored(category) {
	return category === 'needs_review' || category === 'failed';
}

export function categoryBadge(category) {
	const known = CATEGORIES.find(([k]) => k === category);
	const cls = known ? category.replace('_', '-') : 'unknown';
	return h(`span.badge.cat-${cls}`, known ? known[1] : String(category || 'Pending'));
}

const FLAG_TEXT = {
	hidden_text: ['Hidden text', 'The file contains text a reader cannot see (white or tiny). It may be an attempt to game the ranking.', true],
	prompt_injection: ['Instructions to the AI', 'The resume contains text that tries to instruct the scorer.', true],
	unverified_evidence: ['Unverified evidence', 'Some claims could not be found in the resume text.', true],
	missing_criterion: ['Criterion not scored', 'The scorer skipped a criterion; a person should review.', false],
	little_text: ['Little text', 'Too little text to judge: perhaps a scan without a text layer.', false],
	truncated: ['Truncated', 'Only part of a long resume was read.', false],
};

// A flag from the API is a string ("hidden_text") or an object {name, count, sample}.
export function flagInfo(flag) {
	const name = typeof flag === 'string' ? flag : flag && typeof flag.name === 'string' ? flag.name : 'flag';
	const [label, help, danger] = FLAG_TEXT[name] || [name.replace(/_/g, ' '), '', false];
	return { name, label, help, danger, count: flag && typeof flag.count === 'number' ? flag.count : null, sample: flag && typeof flag.sample === 'string' ? flag.sample : null };
}

export function flagBadge(flag) {
	const f = flagInfo(flag);
	return h(`span.flag${f.danger ? '.flag-danger' : ''}`, { title: f.help || null }, f.danger ? h('span', { 'aria-hidden': 'true' }, '⚠ ') : null, f.label);
}

export function scoreBar(score) {
	const ok = typeof score === 'number' && Number.isFinite(score);
	const pct = ok ? Math.max(0, Math.min(100, score)) : 0;
	const bar = h('span.scorebar', { 'aria-hidden': 'true' }, h('span.scorebar-fill'));
	bar.firstChild.style.width = `${pct}%`;
	return h('span.score', h('span.score-num', ok ? (Math.round(score * 10) / 10).toFixed(1) : '—'), bar);
}
