// keys: the organisation's API keys for its admins — the list (newest first, "load more"), a new key shown once, revoking.
import { api, ApiError, getKey, getPage } from './api.js';
import { field, fmtDate, h, replace } from './dom.js';
import { describe, withRequestId } from './problem.js';

const PAGE = 20;

// What a refusal of the whole page tells the person: a 403 is about who they are, not a fault.
function pageProblem(e) {
	const refused = e instanceof ApiError && e.status === 403;
	return refused ? withRequestId('Only your organisation\'s administrators (or an organisation key) can manage API keys.', e) : describe(e);
}

function stateBadge(k) {
	return k.revoked_at
		? h('span.badge.key-revoked', { title: `Revoked ${fmtDate(k.revoked_at)}` }, 'Revoked')
		: h('span.badge.key-active', 'Active');
}

// The new key, once: a read-only field to copy it from. Nothing keeps it; leaving the page forgets it.
function newKeyPanel(made, ctx, onDone) {
	const value = field('Your new API key', 'input', { type: 'text', readonly: true, value: made.key, spellcheck: 'false', autocomplete: 'off',
		class: 'key-value' }, 'Copy it now and keep it somewhere safe: it will not be shown again.');
	const copied = h('span.muted.small', { 'aria-live': 'polite' });
	const copy = h('button.secondary', { type: 'button' }, 'Copy');
	copy.addEventListener('click', async () => {
		value.input.select();
		try {
			await navigator.clipboard.writeText(made.key);
			copied.textContent = 'Copied.';
		} catch {
			/* No clipboard permission: the key is selected, so Ctrl+C still works. */
			copied.textContent = 'Press Ctrl+C (or ⌘C) to copy the selected key.';
		}
	});
	const done = h('button.primary', { type: 'button' }, 'Done');
	const panel = h('section.card.key-made', { 'aria-labelledby': 'key-made-h', 'data-testid': 'new-key' },
		h('h2#key-made-h', `Key ${made.prefix}… made`),
		h('p.notice.warn', { role: 'alert' }, h('strong', 'This is the only time this key is shown. '),
			'Shortlist keeps only a fingerprint of it; if it is lost, revoke it and make another.'),
		value.wrap, h('p.actions', copy, done, copied));
	done.addEventListener('click', () => {
		panel.remove();
		onDone();
	});
	ctx.onLeave(() => {
		value.input.value = '';
	});
	return { panel, focus: () => value.input.select() };
}

// The "New key" form: a name and, for a key that acts as another user, that user's email.
function newKeyForm(ctx, onMade, onCancel) {
	const name = field('Name', 'input', { type: 'text', name: 'name', maxlength: 200, autocomplete: 'off' }, 'What the key is for, such as "ATS import".');
	const email = field('User email (optional)', 'input', { type: 'email', name: 'user_email', autocomplete: 'off', spellcheck: 'false',
		autocapitalize: 'none', inputmode: 'email' }, 'The user of your organisation the key acts as. Leave it empty for a key of your own.');
	const error = h('p.notice.error', { role: 'alert', hidden: true });
	const submit = h('button.primary', { type: 'submit' }, 'Make key');
	const cancel = h('button.secondary', { type: 'button' }, 'Cancel');
	const form = h('form.card.key-form', { novalidate: true, 'aria-labelledby': 'key-form-h' }, h('h2#key-form-h', 'New API key'),
		name.wrap, email.wrap, error, h('p.actions', submit, cancel));
	cancel.addEventListener('click', onCancel);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		error.hidden = true;
		email.input.removeAttribute('aria-invalid');
		const body = {};
		if (name.input.value.trim()) body.name = name.input.value.trim();
		if (email.input.value.trim()) body.user_email = email.input.value.trim();
		submit.disabled = true;
		submit.textContent = 'Making…';
		try {
			const made = await api('POST', '/api/v1/keys', body, { signal: ctx.signal });
			onMade(made);
		} catch (e) {
			if (e.name === 'AbortError') return;
			error.textContent = describe(e);
			error.hidden = false;
			if (e instanceof ApiError && /^user_email:/.test(e.detail)) {
				email.input.setAttribute('aria-invalid', 'true');
				email.input.focus();
			}
		} finally {
			submit.disabled = false;
			submit.textContent = 'Make key';
		}
	});
	return { form, focus: () => name.input.focus() };
}

