/* text2pdf: renders a UTF-8 text file as a simple A4 PDF with cairo (demo data and test fixtures). */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 56.0
#define LINE_H 15.0
#define FONT_SIZE 11.0

static int read_all(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(out, chunk, n) < 0)
			break;
	fclose(f);
	return 0;
}

/* Draws one logical line, wrapping at spaces to the text width; returns the new y. */
static double draw_line(cairo_t *cr, char *line, double y, bool first_bold)
{
	cairo_text_extents_t ext;
	char *start = line;

	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       first_bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, first_bold ? FONT_SIZE + 5 : FONT_SIZE);
	while (*start) {
		char *cut = start + strlen(start), saved;

		for (;;) {
			saved = *cut;
			*cut = '\0';
			cairo_text_extents(cr, start, &ext);
			*cut = saved;
			if (ext.x_advance <= PAGE_W - 2 * MARGIN)
				break;
			while (cut > start && *cut != ' ')
				cut--;
			if (cut == start) {
				cut = start + strlen(start);
				break;
			}
			cut--;
			while (cut > start && *cut != ' ')
				cut--;
			if (cut == start) {
				cut = start + strlen(start);
				break;
			}
		}
		if (y > PAGE_H - MARGIN) {
			cairo_show_page(cr);
			y = MARGIN;
		}
		saved = *cut;
		*cut = '\0';
		cairo_move_to(cr, MARGIN, y);
		cairo_show_text(cr, start);
		*cut = saved;
		y += first_bold ? LINE_H + 6 : LINE_H;
		start = *cut == ' ' ? cut + 1 : cut;
	}
	return *line ? y : y + LINE_H / 2;
}

int main(int argc, char **argv)
{
	struct buf text = BUF_INIT(1024 * 1024);
	cairo_surface_t *surface;
	cairo_t *cr;
	char *line, *next;
	double y = MARGIN;
	bool first = true;

	if (argc != 3) {
		fprintf(stderr, "usage: text2pdf IN.txt OUT.pdf\n");
		return 64;
	}
	if (read_all(argv[1], &text) < 0 || !text.ptr) {
		fprintf(stderr, "error: cannot read '%s'\n", argv[1]);
		return 66;
	}
	surface = cairo_pdf_surface_create(argv[2], PAGE_W, PAGE_H);
	cr = cairo_create(surface);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	for (line = text.ptr; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		y = draw_line(cr, line, y, first);
		first = false;
	}
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "error: cannot write '%s'\n", argv[2]);
		cairo_surface_destroy(surface);
		return 73;
	}
	cairo_surface_destroy(surface);
	buf_release(&text);
	return 0;
}
