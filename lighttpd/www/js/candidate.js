// candidate: one candidate — score, category and the human decision, flags, near-duplicate resumes, knock-outs, per-criterion evidence, strengths, gaps, the file, the notice and a review request.
import { api } from './api.js';
import { decisionBlock } from './decision.js';
import { erasedPage, erasureBlock } from './erasure.js';
import { fmtDate, fmtScore, h, replace, safeUrl } from './dom.js';
import { categoryBadge, flagInfo, isUnscored, scoreBar } from './labels.js';

const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (typeof v === 'string' ? v : '');

const reviewKinds = { human_review: 'a human review, without the automated tool', alternative_process: 'another selection process or an accommodation' };

// What the candidate asked for through the notice's link: a person must follow it up.
function reviewBlock(req) {
	if (!req || typeof req !== 'object') return null;
	return h('section.card.review-request', { 'aria-labelledby': 'rr-h' }, h('h2#rr-h', 'The candidate asked for a review'),
		h('p', h('strong', `They ask for ${reviewKinds[req.kind] || str(req.kind)}`), ` (${fmtDate(req.requested_at)}).`),
		str(req.message) ? h('blockquote', str(req.message)) : null);
}

function flagsBlock(flags) {
	if (!flags.length) return null;
	return h('section.card.flags-card', { 'aria-labelledby': 'flags-h' }, h('h2#flags-h', 'Warnings'),
		h('ul.flag-list', flags.map((raw) => {
			const f = flagInfo(raw);
			return h(`li${f.danger ? '.flag-danger' : ''}`,
				h('strong', f.danger ? '⚠ ' : '', f.label), f.count !== null ? ` (${f.count})` : '', f.help ? h('span', ` — ${f.help}`) : null,
				f.sample ? h('div', h('span.muted', 'Hidden text found: '), h('q.sample', f.sample)) : null);
		})));
}

// The words of one side of a link's difference, and how many more there are than listed.
function diffWords(words, count, cls) {
	const w = arr(words).map(str);
	if (!w.length) return h('span.muted', 'nothing');
	const more = typeof count === 'number' && count > w.length ? count - w.length : 0;
	return [w.map((x) => h(`span.chip.${cls}`, x)), more ? h('span.muted.small', ` and ${more} more`) : null];
}

// Resumes of the organisation that look like this one: shown side by side, never merged, each scored on its own.
function nearDuplicatesBlock(links) {
	if (!links.length) return null;
	return h('section.card.near-duplicates', { 'aria-labelledby': 'nd-h', 'data-testid': 'near-duplicates' },
		h('h2#nd-h', links.length === 1 ? 'Possible duplicate' : `Possible duplicates (${links.length})`),
		h('p.muted.small', 'Another resume of your organisation is nearly the same text under the same name: perhaps the same person applying again. '
			+ 'Nothing was merged; each resume has its own score.'),
		h('ul.nd-list', links.map((l) => h('li.nd-link',
			h('p', h('a', { href: `#/candidates/${encodeURIComponent(l.resume_id)}` }, `Resume ${l.resume_id}`),
				l.job_id ? [' in ', h('a', { href: `#/jobs/${encodeURIComponent(l.job_id)}` }, `job ${l.job_id}`)] : null,
				h('span.muted', ` · ${typeof l.distance === 'number' ? l.distance : '?'} of 64 bits apart · linked ${fmtDate(l.linked_at)}`)),
			h('p.nd-diff', h('span.muted', 'Only in this resume: '), diffWords(l.only_here, l.only_here_count, 'miss')),
			h('p.nd-diff', h('span.muted', 'Only in that resume: '), diffWords(l.only_there, l.only_there_count, 'ok'))))));
}

