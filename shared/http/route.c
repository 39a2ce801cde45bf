/* route: what a route table entry promises — the HTTP statuses its method and flags imply, and a program's route listing. */
#include "http/route.h"

#include <stdbool.h>
#include <string.h>

static bool method_is(const struct route *rt, const char *m)
{
	return strcmp(rt->method, m) == 0;
}

/* Adds status to the sorted set set[0..*n), which has room for every status route_statuses() knows. */
static void add_status(int *set, size_t *n, int status)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (set[i] == status)
			return;
	for (i = *n; i > 0 && set[i - 1] > status; i--)
		set[i] = set[i - 1];
	set[i] = status;
	(*n)++;
}

size_t route_statuses(const struct route *rt, int *out, size_t max)
{
	bool post = method_is(rt, "POST"), changes;
	int set[ROUTE_MAX_STATUSES];
	size_t n = 0;

	changes = post || method_is(rt, "PUT") || method_is(rt, "PATCH") || method_is(rt, "DELETE");
	if (post)
		add_status(set, &n, 411);
	if (post || method_is(rt, "PUT") || method_is(rt, "PATCH"))
		add_status(set, &n, 413);
	if (rt->flags & ROUTE_JSON_BODY) {
		add_status(set, &n, 400);
		add_status(set, &n, 413);
		add_status(set, &n, 415);
	}
	if (rt->flags & ROUTE_AUTH) {
		add_status(set, &n, 401);
		add_status(set, &n, 503);
		add_status(set, &n, 429); /* the key's limit, or the address's after failed authentication */
		if (changes)
			add_status(set, &n, 403);
	} else if (app_route_ip_limit(rt->flags) != IPLIMIT_NONE) {
		enum iplimit_kind kind = app_route_ip_limit(rt->flags);

		add_status(set, &n, 429);
		if (kind != IPLIMIT_READYZ && kind != IPLIMIT_METRICS)
			add_status(set, &n, 503); /* memcached cannot count and the policy is refuse */
	}
	if (rt->flags & ROUTE_STORE)
		add_status(set, &n, 503);
	memcpy(out, set, (n < max ? n : max) * sizeof(*out));
	return n;
}

void route_print(const struct app *app, FILE *f)
{
	int statuses[ROUTE_MAX_STATUSES];
	size_t i, j, n;

	for (i = 0; i < app->nroutes; i++) {
		n = route_statuses(&app->routes[i], statuses, ROUTE_MAX_STATUSES);
		if (n > ROUTE_MAX_STATUSES)
			n = ROUTE_MAX_STATUSES;
		fprintf(f, "%s %s ", app->routes[i].method, app->routes[i].pattern);
		for (j = 0; j < n; j++)
			fprintf(f, "%s%d", j ? "," : "", statuses[j]);
		fprintf(f, "%s\n", n ? "" : "-");
	}
}
