/* libFuzzer harness: jsoncheck never crashes, names a byte inside the input, and what it accepts cJSON parses whole and prints back acceptably. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/jsoncheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts the strings in a tree and checks none was cut by a NUL (cJSON's \u0000). */
static void check_tree(const cJSON *item)
{
	const cJSON *c;

	if (cJSON_IsString(item) && !item->valuestring)
		abort();
	if (item->string && memchr(item->string, '\0', strlen(item->string) + 1) != item->string + strlen(item->string))
		abort();
	for (c = item->child; c; c = c->next)
		check_tree(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[JSONCHECK_PATH_MAX + 256], perr[256];
	const char *text = (const char *)data;
	int depth;
	cJSON *root;
	char *printed;
	const char *b, *last;
	unsigned long long at;

	if (size < 1)
		return 0;
	/* The first byte picks the depth limit (1 to 64); the JSON follows. */
	depth = 1 + data[0] % 64;
	text++;
	size--;
	err[0] = '\0';
	if (jsoncheck_validate(text, size, depth, err, sizeof(err)) < 0) {
		if (strlen(err) == 0 || strlen(err) >= sizeof(err))
			abort();
		/* Every refusal but the empty body says where, inside the input (or at its end). */
		if (strncmp(err, "empty body", 10) != 0) {
			/* The last "(byte ": a key in the path may spell one too. */
			for (b = strstr(err, "(byte "), last = NULL; b; b = strstr(b + 1, "(byte "))
				last = b;
			if (!last || sscanf(last, "(byte %llu)", &at) != 1 || at > size)
				abort();
		}
		return 0;
	}
	root = json_parse(text, size, depth, perr, sizeof(perr));
	if (!root)
		abort(); /* accepted by the strict check, refused by cJSON */
	check_tree(root);
	printed = cJSON_PrintUnformatted(root);
	if (printed) {
		/* cJSON's own output passes the check too. */
		if (jsoncheck_validate(printed, strlen(printed), depth, err, sizeof(err)) < 0)
			abort();
		free(printed);
	}
	cJSON_Delete(root);
	return 0;
}
