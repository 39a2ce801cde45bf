/* Unit tests for s3event: every envelope of the corpus, nested envelopes, malformed input and key decoding. */
#include <check.h>
#include <cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "corpus.h"
#include "intake/s3event.h"
#include "suite.h"

#define DEPTH 32

static char events_dir[PATH_MAX];

static bool find_events_dir(void)
{
	return corpus_path("s3_events", events_dir, sizeof(events_dir));
}

static char *read_file(const char *path, size_t *len)
{
	struct buf b = BUF_INIT(4 << 20);
	char chunk[8192];
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(buf_append(&b, chunk, n), 0);
	fclose(f);
	return buf_detach(&b, len);
}

/* Parses text that must succeed; the caller releases the list. */
static void parse_ok(const char *text, struct s3event_list *l)
{
	char err[300] = "";

	memset(l, 0, sizeof(*l));
	ck_assert_msg(s3event_parse(text, strlen(text), DEPTH, l, err, sizeof(err)) == 0, "parse failed: %s (%.200s)",
		      err, text);
}

/* Parses text that must fail with a message containing want. */
static void parse_fails(const char *text, size_t len, int depth, const char *want)
{
	struct s3event_list l = { 0 };
	char err[300] = "";

	ck_assert_int_eq(s3event_parse(text, len, depth, &l, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' does not say '%s'", err, want);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.items);
}

#define S3_RECORD(name, bucket, key) \
	"{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":\"" name \
	"\",\"s3\":{\"bucket\":{\"name\":\"" bucket "\"},\"object\":{\"key\":\"" key "\",\"size\":1234}}}"

START_TEST(test_plain_record)
{
	struct s3event_list l;

	parse_ok("{\"Records\":[" S3_RECORD("ObjectCreated:Put", "shortlist", "orgs/1/jobs/2/uploads/ab") "]}", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].name, "ObjectCreated:Put");
	ck_assert_str_eq(l.items[0].bucket, "shortlist");
	ck_assert_str_eq(l.items[0].key, "orgs/1/jobs/2/uploads/ab");
	ck_assert_int_eq(l.items[0].size, 1234);
	s3event_list_release(&l);
	ck_assert_uint_eq(l.n, 0);
	s3event_list_release(&l);
}
END_TEST

START_TEST(test_key_encoding_in_records)
{
	struct s3event_list l;

	parse_ok("{\"Records\":[" S3_RECORD("ObjectCreated:Put", "b", "dir%2Fmy+cv%2B1%25.pdf") "]}", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].key, "dir/my cv+1%.pdf");
	s3event_list_release(&l);

	parse_ok("{\"Records\":[" S3_RECORD("ObjectCreated:Put", "b", "bad%zzkey") "]}", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[0].reason, "URL encoding"));
	s3event_list_release(&l);

	parse_ok("{\"Records\":[" S3_RECORD("ObjectCreated:Put", "b", "bad%ff%fe") "]}", &l);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[0].reason, "UTF-8"));
	s3event_list_release(&l);
}
END_TEST

START_TEST(test_key_decode_table)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },	    { "plain", "plain" }, { "a+b", "a b" },
		{ "%41%62", "Ab" }, { "%2f%2F", "//" },	  { "%e2%82%ac", "\xe2\x82\xac" },
		{ "%2B", "+" },	    { "%", NULL },	  { "%4", NULL },
		{ "ab%", NULL },    { "%zz", NULL },	  { "%g1", NULL },
		{ "%00", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = s3event_key_decode(cases[i].in);

		if (!cases[i].out) {
			ck_assert_msg(got == NULL, "'%s' should not decode, got '%s'", cases[i].in, got);
		} else {
			ck_assert_msg(got != NULL, "'%s' should decode", cases[i].in);
			ck_assert_str_eq(got, cases[i].out);
		}
		free(got);
	}
}
END_TEST

