// Measures what one page load of the web app costs: bytes transferred and requests on a first visit (empty cache)
// and on a repeat visit (same browser profile), and the first contentful paint, for the README's figures.
// Usage: SHORTLIST_WEB_URL=https://127.0.0.1:PORT [SHORTLIST_WEB_CERT=cert.pem] node tests/e2e/pageload.mjs [RUNS]
// (prints one JSON line). Signs in with a new API key (shortlistctl, so the instance's configuration must be loaded)
// and opens the jobs list. With SHORTLIST_WEB_CERT (a test certificate, as tests/t0880 makes), chromium trusts that
// certificate: it keeps nothing in its cache from a site whose certificate it does not trust, so a repeat visit over
// TLS is only measured right with it (and node's own calls need NODE_EXTRA_CA_CERTS set to the same file).
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BASE_URL, apiCall, launch, newKey, requireBrowser } from './lib.mjs';

const runs = Number(process.argv[2] || 5);
const pw = await requireBrowser();

const key = await newKey(`pageload-${process.pid}-${Date.now()}`);
for (let i = 0; i < 3; i++) {
	await apiCall(key, 'POST', '/api/v1/jobs', { title: `Engineer ${i}`, description: 'C, PostgreSQL and Linux; three years of backend work.' });
}

// One visit in its own tab: sums the bytes on the wire (headers included) of every response, from the DevTools protocol.
async function visit(context) {
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	const seen = new Map();
	let bytes = 0;
	let fromCache = 0;
	cdp.on('Network.responseReceived', (e) => {
		seen.set(e.requestId, { status: e.response.status, protocol: e.response.protocol });
		if (e.response.fromDiskCache || e.response.fromPrefetchCache) fromCache += 1;
	});
	cdp.on('Network.requestServedFromCache', () => (fromCache += 1));
	cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
	await cdp.send('Network.enable');
	if (network) await cdp.send('Network.emulateNetworkConditions', network);
	await page.goto(`${BASE_URL}/#/jobs`);
	await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
	await page.waitForLoadState('networkidle');
	const fcp = await page.evaluate(() => {
		const e = performance.getEntriesByName('first-contentful-paint')[0];
		return e ? e.startTime : null;
	});
	const statuses = [...seen.values()];
	await page.close();
	return {
		bytes,
		requests: statuses.length,
		not_modified: statuses.filter((s) => s.status === 304).length,
		from_cache: fromCache,
		protocol: [...new Set(statuses.map((s) => s.protocol))].join(','),
		fcp_ms: fcp,
	};
}

const median = (xs) => {
	const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
	return s.length ? s[Math.floor(s.length / 2)] : null;
};

// SHORTLIST_WEB_NETWORK=RTT_MS/KBIT_S (such as 40/10000) makes chromium's own throttling stand for a real network.
let network = null;
if (process.env.SHORTLIST_WEB_NETWORK) {
	const [rtt, kbit] = process.env.SHORTLIST_WEB_NETWORK.split('/').map(Number);
	const bytesPerSecond = (kbit * 1000) / 8;
	network = { offline: false, latency: rtt, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond };
}

const extraArgs = [];
if (process.env.SHORTLIST_WEB_CERT) {
	const spki = new X509Certificate(readFileSync(process.env.SHORTLIST_WEB_CERT)).publicKey.export({ type: 'spki', format: 'der' });
	extraArgs.push(`--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`);
}

const first = [];
const repeat = [];
for (let i = 0; i < runs; i++) {
	const { context, close } = await launch(pw, { extraArgs });
	try {
		await context.addInitScript((k) => sessionStorage.setItem('shortlist.apiKey', k), key);
		first.push(await visit(context));
		repeat.push(await visit(context));
	} finally {
		await close();
	}
}
const summary = (xs) => ({
	bytes: median(xs.map((x) => x.bytes)),
	requests: median(xs.map((x) => x.requests)),
	not_modified: median(xs.map((x) => x.not_modified)),
	from_cache: median(xs.map((x) => x.from_cache)),
	protocol: xs[0].protocol,
	fcp_ms: median(xs.map((x) => x.fcp_ms)),
	fcp_ms_range: [Math.min(...xs.map((x) => x.fcp_ms)), Math.max(...xs.map((x) => x.fcp_ms))],
});
console.log(JSON.stringify({ url: BASE_URL, network: process.env.SHORTLIST_WEB_NETWORK || 'loopback', runs, first: summary(first), repeat: summary(repeat) }));
