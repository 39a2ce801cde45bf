// The candidate notice's page: shows what the screening tool looks at, sends the candidate's request for a human review and their optional answers for the bias audit.
const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
const $ = (id) => document.getElementById(id);
const api = `/api/v1/notice/${encodeURIComponent(token)}`;

const kinds = {
	human_review: 'a human review of your application, without the tool',
	alternative_process: 'another selection process or an accommodation',
};

function showRequest(req) {
	$('notice-form').hidden = true;
	const done = $('notice-done');
	done.hidden = false;
	done.textContent = `Your request for ${kinds[req.kind] || req.kind} was received on ` +
		`${new Date(req.requested_at).toLocaleString()}. A person will follow it up.`;
}

async function load() {
	if (!token) {
		$('notice-status').textContent = 'This link is incomplete. Please open the link from your email again.';
		return;
	}
	const res = await fetch(api, { headers: { Accept: 'application/json' } });
	const body = await res.json().catch(() => ({}));
	if (!res.ok) {
		$('notice-status').textContent = body.detail || `This link cannot be used (HTTP ${res.status}).`;
		return;
	}
	$('notice-status').textContent = '';
	$('notice-intro').textContent = `Thank you for applying for the ${body.position || 'position'} role at ` +
		`${body.company || 'the company'}. An automated tool assists the screening.`;
	$('notice-looks').textContent = body.looks_at;
	$('notice-body').hidden = false;
	if (body.review_request)
		showRequest(body.review_request);
}

$('notice-form')?.addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const form = new FormData(ev.target);
	const res = await fetch(`${api}/review`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify({ kind: form.get('kind'), message: form.get('message') || '' }),
	});
	const body = await res.json().catch(() => ({}));
	if (!res.ok) {
		$('notice-status').textContent = body.detail || `The request was not sent (HTTP ${res.status}).`;
		return;
	}
	showRequest(body);
});

$('demo-form')?.addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const form = new FormData(ev.target);
	const res = await fetch(`${api}/demographics`, {
		method: 'PUT',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify({ sex: form.get('sex') || null, race_ethnicity: form.get('race_ethnicity') || null }),
	});
	const body = res.status === 204 ? {} : await res.json().catch(() => ({}));
	$('demo-done').textContent = res.ok ? 'Thank you: your answers were recorded.' : body.detail || `Not recorded (HTTP ${res.status}).`;
});

load();