export async function renderKeys(main, ctx) {
	const body = h('tbody');
	const table = h('table.keys', { 'aria-labelledby': 'keys-h', hidden: true },
		h('thead', h('tr', ['Key', 'Name', 'User', 'Created', 'Last used', 'State', h('span.visually-hidden', 'Actions')].map((t) => h('th', { scope: 'col' }, t)))),
		body);
	const more = h('button.secondary', { type: 'button', hidden: true }, 'Load more keys');
	const error = h('p.notice.error', { role: 'alert', hidden: true, tabindex: '-1' });
	const empty = h('p.empty', { hidden: true }, 'No API keys yet.');
	const newButton = h('button.primary', { type: 'button', 'aria-expanded': 'false' }, 'New key');
	const slot = h('div');
	let cursor = null;

	function fail(e) {
		error.textContent = describe(e);
		error.hidden = false;
	}

	function row(k) {
		const tr = h('tr', { dataset: { id: String(k.id) } });
		const actions = h('td.key-actions', { 'data-label': '' });
		function drawActions() {
			if (k.revoked_at) {
				replace(actions);
				return;
			}
			const revoke = h('button.secondary.danger', { type: 'button', 'aria-label': `Revoke key ${k.prefix}` }, 'Revoke');
			revoke.addEventListener('click', () => confirmRevoke());
			replace(actions, revoke);
		}
		function confirmRevoke() {
			const yes = h('button.primary.danger-fill', { type: 'button' }, 'Yes, revoke');
			const no = h('button.secondary', { type: 'button' }, 'Keep it');
			const mine = getKey() && getKey().startsWith(k.prefix);
			replace(actions, h('div.confirm', { role: 'group', 'aria-label': `Revoke key ${k.prefix}?` },
				h('span', mine ? 'Revoke it? This page is signed in with this key and will be signed out.' : 'Revoke it? Whatever uses it stops working at once.'),
				h('span.actions', yes, no)));
			no.addEventListener('click', () => {
				drawActions();
				actions.querySelector('button').focus();
			});
			yes.addEventListener('click', async () => {
				yes.disabled = true;
				no.disabled = true;
				error.hidden = true;
				try {
					const done = await api('DELETE', `/api/v1/keys/${encodeURIComponent(k.id)}`, undefined, { signal: ctx.signal });
					Object.assign(k, done && typeof done === 'object' ? done : { revoked_at: new Date().toISOString() });
					const fresh = row(k);
					tr.replaceWith(fresh);
					ctx.announce(`Key ${k.prefix} revoked`);
					fresh.querySelector('td').focus();
					/* The key this page signs in with stopped working: the next call's 401 signs out, as everywhere. */
					if (mine) await api('GET', '/api/v1/session', undefined, { signal: ctx.signal }).catch(() => {});
				} catch (e) {
					if (e.name === 'AbortError') return;
					fail(e);
					drawActions();
				}
			});
			no.focus();
		}
		const user = k.user && typeof k.user.email === 'string' ? k.user.email : null;
		tr.append(
			h('td.key-prefix', { 'data-label': 'Key', tabindex: '-1' }, h('code', `${k.prefix}…`)),
			h('td', { 'data-label': 'Name' }, k.name || h('span.muted', '(no name)')),
			h('td', { 'data-label': 'User' }, user || h('span.muted', 'Organisation')),
			h('td', { 'data-label': 'Created' }, fmtDate(k.created_at)),
			h('td', { 'data-label': 'Last used' }, k.last_used_at ? fmtDate(k.last_used_at) : h('span.muted', 'Never')),
			h('td', { 'data-label': 'State' }, stateBadge(k), k.revoked_at ? h('span.muted.small.block', fmtDate(k.revoked_at)) : null),
			actions);
		drawActions();
		return tr;
	}

	async function load() {
		more.disabled = true;
		error.hidden = true;
		try {
			const page = await getPage('/api/v1/keys', { cursor, limit: PAGE, signal: ctx.signal });
			const rows = page.items.map(row);
			body.append(...rows);
			cursor = page.next;
			more.hidden = !cursor;
			table.hidden = body.childElementCount === 0;
			empty.hidden = body.childElementCount > 0;
			return rows[0] || null;
		} finally {
			more.disabled = false;
		}
	}

	function showForm() {
		newButton.setAttribute('aria-expanded', 'true');
		const f = newKeyForm(ctx, (made) => {
			newButton.setAttribute('aria-expanded', 'false');
			const shown = newKeyPanel(made, ctx, () => newButton.focus());
			replace(slot, shown.panel);
			shown.focus();
			/* The list row gets everything but the key itself. */
			const info = Object.fromEntries(Object.entries(made).filter(([k]) => k !== 'key'));
			body.insertBefore(row(info), body.firstChild);
			table.hidden = false;
			empty.hidden = true;
			ctx.announce(`Key ${made.prefix} made. It is shown once.`);
		}, () => {
			newButton.setAttribute('aria-expanded', 'false');
			replace(slot);
			newButton.focus();
		});
		replace(slot, f.form);
		f.focus();
	}
	newButton.addEventListener('click', showForm);
	more.addEventListener('click', async () => {
		try {
			const first = await load();
			// Keyboard users continue from the first newly loaded key.
			if (first) first.querySelector('td').focus();
		} catch (e) {
			if (e.name !== 'AbortError') fail(e);
		}
	});

	const head = h('div.page-head', h('div', h('h1#keys-h', 'API keys'),
		h('p.muted', 'Keys let programs use the Shortlist API as a user of your organisation, or as the organisation itself.')), newButton);
	replace(main, head, h('p.loading', 'Loading…'));
	try {
		await load();
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		/* Refused or failed outright: say why in the page and offer nothing to do. */
		replace(main, h('div.page-head', h('h1#keys-h', 'API keys')), h('p.notice.error', { role: 'alert' }, pageProblem(e)),
			h('p', h('a', { href: '#/jobs' }, 'Back to the jobs')));
		return;
	}
	replace(main, head, error, slot, empty, h('div.table-wrap', table), h('div.more', more));
}
