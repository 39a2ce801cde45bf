/* extract_pdf: PDF text with poppler-glib, keeping white and microscopic (hidden) text out of the scored text. */
#include <poppler.h>
#include <string.h>

#include "extract/extract_impl.h"

/* Text this light (each channel, of 65535) is checked against what is drawn under it. */
#define LIGHT_MIN_CHANNEL 0xF000
/* Rendering for the background check stays under this many pixels. */
#define RENDER_MAX_PIXELS (2000 * 2000)
/* A horizontal gap wider than this many character heights inside a line separates two columns. */
#define PDF_COLUMN_GAP_HEIGHTS 2.5
/* A gap wider than this (and narrower than a column's) is a space between words. */
#define PDF_WORD_GAP_HEIGHTS 0.8

/*
 * The page as drawn (rendered lazily, only when some text is light) and the
 * box of every character, to tell white-on-white from white on a coloured
 * band.
 */
struct page_view {
	PopplerPage *page;
	bool tried;
	cairo_surface_t *img;
	double scale;
	PopplerRectangle *rects;
	guint n_rects;
};

static bool view_render(struct page_view *v)
{
	double w = 0, h = 0;
	cairo_t *cr;
	int iw, ih;

	if (v->tried)
		return v->img != NULL;
	v->tried = true;
	poppler_page_get_size(v->page, &w, &h);
	if (!(w > 0 && h > 0 && w < 100000 && h < 100000))
		return false;
	v->scale = 1.0;
	while (w * v->scale * h * v->scale > RENDER_MAX_PIXELS)
		v->scale /= 2;
	iw = (int)(w * v->scale) + 1;
	ih = (int)(h * v->scale) + 1;
	v->img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, iw, ih);
	if (cairo_surface_status(v->img) != CAIRO_STATUS_SUCCESS)
		goto fail;
	cr = cairo_create(v->img);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, v->scale, v->scale);
	poppler_page_render(v->page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(v->img);
	if (!v->rects)
		goto fail;
	return true;
fail:
	cairo_surface_destroy(v->img);
	v->img = NULL;
	return false;
}

static void view_release(struct page_view *v)
{
	if (v->img)
		cairo_surface_destroy(v->img);
	g_free(v->rects);
}

static int channel_diff(unsigned a, unsigned b)
{
	return a > b ? (int)(a - b) : (int)(b - a);
}

/*
 * Whether the characters [first, last] of a light span disappear into what
 * is drawn under them: fewer than one pixel in ten of their boxes differs
 * from the text colour. Boxes entirely off the page count as hidden too.
 */
static bool span_blends_in(struct page_view *v, const PopplerTextAttributes *a)
{
	unsigned tr = a->color.red >> 8, tg = a->color.green >> 8, tb = a->color.blue >> 8, px;
	const unsigned char *data;
	int stride, w, h, x, y, x0, x1, y0, y1, idx;
	long total = 0, differ = 0;

	if (!view_render(v))
		return true; /* cannot look: treat white text as hidden, as it almost always is */
	data = cairo_image_surface_get_data(v->img);
	stride = cairo_image_surface_get_stride(v->img);
	w = cairo_image_surface_get_width(v->img);
	h = cairo_image_surface_get_height(v->img);
	for (idx = a->start_index; idx <= a->end_index && idx >= 0 && (guint)idx < v->n_rects; idx++) {
		x0 = (int)(v->rects[idx].x1 * v->scale);
		x1 = (int)(v->rects[idx].x2 * v->scale);
		y0 = (int)(v->rects[idx].y1 * v->scale);
		y1 = (int)(v->rects[idx].y2 * v->scale);
		x0 = x0 < 0 ? 0 : x0;
		y0 = y0 < 0 ? 0 : y0;
		x1 = x1 >= w ? w - 1 : x1;
		y1 = y1 >= h ? h - 1 : y1;
		for (y = y0; y <= y1; y++) {
			for (x = x0; x <= x1; x++) {
				memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
				total++;
				if (channel_diff((px >> 16) & 0xFF, tr) > EXTRACT_CONTRAST_MIN ||
				    channel_diff((px >> 8) & 0xFF, tg) > EXTRACT_CONTRAST_MIN ||
				    channel_diff(px & 0xFF, tb) > EXTRACT_CONTRAST_MIN)
					differ++;
			}
		}
	}
	return differ * 10 < total || total == 0;
}

