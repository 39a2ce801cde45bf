/* Unit tests for template and html: rendering, escaping per context, unknown, missing and score variables, defaults. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "mail/html.h"
#include "mail/template.h"
#include "suite.h"

static const struct template_var good_vars[] = {
	{ "candidate_name", "Jane Doe" },
	{ "position", "Backend Engineer" },
	{ "company", "Acme" },
	{ "recruiter_name", "Sam Smith" },
	{ "scheduling_link", "https://cal.example/book?id=42&x=1" },
};

START_TEST(test_render_text_and_subject)
{
	struct template t = { "Hello {{candidate_name}} - {{ position }}",
			      "Dear {{candidate_name}},\n{{company}} says hi.", NULL };
	struct template_output out;
	char err[256] = "";

	ck_assert_int_eq(template_render(&t, good_vars, ARRAY_SIZE(good_vars), &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.subject, "Hello Jane Doe - Backend Engineer");
	ck_assert_str_eq(out.text, "Dear Jane Doe,\nAcme says hi.");
	ck_assert_ptr_null(out.html);
	template_output_release(&out);
	ck_assert_ptr_null(out.subject);
	template_output_release(&out);
}
END_TEST

START_TEST(test_html_escaping_of_hostile_name)
{
	struct template t = {
		"Hi {{candidate_name}}", "Dear {{candidate_name}}",
		"<p title=\"{{candidate_name}}\" class='{{candidate_name}}'>Dear {{candidate_name}}</p>"
	};
	struct template_var vars[] = { { "candidate_name", "<script>alert(1)</script> \"&' O'Brien" } };
	struct template_output out;
	char err[256] = "";
	const char *esc = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39; O&#39;Brien";
	char expect[512];

	ck_assert_int_eq(template_render(&t, vars, 1, &out, err, sizeof(err)), 0);
	snprintf(expect, sizeof(expect), "<p title=\"%s\" class='%s'>Dear %s</p>", esc, esc, esc);
	ck_assert_str_eq(out.html, expect);
	ck_assert_ptr_null(strstr(out.html, "<script"));
	/* The text parts are not HTML: the value goes in verbatim. */
	ck_assert_str_eq(out.text, "Dear <script>alert(1)</script> \"&' O'Brien");
	ck_assert_str_eq(out.subject, "Hi <script>alert(1)</script> \"&' O'Brien");
	template_output_release(&out);
}
END_TEST

START_TEST(test_link_in_href)
{
	struct template t = { "S", "Book: {{scheduling_link}}",
			      "<a href=\"{{scheduling_link}}\">{{scheduling_link}}</a>" };
	struct template_output out;
	char err[256] = "";

	ck_assert_int_eq(template_render(&t, good_vars, ARRAY_SIZE(good_vars), &out, err, sizeof(err)), 0);
	ck_assert_str_eq(
		out.html,
		"<a href=\"https://cal.example/book?id=42&amp;x=1\">https://cal.example/book?id=42&amp;x=1</a>");
	ck_assert_str_eq(out.text, "Book: https://cal.example/book?id=42&x=1");
	template_output_release(&out);
}
END_TEST

static const char *const bad_links[] = {
	"javascript:alert(1)",
	"JAVASCRIPT:alert(1)",
	"data:text/html,<script>",
	"//evil.example/x",
	"ftp://x.example/",
	"https://",
	"https:///path",
	"https://x.example/a b",
	"https://x.example/\"onmouseover=\"x",
	"http://x.example/<",
	"vbscript:x",
	"https://x.example/\\",
};