START_TEST(test_sns_sqs_lambda_eventbridge)
{
	const char *sns =
		"{\"Type\":\"Notification\",\"TopicArn\":\"arn:t\",\"Message\":\"{\\\"Records\\\":["
		"{\\\"eventSource\\\":\\\"aws:s3\\\",\\\"eventName\\\":\\\"ObjectCreated:Post\\\","
		"\\\"s3\\\":{\\\"bucket\\\":{\\\"name\\\":\\\"bk\\\"},\\\"object\\\":{\\\"key\\\":\\\"k+1\\\"}}}]}\"}";
	const char *lambda =
		"{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"Type\":\"Notification\",\"Message\":"
		"{\"Records\":[" S3_RECORD("ObjectCreated:Copy", "bk", "k2") "]}}}]}";
	const char *eb = "{\"version\":\"0\",\"detail-type\":\"Object Created\",\"source\":\"aws.s3\",\"detail\":"
			 "{\"bucket\":{\"name\":\"bk\"},\"object\":{\"key\":\"k%203\",\"size\":7}}}";
	const char *eb_del = "{\"detail-type\":\"Object Deleted\",\"source\":\"aws.s3\",\"detail\":"
			     "{\"bucket\":{\"name\":\"bk\"},\"object\":{\"key\":\"k4\"}}}";
	struct s3event_list l;
	cJSON *sqs, *recs, *rec;
	char *sqs_text;

	parse_ok(sns, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].key, "k 1");
	ck_assert_int_eq(l.items[0].size, -1);
	s3event_list_release(&l);

	/* SQS record whose body is the SNS envelope as text: the S3 event is encoded twice. */
	sqs = cJSON_CreateObject();
	recs = cJSON_AddArrayToObject(sqs, "Records");
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "eventSource", "aws:sqs");
	cJSON_AddStringToObject(rec, "body", sns);
	cJSON_AddItemToArray(recs, rec);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "eventSource", "aws:sqs");
	cJSON_AddStringToObject(rec, "body", "this is not JSON");
	cJSON_AddItemToArray(recs, rec);
	sqs_text = cJSON_PrintUnformatted(sqs);
	parse_ok(sqs_text, &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].bucket, "bk");
	ck_assert_str_eq(l.items[0].key, "k 1");
	/* The poisoned message spoils only itself. */
	ck_assert_int_eq(l.items[1].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[1].reason, "record 1"));
	s3event_list_release(&l);
	free(sqs_text);
	cJSON_Delete(sqs);

	parse_ok(lambda, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].key, "k2");
	s3event_list_release(&l);

	parse_ok(eb, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[0].name, "Object Created");
	ck_assert_str_eq(l.items[0].key, "k 3");
	ck_assert_int_eq(l.items[0].size, 7);
	s3event_list_release(&l);

	parse_ok(eb_del, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_OTHER);
	ck_assert_str_eq(l.items[0].key, "k4");
	s3event_list_release(&l);
}
END_TEST

START_TEST(test_test_event_and_subscription)
{
	struct s3event_list l;

	parse_ok("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"bk\"}", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_TEST);
	ck_assert_str_eq(l.items[0].bucket, "bk");
	s3event_list_release(&l);

	parse_ok("{\"Type\":\"SubscriptionConfirmation\",\"TopicArn\":\"arn:aws:sns:x:1:t\",\"Token\":\"tok\","
		 "\"SubscribeURL\":\"https://sns.example/?Action=ConfirmSubscription&Token=tok\"}",
		 &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_SUBSCRIPTION);
	ck_assert_str_eq(l.items[0].topic_arn, "arn:aws:sns:x:1:t");
	ck_assert_str_eq(l.items[0].subscribe_url, "https://sns.example/?Action=ConfirmSubscription&Token=tok");
	s3event_list_release(&l);

	parse_ok("{\"Type\":\"UnsubscribeConfirmation\",\"TopicArn\":\"arn:t\"}", &l);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_OTHER);
	s3event_list_release(&l);

	/* A test event delivered through SQS. */
	parse_ok("{\"Records\":[{\"body\":\"{\\\"Event\\\":\\\"s3:TestEvent\\\"}\"}]}", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_TEST);
	s3event_list_release(&l);
}
END_TEST