static bool attr_hidden(struct page_view *v, const PopplerTextAttributes *a)
{
	if (a->font_size > 0 && a->font_size < EXTRACT_HIDDEN_MAX_POINTS)
		return true;
	if (a->color.red < LIGHT_MIN_CHANNEL || a->color.green < LIGHT_MIN_CHANNEL || a->color.blue < LIGHT_MIN_CHANNEL)
		return false;
	return span_blends_in(v, a);
}

/*
 * What belongs between characters idx - 1 and idx that poppler put side by
 * side with nothing between: a line break when the second starts well to
 * the right of the first (another column: "(555) 123-4567" then
 * "Spearheaded" in the next column), well to its left, or on another
 * baseline; a space when they are a word apart (CJK text, where poppler
 * adds no spaces: "履歴書　書太郎"). Gaps are measured in the first
 * character's height, so they scale with the font.
 */
enum gap { GAP_NONE, GAP_SPACE, GAP_BREAK };

static enum gap char_gap(const struct page_view *v, int idx)
{
	const PopplerRectangle *a, *b;
	double h, gap;

	if (idx <= 0 || (guint)idx >= v->n_rects)
		return GAP_NONE;
	a = &v->rects[idx - 1];
	b = &v->rects[idx];
	h = a->y2 - a->y1;
	if (!(h > 0.5))
		return GAP_NONE;
	gap = b->x1 - a->x2;
	if (gap > PDF_COLUMN_GAP_HEIGHTS * h || b->x2 < a->x1 - h)
		return GAP_BREAK;
	if (b->y1 > a->y2 - 0.2 * h || b->y2 < a->y1 + 0.2 * h)
		return GAP_BREAK;
	return gap > PDF_WORD_GAP_HEIGHTS * h ? GAP_SPACE : GAP_NONE;
}

/*
 * Feeds one page's text to the normaliser, character by character, sending
 * characters whose attributes make them hidden to h instead. The
 * attributes' indices count characters of poppler_page_get_text().
 */
static void page_text(PopplerPage *page, struct extract_norm *n, struct extract_hidden *h)
{
	char *text = poppler_page_get_text(page);
	GList *attrs = poppler_page_get_text_attributes(page), *it = attrs;
	const PopplerTextAttributes *a, *decided = NULL;
	struct page_view view = { page, false, NULL, 1.0, NULL, 0 };
	size_t len, i = 0, at, run = 0;
	int32_t cp, prev = '\n';
	enum gap gap;
	int idx = 0;
	bool hide, span_hidden = false;

	if (!text)
		goto out;
	if (!poppler_page_get_text_layout(page, &view.rects, &view.n_rects)) {
		view.rects = NULL;
		view.n_rects = 0;
	}
	len = strlen(text);
	while (i < len) {
		at = i;
		cp = extract_utf8_next(text, len, &i);
		gap = cp == '\r' || cp == '\n' || prev == '\n' || prev == ' ' || cp == ' ' ? GAP_NONE
											   : char_gap(&view, idx);
		if (cp == '\r' || gap != GAP_NONE) {
			/* A carriage return inside a PDF line is a drawn glyph (Word's tab stops), not a line end. */
			if (run < at)
				extract_norm_text(n, text + run, at - run);
			if (gap == GAP_BREAK)
				extract_norm_break(n, 1);
			else
				extract_norm_space(n);
			run = cp == '\r' ? i : at;
			if (cp == '\r') {
				prev = ' ';
				idx++;
				continue;
			}
		}
		prev = cp;
		while (it && ((const PopplerTextAttributes *)it->data)->end_index < idx)
			it = it->next;
		a = it ? it->data : NULL;
		if (a && a != decided) {
			span_hidden = attr_hidden(&view, a);
			decided = a;
		}
		hide = a && a->start_index <= idx && span_hidden && cp != '\n';
		if (hide) {
			if (run < at)
				extract_norm_text(n, text + run, at - run);
			extract_hidden_char(h, text + at, i - at, cp);
			run = i;
		}
		idx++;
	}
	if (run < len)
		extract_norm_text(n, text + run, len - run);
out:
	view_release(&view);
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
	struct extract_hidden h;
	int pages, to_read, i, bad = 0;

	extract_norm_init(&n, lim->max_text_bytes);
	extract_hidden_init(&h);
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
	extract_hidden_flag(&h, r);
	extract_take_text(r, &n, lim, "no text layer — scanned?");
out:
	if (err)
		g_error_free(err);
	if (doc)
		g_object_unref(doc);
	g_bytes_unref(bytes);
	extract_hidden_release(&h);
	extract_norm_release(&n);
}
