/* Shared by the page renderers (ui/page_*.c); not part of the ui interface. */
#ifndef IDP_UI_PAGE_INTERNAL_H
#define IDP_UI_PAGE_INTERNAL_H

#include "core/buf.h"
#include "ui/html.h"
#include "ui/messages.h"
#include "ui/pages.h"

/* The name, legible: a serif capital I, so that "SakaI-D" never reads "Sakal-D" (issue #18 item 8). */
#define IDP_UI_BRAND "Saka<span class=\"i\">I</span>-D"

/* The largest page (the login page's QR code is the bulk: ui/qr.h). */
#define IDP_UI_PAGE_MAX (512 * 1024)

/* A page being built. */
typedef struct {
    idp_buf_t b;
    const char *lang;
    char nonce[32]; /* the CSP nonce of the inline style and script */
} idp_ui_doc_t;

/** The catalogue's text of @p id in the page's language. */
#define MSG(d, id) idp_msg_get((id), (d)->lang)

/** Starts a page titled @p title ("<title> - SakaI-D") with a fresh nonce. */
idp_err_t idp_ui_doc_begin(idp_ui_doc_t *d, const char *lang, const char *title);

/**
 * Ends the page and hands it to @p out with status @p status and its CSP:
 * @p form_sources (space-separated origins, or NULL) may be form targets,
 * @p img_origin (or NULL) may serve images. Frees the buffer either way;
 * on an error *out is zeroed.
 */
idp_err_t idp_ui_doc_end(idp_ui_doc_t *d, int status, const char *form_sources, const char *img_origin,
                         idp_ui_page_t *out);

/** Appends a hidden input (name and value escaped). */
void idp_ui_hidden(idp_buf_t *b, const char *name, const char *value);

/**
 * The origin (scheme://host[:port]) of an http(s) @p url into @p out, or ""
 * when it has none or it could not stand in a CSP source list as it is.
 */
void idp_ui_origin(const char *url, char *out, size_t n);

/**
 * Appends to @p b (space-separated) the origin of @p rp_origin's URL, then
 * those of the upstreams' issuers: where the page's forms may lead.
 */
void idp_ui_form_sources(idp_buf_t *b, const char *rp_origin, const idp_ui_upstream_t *ups, size_t n);

/**
 * The catalogue's label of @p claim (its own name when it has none); the
 * identifier ("openid") of a @p public_subject client says that every city
 * service shares it, a pairwise one that it is this service's own.
 */
void idp_ui_claim_label(idp_ui_doc_t *d, const char *claim, bool public_subject);

/** The SakaI-D app's store buttons of @p l, or, with none configured, the note that says so. */
void idp_ui_store_links(idp_ui_doc_t *d, const idp_ui_links_t *l);

/** "If it does not work": the link to @p l's help page, when there is one. */
void idp_ui_help_link(idp_ui_doc_t *d, const idp_ui_links_t *l);

/** A link styled as a button: class @p cls, id @p id (or NULL), to @p href (escaped), labelled @p label. */
void idp_ui_link_button(idp_ui_doc_t *d, const char *cls, const char *id, const char *href, const char *label);

#endif