START_TEST(test_other_events_and_bad_records)
{
	struct s3event_list l;

	parse_ok("{\"Records\":[" S3_RECORD("ObjectRemoved:Delete", "b", "gone") "," S3_RECORD(
			 "s3:ObjectCreated:Put", "b",
			 "minio") ",7,{\"eventSource\":\"aws:s3\",\"eventName\":"
				  "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
				  "\"object\":{\"size\":3}}},"
				  "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
				  "\"s3\":{\"object\":{\"key\":\"k\"}}},"
				  "{\"hello\":\"world\"},"
				  "{\"eventSource\":\"aws:s3\",\"s3\":{}},"
				  "{\"eventSource\":\"aws:dynamodb\",\"eventName\":\"INSERT\",\"s3\":{}}]}",
		 &l);
	ck_assert_uint_eq(l.n, 8);
	ck_assert_int_eq(l.items[0].kind, S3EVENT_OTHER);
	ck_assert_str_eq(l.items[0].name, "ObjectRemoved:Delete");
	ck_assert_str_eq(l.items[0].key, "gone");
	ck_assert_int_eq(l.items[1].kind, S3EVENT_CREATED);
	ck_assert_str_eq(l.items[1].key, "minio");
	ck_assert_int_eq(l.items[2].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[2].reason, "not an object"));
	ck_assert_int_eq(l.items[3].kind, S3EVENT_INVALID);
	ck_assert_str_eq(l.items[3].reason, "record has no object key");
	ck_assert_int_eq(l.items[4].kind, S3EVENT_INVALID);
	ck_assert_str_eq(l.items[4].reason, "record has no bucket name");
	ck_assert_int_eq(l.items[5].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[5].reason, "not an S3 event"));
	ck_assert_int_eq(l.items[6].kind, S3EVENT_INVALID);
	ck_assert_str_eq(l.items[6].reason, "record has no eventName");
	ck_assert_int_eq(l.items[7].kind, S3EVENT_INVALID);
	ck_assert_ptr_nonnull(strstr(l.items[7].reason, "aws:dynamodb"));
	s3event_list_release(&l);

	parse_ok("{\"Records\":[]}", &l);
	ck_assert_uint_eq(l.n, 0);
	s3event_list_release(&l);

	/* A bare record, as some tools store one message. */
	parse_ok(S3_RECORD("ObjectCreated:Put", "b", "bare"), &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.items[0].key, "bare");
	s3event_list_release(&l);
}
END_TEST

START_TEST(test_malformed_bodies)
{
	static const char *const bad_json[] = { "{\"Records\":[", "{\"Records\":[]}}", "nope", "{\"a\":1,}" };
	size_t i;

	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++)
		parse_fails(bad_json[i], strlen(bad_json[i]), DEPTH, "invalid JSON");
	parse_fails("", 0, DEPTH, "empty");
	parse_fails("{\"Records\":[]}\0junk", 19, DEPTH, "NUL");
	parse_fails("{\"hello\":1}", 11, DEPTH, "not an S3 event notification");
	parse_fails("[1,2]", 5, DEPTH, "not an S3 event notification");
	parse_fails("\"Records\"", 9, DEPTH, "not an S3 event notification");
	parse_fails("{\"Records\":5}", 13, DEPTH, "Records is not an array");
	parse_fails("{\"Type\":\"Notification\",\"Message\":\"not json\"}", 44, DEPTH, "SNS Message");
	parse_fails("{\"Type\":\"Notification\"}", 23, DEPTH, "no Message");
	parse_fails("{\"Type\":\"Notification\",\"Message\":12}", 36, DEPTH, "neither JSON text nor an object");
	parse_fails("{\"Type\":\"Surprise\",\"Message\":\"{}\"}", 34, DEPTH, "unknown SNS message type");
}
END_TEST