function knockoutsBlock(kos) {
	if (!kos.length) return null;
	const words = { pass: 'Passed', fail: 'Failed', unknown: 'Unknown' };
	return h('section.card', { 'aria-labelledby': 'ko-h' }, h('h2#ko-h', 'Knock-outs'),
		h('table.results', h('caption.visually-hidden', 'Knock-out rules and results'),
			h('thead', h('tr', h('th', { scope: 'col' }, 'Rule'), h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Detail'))),
			h('tbody', kos.map((k) => {
				const r = ['pass', 'fail', 'unknown'].includes(k.result) ? k.result : 'unknown';
				return h('tr', h('td', str(k.rule)), h('td', h(`span.badge.ko-${r}`, words[r])), h('td', str(k.detail)));
			}))));
}

function criterionBlock(c) {
	const evidence = arr(c.evidence);
	const score = typeof c.score === 'number' ? c.score : null;
	const meter = h('meter', { min: 0, max: 10, low: 4, high: 7, optimum: 10, value: score ?? 0, 'aria-label': `${str(c.name)} score` });
	return h('article.criterion',
		h('header.crit-head', h('h3', str(c.name) || 'Criterion'),
			h('span.crit-score', score === null ? '—' : `${fmtScore(score)} / 10`, meter),
			typeof c.weight === 'number' ? h('span.muted.small', `weight ${c.weight}`) : null,
			c.supported === false ? h('span.flag.flag-danger', 'Not supported by the resume text — counts as 0') : null),
		evidence.length ? h('div.evidence', h('h4', 'Evidence'), h('ul', evidence.map((e) => h('li',
			h('blockquote', str(e.quote)), e.verified === false ? h('span.flag.flag-danger', 'not found in the resume') : h('span.muted.small', 'found in the resume')))))
			: h('p.muted', 'No evidence quoted.'),
		arr(c.strengths).length || arr(c.gaps).length ? h('div.crit-lists',
			h('div', h('h4', 'Strengths'), arr(c.strengths).length ? h('ul.plus', arr(c.strengths).map((s) => h('li', str(s)))) : h('p.muted', 'None noted.')),
			h('div', h('h4', 'Gaps'), arr(c.gaps).length ? h('ul.minus', arr(c.gaps).map((s) => h('li', str(s)))) : h('p.muted', 'None noted.'))) : null);
}

function contactBlock(contact) {
	if (!contact || typeof contact !== 'object') return null;
	const items = [];
	for (const e of arr(contact.emails)) items.push(h('li', h('span.muted', 'Email '), str(e)));
	for (const p of arr(contact.phones)) items.push(h('li', h('span.muted', 'Phone '), str(p)));
	for (const l of arr(contact.links)) {
		const u = safeUrl(l);
		items.push(h('li', h('span.muted', 'Link '), u ? h('a', { href: u, rel: 'noopener noreferrer', target: '_blank' }, str(l)) : str(l)));
	}
	return items.length ? h('ul.contact', items) : null;
}

export async function renderCandidate(main, ctx, id) {
	const c = await api('GET', `/api/v1/candidates/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal });
	// The current analysis: its record (provider, category, score) and the scorer's result inside it.
	const rec = c.analysis && typeof c.analysis === 'object' ? c.analysis : {};
	const a = rec.result && typeof rec.result === 'object' ? rec.result : {};
	const category = rec.category;
	const score = typeof rec.score === 'number' ? rec.score : a.score;
	const name = c.identity_hidden ? `Candidate ${id}` : str(c.name) || str(c.contact?.name) || str(c.filename) || `Resume ${id}`;
	const jobId = c.job_id;
	const flags = [...arr(c.flags), ...arr(a.flags).filter((f) => !arr(c.flags).some((g) => flagInfo(g).name === flagInfo(f).name))];
	const criteria = arr(a.criteria);
	const strengths = [...new Set([...arr(a.strengths), ...criteria.flatMap((k) => arr(k.strengths))].map(str))];
	const gaps = [...new Set([...arr(a.gaps), ...criteria.flatMap((k) => arr(k.gaps))].map(str))];
	const download = safeUrl(c.download?.url);
	const unscored = isUnscored(category);
	const reason = str(c.reason) || str(a.reason);
	const scoredAt = rec.created_at;
	const provider = str(rec.provider);
	const model = str(rec.model);
	const job = jobId ? await api('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`, undefined, { signal: ctx.signal }).catch(() => null) : null;

	replace(main,
		h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, 'Jobs'),
			jobId ? [' / ', h('a', { href: `#/jobs/${encodeURIComponent(jobId)}` }, str(job?.title) || 'Job')] : null),
		h('div.page-head', h('div', h('h1', name), c.filename && c.filename !== name ? h('p.muted', str(c.filename)) : null, contactBlock(c.contact)),
			h('div.headline', unscored ? null : scoreBar(score), categoryBadge(typeof c.category === 'string' ? c.category : category),
				download ? h('a.button.secondary', { href: download, rel: 'noopener noreferrer', target: '_blank' }, 'Download resume') : null,
				download && c.download?.expires_at ? h('span.muted.small', `Link valid until ${fmtDate(c.download.expires_at)}`) : null)),
		unscored ? h('p.notice', h('strong', category === 'failed' ? 'This resume could not be processed. ' : 'This resume needs a person to review it. '),
			reason ? `Reason: ${reason}. ` : '', 'This is not a rejection.') : null,
		c.identity_hidden ? h('p.notice.identity-hidden', h('strong', 'Blind view. '),
			'The organisation hides this candidate\'s name, contact details and file until they are shortlisted, by the scorer or by a decision.') : null,
		reviewBlock(c.review_request),
		jobId && rec.category ? decisionBlock(c, () => renderCandidate(main, ctx, id)) : null,
		flagsBlock(flags),
		nearDuplicatesBlock(arr(c.near_duplicates)),
		str(a.summary) ? h('section.card', { 'aria-labelledby': 'sum-h' }, h('h2#sum-h', 'Summary'), h('p', str(a.summary)),
			arr(a.matched_skills).length ? h('p.skills', h('span.muted', 'Has: '), arr(a.matched_skills).map((s) => h('span.chip.ok', str(s)))) : null,
			arr(a.missing_skills).length ? h('p.skills', h('span.muted', 'Missing: '), arr(a.missing_skills).map((s) => h('span.chip.miss', str(s)))) : null,
			typeof a.years_experience === 'number' ? h('p', h('span.muted', 'Experience: '), `about ${fmtScore(a.years_experience)} years`) : null) : null,
		knockoutsBlock(arr(a.knockouts)),
		strengths.length || gaps.length ? h('section.card.two-col', { 'aria-labelledby': 'sg-h' }, h('h2#sg-h.visually-hidden', 'Strengths and gaps'),
			h('div', h('h3', 'Strengths'), strengths.length ? h('ul.plus', strengths.map((s) => h('li', str(s)))) : h('p.muted', 'None noted.')),
			h('div', h('h3', 'Gaps'), gaps.length ? h('ul.minus', gaps.map((s) => h('li', str(s)))) : h('p.muted', 'None noted.'))) : null,
		criteria.length ? h('section.card', { 'aria-labelledby': 'crit-h' }, h('h2#crit-h', 'Score by criterion'), criteria.map(criterionBlock)) : null,
		erasureBlock({ resume_id: id, job_id: jobId }, (report) => replace(main, ...erasedPage(jobId, report))),
		h('p.muted.small', [scoredAt ? `Scored ${fmtDate(scoredAt)}` : null, provider && provider !== 'none' ? ` by ${provider}${model ? ` (${model})` : ''}` : null,
			typeof c.previous_analyses === 'number' && c.previous_analyses > 0 ? ` · scored ${c.previous_analyses} time${c.previous_analyses === 1 ? '' : 's'} before` : null,
			c.notice && typeof c.notice === 'object' ? ` · told of the automated screening ${fmtDate(c.notice.queued_at)} (${str(c.notice.state)})` : null].filter(Boolean)));
}
