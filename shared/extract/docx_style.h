/* docx_style: whether a Word run can be seen, from its own properties and those its styles, defaults and theme give it. */
#ifndef SHORTLIST_DOCX_STYLE_H
#define SHORTLIST_DOCX_STYLE_H

#include <libxml/xmlreader.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WordprocessingML's namespace (the w: prefix). */
extern const char DOCX_W_NS[];

/* A basedOn chain is followed this many styles up, no further (loops end there too). */
#define DOCX_STYLE_MAX_CHAIN 32
/* More styles than this (Word itself stops near 4,000) make word/styles.xml refused. */
#define DOCX_MAX_STYLES 8192

enum docx_color_kind {
	DOCX_COLOR_UNSET, /* not said at this level */
	DOCX_COLOR_AUTO,  /* "auto": text contrasts with what is under it; shading: none */
	DOCX_COLOR_RGB,
	DOCX_COLOR_THEME, /* one of the theme's colours, lightened by tint or darkened by shade */
};

struct docx_color {
	enum docx_color_kind kind;
	uint32_t rgb; /* 0xRRGGBB when kind is RGB */
	int theme;    /* the theme colour's index (dk1, lt1, dk2, lt2, accent1..6, hlink, folHlink) when THEME */
	int tint;     /* 0..255, or -1 for none */
	int shade;    /* 0..255, or -1 for none */
};

/* Run properties as one level (a style, the defaults or the run itself) writes them. */
struct docx_rpr {
	int vanish;	 /* -1 not said, 0 off, 1 on (a toggle: see docx_style_hidden()) */
	int spec_vanish; /* -1, 0, 1 */
	int web_hidden;	 /* -1, 0, 1 */
	int sz;		 /* font size in half-points; -1 not said */
	int rstyle;	 /* the run's character style (w:rStyle), an index; -1 none (direct properties only) */
	struct docx_color color;
	struct docx_color shd;	     /* the run's shading: drawn under its text */
	struct docx_color highlight; /* the run's highlight: drawn under its text */
};

/* The paragraph properties that matter here. */
struct docx_ppr {
	int pstyle; /* the paragraph's style (w:pStyle), an index; -1 none: the default paragraph style */
	struct docx_color shd;
};

/* Where one run stands. */
struct docx_where {
	const struct docx_rpr *run; /* the run's own properties */
	const struct docx_ppr *par; /* its paragraph's own properties */
	struct docx_color cell_shd; /* the shading of the table cell around it (UNSET outside tables) */
};

enum docx_visibility {
	DOCX_SHOWN,
	DOCX_HIDDEN_VANISH, /* w:vanish, w:specVanish or w:webHidden */
	DOCX_HIDDEN_TINY,   /* smaller than EXTRACT_HIDDEN_MAX_POINTS */
	DOCX_HIDDEN_COLOR,  /* the colour of what is under it, or near it */
};

/* The styles, defaults and theme colours of one document. */
struct docx_styles;

/* Returns a newly allocated set with no styles and Office's default theme colours; docx_styles_free() frees it. */
struct docx_styles *docx_styles_new(void);
/* Frees s; accepts NULL. */
void docx_styles_free(struct docx_styles *s);

/*
 * Reads the colour scheme of word/theme/theme1.xml (xml: len bytes,
 * borrowed); colours it does not give keep Office's. Returns 0, or -1 with
 * a message in err for malformed XML or a DTD.
 */
int docx_styles_load_theme(struct docx_styles *s, const char *xml, size_t len, char *err, size_t errlen);

/*
 * Reads word/styles.xml (xml: len bytes, borrowed): the document defaults,
 * every style's run properties, paragraph shading, basedOn and whether it
 * is its type's default. Load the theme first or after: theme colours are
 * looked up when a run is judged. A second call adds to the first. Returns
 * 0, or -1 with a message in err for malformed XML, a DTD or more than
 * DOCX_MAX_STYLES styles (what was read before the error is kept).
 */
int docx_styles_load(struct docx_styles *s, const char *xml, size_t len, char *err, size_t errlen);

/* How many styles s holds: their indices run from 0 to this minus 1. s may be NULL. */
size_t docx_styles_count(const struct docx_styles *s);

/* The index of the style called id (the first of that id), or -1. s may be NULL. */
int docx_styles_find(const struct docx_styles *s, const char *id);

/* Sets every field of p (and q) to "not said". */
void docx_rpr_init(struct docx_rpr *p);
void docx_ppr_init(struct docx_ppr *q);

/*
 * Reads the element rd stands on, a child of w:rPr, into p when it is one
 * of the properties above (rStyle is looked up in s, which may be NULL);
 * returns whether it was. Borrows rd; does not move it.
 */
bool docx_rpr_read(const struct docx_styles *s, struct docx_rpr *p, xmlTextReaderPtr rd);
/* The same for a child of w:pPr (pStyle, shd), and for a child of w:tcPr (shd) into *shd. */
bool docx_ppr_read(const struct docx_styles *s, struct docx_ppr *q, xmlTextReaderPtr rd);
bool docx_shd_read(struct docx_color *shd, xmlTextReaderPtr rd);

/*
 * Whether the run at w can be seen, resolving its properties the way Word
 * does: the document defaults, then the paragraph's style (or the default
 * paragraph style) and the run's character style (or the default one),
 * each through its basedOn chain (a nearer style overriding a farther),
 * then the run's own properties. w:vanish is a toggle: a style that turns
 * it on flips it, one that turns it off changes nothing, and the run's own
 * w:vanish decides outright. Text is hidden when vanished, smaller than
 * EXTRACT_HIDDEN_MAX_POINTS, or within EXTRACT_CONTRAST_MIN on every
 * channel of what is under it (run shading, highlight, paragraph shading,
 * cell shading, else white page); "auto" text is always readable. s may be
 * NULL (no styles). Pure: nothing is allocated.
 */
enum docx_visibility docx_style_hidden(const struct docx_styles *s, const struct docx_where *w);

#endif