START_TEST(test_depth_bombs)
{
	size_t n = 100000, i;
	char *bomb = malloc(2 * n + 1);
	struct buf b = BUF_INIT(0);
	struct s3event_list l = { 0 };
	char err[300];
	cJSON *env = NULL;
	char *text;

	/* Brackets nested far past any limit: refused before a tree is built. */
	for (i = 0; i < n; i++)
		bomb[i] = '[';
	for (i = 0; i < n; i++)
		bomb[n + i] = ']';
	bomb[2 * n] = '\0';
	parse_fails(bomb, 2 * n, DEPTH, "nested deeper than 32");
	memset(bomb, '{', n);
	parse_fails(bomb, n, DEPTH, "nested deeper");
	free(bomb);

	/* Envelopes inside envelopes, as objects: each is shallow, together too many. */
	for (i = 0; i < 20; i++)
		buf_append_str(&b, "{\"Type\":\"Notification\",\"Message\":");
	buf_append_str(&b, "{\"Records\":[]}");
	for (i = 0; i < 20; i++)
		buf_append_char(&b, '}');
	parse_fails(b.ptr, b.len, 1000, "envelopes nested deeper than 8");
	buf_release(&b);

	/* The same as JSON text inside JSON text: still bounded. */
	text = strdup("{\"Records\":[]}");
	for (i = 0; i < 12; i++) {
		env = cJSON_CreateObject();
		cJSON_AddStringToObject(env, "Type", "Notification");
		cJSON_AddStringToObject(env, "Message", text);
		free(text);
		text = cJSON_PrintUnformatted(env);
		cJSON_Delete(env);
	}
	parse_fails(text, strlen(text), DEPTH, "envelopes nested deeper than 8");
	free(text);

	/* Within the bound, three wrappings are fine. */
	text = strdup("{\"Records\":[" S3_RECORD("ObjectCreated:Put", "b", "deep") "]}");
	for (i = 0; i < 3; i++) {
		env = cJSON_CreateObject();
		cJSON_AddStringToObject(env, "Type", "Notification");
		cJSON_AddStringToObject(env, "Message", text);
		free(text);
		text = cJSON_PrintUnformatted(env);
		cJSON_Delete(env);
	}
	ck_assert_int_eq(s3event_parse(text, strlen(text), DEPTH, &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.items[0].key, "deep");
	s3event_list_release(&l);
	free(text);
}
END_TEST

/* What each corpus file must yield; files not listed must still parse. */
static const struct expect {
	const char *file;
	size_t created, other, test;
	const char *bucket, *key;
	int64_t size;
} expected[] = {
	{ "aws-docs_s3-ObjectCreated-Put_v2.1.json", 1, 0, 0, "mybucket", "HappyFace.jpg", 1024 },
	{ "aws-docs_s3-TestEvent.json", 0, 0, 1, NULL, NULL, 0 },
	{ "aws-lambda-go_s3-event.json", 1, 0, 0, "sourcebucket", "Happy Face.jpg", 1024 },
	{ "minio-docs_notification_s3-ObjectCreated-Put.json", 1, 0, 0, "test-bucket", "image.jpg", 84452 },
	{ "powertools_s3-via-raw-sns-via-sqs-to-lambda_captured.json", 1, 0, 0, "unwraptestevents-bucket-683517028648",
	  "samconfig.toml", 221 },
	{ "powertools_s3-via-sns-to-lambda_captured.json", 1, 0, 0, "s3-sns-unwrap-bucket-683517028648",
	  "samconfig.toml", 221 },
	{ "powertools_s3-via-sns-via-sqs-to-lambda_captured.json", 1, 0, 0, "unwraptestevents-bucket-683517028648",
	  "firehose-s3-template.json", 4314 },
	{ "powertools_s3Event.json", 1, 0, 0, "lambda-artifacts-deafc19498e3f2df", "b21b84d653bb07b05b1e6b33684dc11b",
	  1305107 },
	{ "powertools_s3EventBridgeNotificationObjectCreatedEvent.json", 1, 0, 0, "example-bucket", "IMG_m7fzo3.jpg",
	  184662 },
	{ "powertools_s3EventDecodedKey.json", 1, 0, 0, "sourcebucket", "Happy Face.jpg", 1024 },
	{ "powertools_s3EventDeleteObject.json", 0, 1, 0, NULL, NULL, 0 },
	{ "powertools_s3SqsEvent.json", 1, 0, 0, "xxx", "test.pdf", 104681 },
	/* Test-suite snapshots: every recorded message, summed. */
	{ "localstack_test_s3_notifications_eventbridge.snapshot.json", 6, 8, 0, NULL, NULL, 0 },
	{ "localstack_test_s3_notifications_sns.snapshot.json", 3, 0, 0, NULL, NULL, 0 },
	{ "localstack_test_s3_notifications_sqs.snapshot.json", 14, 14, 0, NULL, NULL, 0 },
};

static bool is_message(const cJSON *o)
{
	static const char *const marks[] = { "Records", "eventName", "detail-type", "Body", "body", "Sns" };
	size_t i;

	if (!cJSON_IsObject(o))
		return false;
	/* An SNS message has a Type; error bodies have a Message too. */
	if (cJSON_GetObjectItemCaseSensitive(o, "Message") && cJSON_GetObjectItemCaseSensitive(o, "Type"))
		return true;
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (cJSON_GetObjectItemCaseSensitive(o, marks[i]))
			return true;
	}
	return false;
}

