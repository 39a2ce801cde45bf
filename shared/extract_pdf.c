/* extract_pdf: PDF text with poppler-glib, keeping white and microscopic (hidden) text out of the scored text. */
#include <poppler.h>
#include <string.h>

#include "extract_impl.h"
#include "util.h"

/* Text smaller than this (in points) cannot be read by a person. */
#define HIDDEN_MAX_FONT_SIZE 2.0
/* Each colour channel at or above this (of 65535) counts as white on a white page. */
#define HIDDEN_MIN_CHANNEL 0xF000

/* What a page's hidden text adds up to over the document. */
struct hidden {
	int64_t chars;
	struct buf sample;
	bool sample_space;
};

static bool attr_hidden(const PopplerTextAttributes *a)
{
	if (a->font_size > 0 && a->font_size < HIDDEN_MAX_FONT_SIZE)
		return true;
	return a->color.red >= HIDDEN_MIN_CHANNEL && a->color.green >= HIDDEN_MIN_CHANNEL &&
	       a->color.blue >= HIDDEN_MIN_CHANNEL;
}

static void hidden_add(struct hidden *h, const char *s, size_t len, int32_t cp)
{
	bool space = cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r';

	if (space) {
		h->sample_space = h->sample.len > 0;
		return;
	}
	h->chars++;
	if (h->sample.len + len + 1 > EXTRACT_FLAG_SAMPLE_BYTES)
		return;
	if (h->sample_space)
		buf_append_char(&h->sample, ' ');
	h->sample_space = false;
	buf_append(&h->sample, s, len);
}

/*
 * Feeds one page's text to the normaliser, character by character, sending
 * characters whose attributes make them hidden to h instead. The
 * attributes' indices count characters of poppler_page_get_text().
 */
static void page_text(PopplerPage *page, struct extract_norm *n, struct hidden *h)
{
	char *text = poppler_page_get_text(page);
	GList *attrs = poppler_page_get_text_attributes(page), *it = attrs;
	const PopplerTextAttributes *a;
	size_t len, i = 0, at, run = 0;
	int32_t cp;
	int idx = 0;
	bool hide;

	if (!text)
		goto out;
	len = strlen(text);
	while (i < len) {
		at = i;
		cp = extract_utf8_next(text, len, &i);
		while (it && ((const PopplerTextAttributes *)it->data)->end_index < idx)
			it = it->next;
		a = it ? it->data : NULL;
		hide = a && a->start_index <= idx && attr_hidden(a) && cp != '\n';
		if (hide) {
			if (run < at)
				extract_norm_text(n, text + run, at - run);
			hidden_add(h, text + at, i - at, cp);
			run = i;
		}
		idx++;
	}
	if (run < len)
		extract_norm_text(n, text + run, len - run);
out:
	poppler_page_free_text_attributes(attrs);
	g_free(text);
}

void extract_pdf(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r)
{
	GBytes *bytes = g_bytes_new_static(data, len);
	PopplerDocument *doc = NULL;
	PopplerPage *page;
	GError *err = NULL;
	struct extract_norm n;
	struct hidden h = { 0, BUF_INIT(0), false };
	int pages, to_read, i, bad = 0;

	extract_norm_init(&n, lim->max_text_bytes);
	doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	if (!doc) {
		if (err && g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
			extract_set_reason(r, EXTRACT_FAILED, "encrypted PDF (password required)");
		else
			extract_set_reason(r, EXTRACT_FAILED, "damaged PDF: %s",
					   err && err->message ? err->message : "cannot be opened");
		goto out;
	}
	pages = poppler_document_get_n_pages(doc);
	if (pages < 0) {
		extract_set_reason(r, EXTRACT_FAILED, "damaged PDF: invalid page count");
		goto out;
	}
	r->page_count = pages;
	if (pages == 0) {
		extract_set_reason(r, EXTRACT_NEEDS_REVIEW, "PDF has no pages");
		goto out;
	}
	to_read = pages < lim->max_pages ? pages : lim->max_pages;
	for (i = 0; i < to_read && !n.full; i++) {
		page = poppler_document_get_page(doc, i);
		r->pages_read++;
		if (!page) {
			bad++;
			continue;
		}
		if (i > 0)
			extract_norm_break(&n, 2);
		page_text(page, &n, &h);
		g_object_unref(page);
	}
	if (bad == r->pages_read) {
		extract_set_reason(r, EXTRACT_FAILED, "damaged PDF: no page could be read");
		goto out;
	}
	if (pages > lim->max_pages) {
		r->truncated = true;
		extract_add_flag(r, "pages_truncated", pages - lim->max_pages, "", 0);
	}
	if (h.chars)
		extract_add_flag(r, "hidden_text", h.chars, h.sample.ptr, h.sample.len);
	extract_take_text(r, &n, lim, "no text layer — scanned?");
out:
	if (err)
		g_error_free(err);
	if (doc)
		g_object_unref(doc);
	g_bytes_unref(bytes);
	buf_release(&h.sample);
	extract_norm_release(&n);
}
