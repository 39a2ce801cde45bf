// jobform: create or edit a job — description, required skills, knock-outs, thresholds and optional rubric criteria.
import { api } from './api.js';
import { field, h, newId, replace } from './dom.js';
import { describe } from './problem.js';

const KINDS = [['terms', 'Keywords'], ['skills', 'Skills'], ['experience', 'Experience'], ['education', 'Education']];

// Splits a textarea of skills on new lines and commas, dropping blanks and repeats.
export function splitList(text) {
	const seen = new Set();
	const out = [];
	for (const raw of String(text).split(/[\n,]/)) {
		const s = raw.trim();
		if (s && !seen.has(s.toLowerCase())) {
			seen.add(s.toLowerCase());
			out.push(s);
		}
	}
	return out;
}

function knockoutRow(list, ko = { type: 'min_years', years: 3 }) {
	const rowId = newId('ko');
	const type = h('select', { id: `${rowId}-type`, 'aria-label': 'Knock-out type' },
		h('option', { value: 'min_years' }, 'Minimum years of experience'),
		h('option', { value: 'certification' }, 'Certification required'),
		h('option', { value: 'skill' }, 'Skill required'));
	type.value = ko.type;
	const value = h('input', { id: `${rowId}-value`, 'aria-label': 'Knock-out value' });
	const setKind = () => {
		if (type.value === 'min_years') {
			value.type = 'number';
			value.min = '0';
			value.max = '60';
			value.placeholder = 'years';
			value.setAttribute('aria-label', 'Minimum years');
		} else {
			value.type = 'text';
			value.removeAttribute('min');
			value.removeAttribute('max');
			value.placeholder = type.value === 'skill' ? 'e.g. Kubernetes' : 'e.g. PMP';
			value.setAttribute('aria-label', type.value === 'skill' ? 'Skill name' : 'Certification name');
		}
	};
	setKind();
	value.value = ko.type === 'min_years' ? String(ko.years ?? '') : ko.name || '';
	type.addEventListener('change', () => {
		value.value = '';
		setKind();
	});
	const remove = h('button.link.danger', { type: 'button' }, 'Remove');
	const row = h('li.repeat-row', type, value, remove);
	remove.addEventListener('click', () => {
		const next = row.nextElementSibling || row.previousElementSibling;
		row.remove();
		(next ? next.querySelector('select') : list.closest('fieldset').querySelector('button.add'))?.focus();
	});
	row.read = () => {
		if (type.value === 'min_years') return { type: 'min_years', years: Number(value.value) };
		return { type: type.value, name: value.value.trim() };
	};
	row.check = () => {
		const bad = type.value === 'min_years' ? !/^\d+$/.test(value.value.trim()) || Number(value.value) > 60 : value.value.trim() === '';
		value.setAttribute('aria-invalid', bad ? 'true' : 'false');
		return bad ? value : null;
	};
	return row;
}

function criterionRow(list, c = {}) {
	const name = field('Criterion', 'input', { type: 'text', maxlength: 100, value: c.name || '' });
	const weight = field('Weight', 'input', { type: 'number', min: '0.1', max: '1000', step: 'any', value: c.weight ?? 1, inputmode: 'decimal' });
	const kind = field('Scored as', 'select', {}, null, KINDS);
	kind.input.value = c.kind || 'terms';
	const keywords = field('Keywords', 'input', { type: 'text', value: (c.keywords || []).join(', ') }, 'Comma-separated words the resume should show.');
	const desc = field('What good looks like', 'textarea', { rows: 2, maxlength: 2000, value: c.description || '' });
	const remove = h('button.link.danger', { type: 'button' }, 'Remove criterion');
	const row = h('li.criterion-row', h('div.grid-3', name.wrap, weight.wrap, kind.wrap), keywords.wrap, desc.wrap, remove);
	remove.addEventListener('click', () => {
		row.remove();
		list.closest('fieldset').querySelector('button.add').focus();
	});
	row.read = () => {
		const o = { name: name.input.value.trim(), weight: Number(weight.input.value), kind: kind.input.value, keywords: splitList(keywords.input.value) };
		if (desc.input.value.trim()) o.description = desc.input.value.trim();
		if (c.min_years && o.kind === 'experience') o.min_years = c.min_years;
		return o;
	};
	row.check = () => {
		const badName = name.input.value.trim() === '';
		const w = Number(weight.input.value);
		const badWeight = !(w > 0 && w <= 1000);
		name.input.setAttribute('aria-invalid', String(badName));
		weight.input.setAttribute('aria-invalid', String(badWeight));
		return badName ? name.input : badWeight ? weight.input : null;
	};
	return row;
}