/* A snapshot file holds recorded messages among other things: parses each one it finds. */
static void parse_snapshot(const cJSON *node, struct s3event_list *all, const char *file)
{
	const cJSON *c;

	if (is_message(node)) {
		char *text = cJSON_PrintUnformatted(node);
		char err[300] = "";

		ck_assert_msg(s3event_parse(text, strlen(text), DEPTH, all, err, sizeof(err)) == 0, "%s: %s: %.300s",
			      file, err, text);
		free(text);
		return;
	}
	cJSON_ArrayForEach(c, node)
	{
		parse_snapshot(c, all, file);
	}
}

START_TEST(test_corpus)
{
	struct dirent *de;
	DIR *d;
	size_t files = 0, i, checked = 0;

	if (!find_events_dir()) {
		printf("skip: corpus s3_events not found (set SHORTLIST_CORPUS)\n");
		return;
	}
	d = opendir(events_dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		struct s3event_list l = { 0 };
		const struct expect *want = NULL;
		size_t created = 0, other = 0, test = 0, invalid = 0, len, k;
		char path[PATH_MAX + 256], err[300] = "";
		char *text;

		if (strlen(de->d_name) < 6 || strcmp(de->d_name + strlen(de->d_name) - 5, ".json") != 0)
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", events_dir, de->d_name);
		text = read_file(path, &len);
		if (strstr(de->d_name, ".snapshot.")) {
			cJSON *root = cJSON_Parse(text);

			ck_assert_ptr_nonnull(root);
			parse_snapshot(root, &l, de->d_name);
			cJSON_Delete(root);
		} else {
			ck_assert_msg(s3event_parse(text, len, DEPTH, &l, err, sizeof(err)) == 0, "%s: %s", de->d_name,
				      err);
		}
		free(text);
		for (k = 0; k < l.n; k++) {
			created += l.items[k].kind == S3EVENT_CREATED;
			other += l.items[k].kind == S3EVENT_OTHER;
			test += l.items[k].kind == S3EVENT_TEST;
			invalid += l.items[k].kind == S3EVENT_INVALID;
		}
		ck_assert_msg(invalid == 0, "%s: %zu unreadable records", de->d_name, invalid);
		ck_assert_msg(l.n > 0, "%s: no events", de->d_name);
		for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
			if (strcmp(expected[i].file, de->d_name) == 0)
				want = &expected[i];
		}
		if (want) {
			checked++;
			ck_assert_msg(created == want->created && other == want->other && test == want->test,
				      "%s: %zu created, %zu other, %zu test", de->d_name, created, other, test);
			if (want->key) {
				ck_assert_str_eq(l.items[0].bucket, want->bucket);
				ck_assert_str_eq(l.items[0].key, want->key);
				ck_assert_int_eq(l.items[0].size, want->size);
			}
		}
		s3event_list_release(&l);
	}
	closedir(d);
	ck_assert_uint_ge(files, 1);
	printf("s3event: %zu corpus files parsed, %zu checked against expectations\n", files, checked);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("s3event");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plain_record);
	tcase_add_test(tc, test_key_encoding_in_records);
	tcase_add_test(tc, test_key_decode_table);
	tcase_add_test(tc, test_sns_sqs_lambda_eventbridge);
	tcase_add_test(tc, test_test_event_and_subscription);
	tcase_add_test(tc, test_other_events_and_bad_records);
	tcase_add_test(tc, test_malformed_bodies);
	tcase_add_test(tc, test_depth_bombs);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? 1 : 0;
}
