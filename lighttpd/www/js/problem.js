// problem: turns a failure (an ApiError from the API's problem+json, or any other error) into a sentence for a person.
import { ApiError } from './api.js';

// what, followed by the request id to quote to support when the error has one.
export function withRequestId(what, e) {
	return e instanceof ApiError && e.requestId ? `${what} (request ${e.requestId})` : what;
}

// A sentence for a person: what happened and, when useful, the request id. e is an ApiError or any thrown value.
export function describe(e) {
	if (!(e instanceof ApiError)) return String((e && e.message) || e);
	let what;
	if (e.status === 0) what = 'The server could not be reached. Check your connection and try again.';
	else if (e.status === 503) what = `The service is busy or a dependency is down (${e.detail || 'unavailable'}). Try again shortly.`;
	else if (e.status === 413) what = `Too large: ${e.detail || 'the request exceeds a limit'}.`;
	else what = e.detail || e.title || `The request failed (HTTP ${e.status}).`;
	return withRequestId(what, e);
}