START_TEST(test_bad_links_refused)
{
	struct template t = { "S", "{{scheduling_link}}", "<a href=\"{{scheduling_link}}\">book</a>" };
	struct template_var vars[] = { { "scheduling_link", bad_links[_i] } };
	struct template_output out;
	char err[256] = "";

	ck_assert_int_eq(template_render(&t, vars, 1, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "value of variable 'scheduling_link' is not an http or https link");
	ck_assert_ptr_null(out.subject);
	ck_assert_ptr_null(out.text);
	ck_assert(!html_url_is_safe(bad_links[_i]));
}
END_TEST

static const struct {
	const char *html;
	const char *err;
} bad_html_contexts[] = {
	{ "<a href=\"{{candidate_name}}\">x</a>",
	  "attribute 'href' must be exactly one link placeholder, not 'candidate_name'" },
	{ "<a href=\"https://x.example/?n={{candidate_name}}\">x</a>",
	  "attribute 'href' must be exactly one link placeholder, not 'candidate_name'" },
	{ "<a href=\"{{scheduling_link}}/x\">x</a>",
	  "attribute 'href' must be exactly one link placeholder, not 'scheduling_link'" },
	{ "<img src='{{company}}'>", "attribute 'src' must be exactly one link placeholder, not 'company'" },
	{ "<p onclick=\"{{candidate_name}}\">x</p>",
	  "placeholder 'candidate_name' is not allowed in the 'onclick' attribute" },
	{ "<p style=\"color:{{company}}\">x</p>", "placeholder 'company' is not allowed in the 'style' attribute" },
	{ "<p class={{company}}>x</p>", "placeholder 'company' is inside a tag, comment, script or style" },
	{ "<p {{company}}>x</p>", "placeholder 'company' is inside a tag, comment, script or style" },
	{ "<!-- {{company}} -->", "placeholder 'company' is inside a tag, comment, script or style" },
	{ "<script>var n = '{{candidate_name}}';</script>",
	  "placeholder 'candidate_name' is inside a tag, comment, script or style" },
	{ "<STYLE>p { content: '{{company}}' }</STYLE>",
	  "placeholder 'company' is inside a tag, comment, script or style" },
};

START_TEST(test_html_contexts_refused)
{
	struct template t = { "S", "T", bad_html_contexts[_i].html };
	char err[256] = "";

	ck_assert_int_eq(template_check(&t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_html_contexts[_i].err);
}
END_TEST

START_TEST(test_html_contexts_allowed_after_closing)
{
	/* After a script or comment ends, element text is a normal context again. */
	struct template t = {
		"S", "T",
		"<!-- note --><script>var a = 1;</script><style>p{}</style><p data-x=\"{{company}}\">{{company}}</p>"
	};
	struct template_var vars[] = { { "company", "A&B" } };
	struct template_output out;
	char err[256] = "";

	ck_assert_int_eq(template_render(&t, vars, 1, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.html,
			 "<!-- note --><script>var a = 1;</script><style>p{}</style><p data-x=\"A&amp;B\">A&amp;B</p>");
	template_output_release(&out);
}
END_TEST

static const struct {
	struct template t;
	const char *err;
} bad_templates[] = {
	{ { "Hi {{candidate_nme}}", "x", NULL }, "unknown variable 'candidate_nme' in template subject" },
	{ { "S", "Dear {{first_name}}", NULL }, "unknown variable 'first_name' in template text" },
	{ { "S", "T", "<p>{{salary}}</p>" }, "unknown variable 'salary' in template html" },
	{ { "S", "Your {{score}}", NULL }, "variable 'score' is not allowed: emails never carry scores or rankings" },
	{ { "S", "Your {{overall_Score}}", NULL },
	  "variable 'overall_Score' is not allowed: emails never carry scores or rankings" },
	{ { "{{rank}}", "T", NULL }, "variable 'rank' is not allowed: emails never carry scores or rankings" },
	{ { "S", "T", "<p>{{category}}</p>" },
	  "variable 'category' is not allowed: emails never carry scores or rankings" },
	{ { "S", "T {{ratings}}", NULL }, "variable 'ratings' is not allowed: emails never carry scores or rankings" },
	{ { "S", "Dear {{candidate_name}", NULL }, "template text has a malformed placeholder at byte 5" },
	{ { "S", "Dear {{}}", NULL }, "template text has a malformed placeholder at byte 5" },
	{ { "S", "Dear {{candidate name}}", NULL }, "template text has a malformed placeholder at byte 5" },
	{ { "S", "Dear {{candidate-name}}", NULL }, "template text has a malformed placeholder at byte 5" },
	{ { "S\r\nBcc: x@y", "T", NULL }, "template subject contains a line break" },
	{ { "S", "bad \xff utf8", NULL }, "template text is not valid UTF-8" },
	{ { "", "T", NULL }, "template needs a subject and a text body" },
	{ { "S", NULL, NULL }, "template needs a subject and a text body" },
};

START_TEST(test_bad_templates)
{
	struct template_output out;
	char err[256] = "";

	ck_assert_int_eq(template_check(&bad_templates[_i].t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_templates[_i].err);
	err[0] = '\0';
	ck_assert_int_eq(
		template_render(&bad_templates[_i].t, good_vars, ARRAY_SIZE(good_vars), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_templates[_i].err);
}
END_TEST

START_TEST(test_missing_and_bad_values)
{
	struct template t = { "Hi {{candidate_name}}", "From {{recruiter_name}} at {{company}}", NULL };
	struct template_var missing[] = { { "candidate_name", "Jane" }, { "company", "Acme" } };
	struct template_var empty[] = { { "candidate_name", "" }, { "company", "Acme" }, { "recruiter_name", "S" } };
	struct template_var null_value[] = { { "candidate_name", "J" },
					     { "company", NULL },
					     { "recruiter_name", "S" } };
	struct template_var crlf[] = { { "candidate_name", "Jane\r\nBcc: x@example.org" },
				       { "company", "A" },
				       { "recruiter_name", "S" } };
	struct template_var bad_utf8[] = { { "candidate_name", "J\xc3" },
					   { "company", "A" },
					   { "recruiter_name", "S" } };
	struct template_var score[] = {
		{ "candidate_name", "J" }, { "company", "A" }, { "recruiter_name", "S" }, { "score", "87" }
	};
	struct template_output out;
	char err[256], *big;

	ck_assert_int_eq(template_render(&t, missing, ARRAY_SIZE(missing), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing value for variable 'recruiter_name'");
	ck_assert_int_eq(template_render(&t, empty, ARRAY_SIZE(empty), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing value for variable 'candidate_name'");
	ck_assert_int_eq(template_render(&t, null_value, ARRAY_SIZE(null_value), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing value for variable 'company'");
	ck_assert_int_eq(template_render(&t, crlf, ARRAY_SIZE(crlf), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "value of variable 'candidate_name' contains a control character or line break");
	ck_assert_int_eq(template_render(&t, bad_utf8, ARRAY_SIZE(bad_utf8), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "value of variable 'candidate_name' is not valid UTF-8");
	/* A score-like variable is refused even when the template does not use it. */
	ck_assert_int_eq(template_render(&t, score, ARRAY_SIZE(score), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "variable 'score' is not allowed: emails never carry scores or rankings");
	big = xmalloc(TEMPLATE_VALUE_MAX + 2);
	memset(big, 'a', TEMPLATE_VALUE_MAX + 1);
	big[TEMPLATE_VALUE_MAX + 1] = '\0';
	missing[0].value = big;
	ck_assert_int_eq(template_render(&t, missing, ARRAY_SIZE(missing), &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "value of variable 'candidate_name' is longer than 1024 bytes");
	free(big);
}
END_TEST

START_TEST(test_size_limits)
{
	struct template t = { "{{candidate_name}}{{candidate_name}}", "T", NULL };
	struct template_var vars[] = { { "candidate_name", NULL } };
	struct template_output out;
	char err[256], *v = xmalloc(TEMPLATE_VALUE_MAX + 1), *part = xmalloc(TEMPLATE_PART_MAX + 2);

	/* Two 1024-byte names make an 2048-byte subject: over the rendered-subject limit. */
	memset(v, 'a', TEMPLATE_VALUE_MAX);
	v[TEMPLATE_VALUE_MAX] = '\0';
	vars[0].value = v;
	ck_assert_int_eq(template_render(&t, vars, 1, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rendered subject is longer than 400 bytes");
	memset(part, 'x', TEMPLATE_PART_MAX + 1);
	part[TEMPLATE_PART_MAX + 1] = '\0';
	t.subject = "S";
	t.text = part;
	ck_assert_int_eq(template_check(&t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "template text is too long");
	/* A body of many placeholders can pass the rendered-body limit. */
	{
		struct buf b = BUF_INIT(0);
		int i;

		for (i = 0; i < 300; i++)
			buf_append_str(&b, "{{candidate_name}}");
		t.text = b.ptr;
		ck_assert_int_eq(template_render(&t, vars, 1, &out, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "rendered text is longer than 262144 bytes");
		buf_release(&b);
	}
	free(part);
	free(v);
}
END_TEST

START_TEST(test_defaults_render)
{
	enum template_kind kind = (enum template_kind)_i;
	const struct template *t = template_default(kind);
	struct template_output out;
	char err[256] = "";
	enum template_kind back;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(template_check(t, err, sizeof(err)), 0);
	ck_assert_int_eq(template_render(t, good_vars, ARRAY_SIZE(good_vars), &out, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out.subject, "Backend Engineer"));
	ck_assert_ptr_nonnull(strstr(out.subject, "Acme"));
	ck_assert_ptr_nonnull(strstr(out.text, "Dear Jane Doe,"));
	ck_assert_ptr_nonnull(strstr(out.text, "Sam Smith"));
	ck_assert_ptr_nonnull(strstr(out.html, "<p>Dear Jane Doe,</p>"));
	ck_assert_ptr_null(strstr(out.text, "{{"));
	ck_assert_ptr_null(strstr(out.html, "{{"));
	ck_assert(!template_mentions_score(out.subject));
	ck_assert(!template_mentions_score(out.text));
	ck_assert(!template_mentions_score(out.html));
	if (kind == TEMPLATE_INVITE) {
		ck_assert_ptr_nonnull(strstr(out.text, "https://cal.example/book?id=42&x=1"));
		ck_assert_ptr_nonnull(strstr(out.html, "href=\"https://cal.example/book?id=42&amp;x=1\""));
	} else {
		ck_assert_ptr_null(strstr(out.text, "cal.example"));
	}
	ck_assert_int_eq(template_kind_parse(template_kind_name(kind), &back), 0);
	ck_assert_int_eq(back, kind);
	template_output_release(&out);
}
END_TEST

START_TEST(test_default_invite_needs_link)
{
	struct template_output out;
	char err[256];

	ck_assert_int_eq(template_render(template_default(TEMPLATE_INVITE), good_vars, ARRAY_SIZE(good_vars) - 1, &out,
					 err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "missing value for variable 'scheduling_link'");
	ck_assert_ptr_null(template_default((enum template_kind)7));
	ck_assert_ptr_null(template_kind_name((enum template_kind)7));
	ck_assert_int_eq(template_kind_parse("promote", (enum template_kind[1]){ 0 }), -1);
	ck_assert_int_eq(template_kind_parse(NULL, (enum template_kind[1]){ 0 }), -1);
}
END_TEST

START_TEST(test_score_leak_scan)
{
	ck_assert(template_mentions_score("Your score was 87"));
	ck_assert(template_mentions_score("SCORES attached"));
	ck_assert(template_mentions_score("you ranked third"));
	ck_assert(template_mentions_score("Rank: 3"));
	ck_assert(template_mentions_score("top percentile"));
	ck_assert(!template_mentions_score("Thank you for applying"));
	ck_assert(!template_mentions_score("we are a frank and open team")); /* "rank" inside a word */
	ck_assert(!template_mentions_score("Franklin Street"));
	ck_assert(template_var_forbidden("llm_Score"));
	ck_assert(!template_var_forbidden("company"));
	ck_assert(template_var_known("candidate_name"));
	ck_assert(!template_var_known("score"));
}
END_TEST

START_TEST(test_html_escape_helpers)
{
	struct buf b = BUF_INIT(0), small = BUF_INIT(8);
	char *d;

	ck_assert_int_eq(html_escape(&b, "a<b>\0\"c'&", 10), 0);
	ck_assert_str_eq(b.ptr, "a&lt;b&gt;&quot;c&#39;&amp;");
	ck_assert_int_eq(html_escape_str(&small, "ok"), 0);
	ck_assert_int_eq(html_escape_str(&small, "<<"), -1);
	ck_assert_str_eq(small.ptr, "ok");
	d = html_escape_dup("Ünïcode & <tags>");
	ck_assert_str_eq(d, "Ünïcode &amp; &lt;tags&gt;");
	free(d);
	ck_assert(html_url_is_safe("https://cal.example/x?y=1#z"));
	ck_assert(html_url_is_safe("HTTP://cal.example"));
	buf_release(&b);
	buf_release(&small);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_render_text_and_subject);
	tcase_add_test(tc, test_html_escaping_of_hostile_name);
	tcase_add_test(tc, test_link_in_href);
	tcase_add_loop_test(tc, test_bad_links_refused, 0, (int)ARRAY_SIZE(bad_links));
	tcase_add_loop_test(tc, test_html_contexts_refused, 0, (int)ARRAY_SIZE(bad_html_contexts));
	tcase_add_test(tc, test_html_contexts_allowed_after_closing);
	tcase_add_loop_test(tc, test_bad_templates, 0, (int)ARRAY_SIZE(bad_templates));
	tcase_add_test(tc, test_missing_and_bad_values);
	tcase_add_test(tc, test_size_limits);
	tcase_add_loop_test(tc, test_defaults_render, 0, 3);
	tcase_add_test(tc, test_default_invite_needs_link);
	tcase_add_test(tc, test_score_leak_scan);
	tcase_add_test(tc, test_html_escape_helpers);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
