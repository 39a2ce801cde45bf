// job/emails: the job page's list of the emails sent to its candidates and their delivery state.
import { api } from '../api.js';
import { fmtDate, h, replace } from '../dom.js';
import { describe } from '../problem.js';

// Why an email is where it is: a bounce's or complaint's own words, else the last delivery error.
function emailReason(m) {
	if ((m.state === 'bounced' || m.state === 'complained') && m.bounce_detail)
		return `${m.state === 'complained' ? 'Complaint' : 'Bounced'}: ${m.bounce_detail}`;
	return m.last_error || '';
}

// Returns { section, load() }.
export function emailsSection(job, ctx) {
	const body = h('div', h('p.muted', 'Loading…'));
	async function load() {
		try {
			const page = await api('GET', `/api/v1/emails?job_id=${encodeURIComponent(job.id)}&limit=50`, undefined, { signal: ctx.signal });
			const items = page.items;
			if (!items.length) {
				replace(body, h('p.muted', 'No emails sent for this job yet.'));
				return;
			}
			replace(body, h('table.results', h('caption.visually-hidden', 'Emails for this job'),
				h('thead', h('tr', ['To', 'Kind', 'Status', 'When'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', items.map((m) => h('tr',
					h('td', m.to_name || m.to, m.to_name ? h('span.muted.small', ` ${m.to}`) : null),
					h('td', m.kind),
					h('td', h(`span.badge.mail-${m.state}`, m.state),
						emailReason(m) ? h('span.muted.small.mail-reason', ` ${emailReason(m)}`) : null),
					h('td', fmtDate(m.bounced_at || m.sent_at || m.updated_at || m.created_at)))))));
		} catch (e) {
			if (e.name === 'AbortError') return;
			replace(body, h('p.muted', `Could not load emails: ${describe(e)}`));
		}
	}
	return { section: h('section.card', { 'aria-labelledby': 'emails-h' }, h('h2#emails-h', 'Emails'), body), load };
}