export async function renderJobForm(main, ctx, id) {
	const job = id ? await api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal }) : null;
	const title = field('Job title', 'input', { type: 'text', required: true, maxlength: 200, autocomplete: 'off', value: job?.title || '' });
	const company = field('Company', 'input', { type: 'text', maxlength: 200, autocomplete: 'organization', value: job?.company || '' });
	const loc = field('Location', 'input', { type: 'text', maxlength: 200, value: job?.location || '' });
	const description = field('Job description', 'textarea', { required: true, rows: 10, maxlength: 65536, value: job?.description || '' },
		'Paste the full description: responsibilities, requirements, nice-to-haves.');
	const skills = field('Required skills', 'textarea', { rows: 3, value: (job?.required_skills || []).join('\n') }, 'One per line, or separated by commas.');
	const shortlistAt = field('Shortlist at or above', 'input', { type: 'number', min: 0, max: 100, step: 'any', value: job?.thresholds?.shortlist ?? 75, inputmode: 'decimal' });
	const considerAt = field('Consider at or above', 'input', { type: 'number', min: 0, max: 100, step: 'any', value: job?.thresholds?.consider ?? 50, inputmode: 'decimal' });
	for (const f of [title, description]) f.wrap.querySelector('label').append(h('span.req', { 'aria-hidden': 'true' }, ' *'));

	const koList = h('ul.repeat-list');
	for (const ko of job?.knockouts || []) koList.appendChild(knockoutRow(koList, ko));
	const addKo = h('button.secondary.add', { type: 'button' }, 'Add knock-out');
	addKo.addEventListener('click', () => {
		const row = knockoutRow(koList);
		koList.appendChild(row);
		row.querySelector('select').focus();
	});

	const given = job?.rubric_source === 'given';
	const derived = job && !given ? job.rubric : null;
	const useOwn = h('input', { type: 'checkbox', id: newId('own'), checked: given });
	const critList = h('ul.repeat-list');
	const addCrit = h('button.secondary.add', { type: 'button' }, 'Add criterion');
	const critBox = h('div.criteria', { hidden: !given }, critList, addCrit);
	if (given) for (const c of job.rubric?.criteria || []) critList.appendChild(criterionRow(critList, c));
	addCrit.addEventListener('click', () => {
		const row = criterionRow(critList);
		critList.appendChild(row);
		row.querySelector('input').focus();
	});
	useOwn.addEventListener('change', () => {
		critBox.hidden = !useOwn.checked;
		// Start from the derived criteria, so editing beats typing from scratch.
		if (useOwn.checked && critList.childElementCount === 0) {
			for (const c of derived?.criteria || [{ name: '', weight: 1 }]) critList.appendChild(criterionRow(critList, c));
		}
	});
	const derivedNote = derived?.criteria?.length
		? h('details.derived', h('summary', `Criteria derived from the description (${derived.criteria.length})`),
			h('ul', derived.criteria.map((c) => h('li', h('strong', c.name), ` — weight ${c.weight}`, c.keywords?.length ? `: ${c.keywords.join(', ')}` : ''))))
		: h('p.hint', 'Without your own criteria, Shortlist derives them from the description and the required skills.');

	const errors = h('div.notice.error', { role: 'alert', tabindex: '-1', hidden: true });
	const submit = h('button.primary', { type: 'submit' }, job ? 'Save changes' : 'Create job');
	const form = h('form.card.job-form', { novalidate: true },
		errors,
		h('fieldset', h('legend', 'The job'), title.wrap, h('div.grid-2', company.wrap, loc.wrap), description.wrap),
		h('fieldset', h('legend', 'Requirements'), skills.wrap,
			h('p.hint', 'Knock-outs reject a candidate who clearly fails them. Missing information never rejects: it sends the resume to review.'),
			koList, addKo),
		h('fieldset', h('legend', 'Categories'), h('div.grid-2', shortlistAt.wrap, considerAt.wrap),
			h('p.hint', 'Scores run from 0 to 100. Below "consider" a candidate is rejected.')),
		h('fieldset', h('legend', 'Scoring criteria (optional)'),
			h('div.check', useOwn, h('label', { for: useOwn.id }, 'Define my own criteria and weights')), derivedNote, critBox),
		h('div.actions', submit, h('a.button.secondary', { href: job ? `#/jobs/${job.id}` : '#/jobs' }, 'Cancel')));

	function fail(messages, focusEl) {
		replace(errors, h('p', h('strong', messages.length > 1 ? 'Please fix these:' : 'Please fix this:')), h('ul', messages.map((m) => h('li', m))));
		errors.hidden = false;
		(focusEl || errors).focus();
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		errors.hidden = true;
		const msgs = [];
		let first = null;
		const need = (cond, el, msg) => {
			el.setAttribute('aria-invalid', cond ? 'false' : 'true');
			if (!cond) {
				msgs.push(msg);
				first = first || el;
			}
		};
		need(title.input.value.trim() !== '', title.input, 'Enter a job title.');
		need(description.input.value.trim() !== '', description.input, 'Enter a job description.');
		const s = Number(shortlistAt.input.value);
		const c = Number(considerAt.input.value);
		need(shortlistAt.input.value !== '' && s >= 0 && s <= 100, shortlistAt.input, 'The shortlist threshold must be between 0 and 100.');
		need(considerAt.input.value !== '' && c >= 0 && c <= 100 && c < s, considerAt.input, 'The consider threshold must be between 0 and 100 and below the shortlist threshold.');
		for (const row of koList.children) {
			const bad = row.check();
			if (bad) {
				msgs.push('Complete or remove each knock-out (years are a whole number up to 60).');
				first = first || bad;
				break;
			}
		}
		if (useOwn.checked) {
			if (critList.childElementCount === 0) {
				msgs.push('Add at least one criterion, or untick "Define my own criteria".');
				first = first || addCrit;
			}
			for (const row of critList.children) {
				const bad = row.check();
				if (bad) {
					msgs.push('Each criterion needs a name and a weight above 0.');
					first = first || bad;
					break;
				}
			}
		}
		if (msgs.length) {
			fail(msgs, null);
			return;
		}
		const body = {
			title: title.input.value.trim(),
			description: description.input.value.trim(),
			company: company.input.value.trim(),
			location: loc.input.value.trim(),
			required_skills: splitList(skills.input.value),
			knockouts: [...koList.children].map((r) => r.read()),
			thresholds: { shortlist: s, consider: c },
		};
		if (useOwn.checked) body.rubric = { criteria: [...critList.children].map((r) => r.read()) };
		else if (job) body.rubric = null;
		submit.disabled = true;
		submit.textContent = job ? 'Saving…' : 'Creating…';
		try {
			const saved = job ? await api('PATCH', `/api/v1/jobs/${encodeURIComponent(job.id)}`, body)
				: await api('POST', '/api/v1/jobs', body);
			ctx.announce(job ? 'Job saved' : 'Job created');
			location.hash = `#/jobs/${encodeURIComponent(saved.id)}`;
		} catch (e) {
			fail([describe(e)], null);
		} finally {
			submit.disabled = false;
			submit.textContent = job ? 'Save changes' : 'Create job';
		}
	});

	replace(main, h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, 'Jobs'), job ? [' / ', h('a', { href: `#/jobs/${job.id}` }, job.title)] : null),
		h('h1', job ? `Edit ${job.title}` : 'New job'), form);
}
