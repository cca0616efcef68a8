/*
 * Outreach (issue #22, docs/outreach.md): the categories the city publishes,
 * and the small typed language planners write a segment's criteria in.
 *
 *   criteria = [ clause *( "and" clause ) ]
 *   clause   = "age" range | "gender" "=" ( "male" / "female" ) | "ward" set
 *            | "resident" "=" ( "yes" / "no" ) | "school_district" set | "child_age" range
 *   range    = "=" years | "in" years ".." years          years: 0 to 120
 *   set      = "=" value | "in" "(" value *( "," value ) ")"   at most 8 values
 *   value    = a word, or a "quoted string" (\" and \\ escape)
 *
 * A ward is one of Sakai's seven, by name (南区) or in romaji (minami). Each
 * attribute appears at most once, and only when the category allows it. The
 * language parses into a typed query, never into SQL; the canonical text
 * (idp_outreach_canonical) is what segments keep.
 */
#ifndef IDP_OAUTH_OUTREACH_H
#define IDP_OAUTH_OUTREACH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* The attributes, as bits. */
enum {
    IDP_OUTREACH_AGE = 1 << 0,
    IDP_OUTREACH_GENDER = 1 << 1,
    IDP_OUTREACH_WARD = 1 << 2,
    IDP_OUTREACH_RESIDENT = 1 << 3,
    IDP_OUTREACH_SCHOOL = 1 << 4,
    IDP_OUTREACH_CHILD_AGE = 1 << 5,
};

typedef struct {
    const char *id;   /* "health", ... (the catalogue's outreach.<id>.name and .purpose) */
    unsigned bit;     /* its bit in outreach_profiles.categories: never reused */
    unsigned allowed; /* the attributes its segments may use */
} idp_outreach_category_t;

extern const idp_outreach_category_t idp_outreach_categories[];
extern const size_t idp_outreach_ncategories;

/** The category named @p id, or NULL. */
const idp_outreach_category_t *idp_outreach_category(const char *id);
/** The names of attribute bits @p bits, space-separated, in a fixed order ("age gender ward"). */
void idp_outreach_attr_names(unsigned bits, char *out, size_t n);

typedef struct {
    unsigned used;        /* the attributes the criteria name */
    int age_min, age_max; /* years, when used */
    int gender;           /* 1 male, 2 female */
    char wards[IDP_OUTREACH_LIST_MAX][32];
    size_t nwards;
    int resident; /* 1 yes, 0 no */
    char districts[IDP_OUTREACH_LIST_MAX][256];
    size_t ndistricts;
    int child_min, child_max;
} idp_outreach_query_t;

/**
 * Parses @p text (at most 2000 bytes of UTF-8) into @p q, allowing the
 * attributes @p allowed only. IDP_E_INVALID_REQUEST with what is wrong, and
 * where, in @p err.
 */
idp_err_t idp_outreach_parse(const char *text, unsigned allowed, idp_outreach_query_t *q, char *err, size_t errlen);
/** The canonical text of @p q (the clauses in a fixed order); the buffer's error latches as always. */
void idp_outreach_canonical(const idp_outreach_query_t *q, idp_buf_t *out);
/**
 * The store's criteria for @p q in category @p category_bit, ages counted at
 * month @p ref_month (year * 12 + month - 1, in Japan): aged a years means
 * born in the twelve months ending a years before @p ref_month.
 */
void idp_outreach_criteria(const idp_outreach_query_t *q, unsigned category_bit, int ref_month,
                           idp_store_outreach_criteria_t *c);
/** This month in Japan (UTC+9) at unix time @p now, as year * 12 + month - 1. */
int idp_outreach_month(long long now);
/** A month of "YYYY-MM" or "YYYY-MM-DD" text, or 0. */
int idp_outreach_month_of(const char *text);

#endif
