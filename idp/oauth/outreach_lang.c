/*
 * The outreach categories and the criteria language (outreach.h; docs/outreach.md). Pure: no store, no
 * HTTP, so that the parser is fuzzed on its own (tests/fuzz/fuzz_outreach.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "oauth/outreach.h"

/* The bits are stored (outreach_profiles.categories): a category's bit is never given to another. */
const idp_outreach_category_t idp_outreach_categories[] = {
    {"health", 1u << 0, IDP_OUTREACH_AGE | IDP_OUTREACH_GENDER | IDP_OUTREACH_WARD | IDP_OUTREACH_RESIDENT},
    {"childrearing", 1u << 1,
     IDP_OUTREACH_GENDER | IDP_OUTREACH_WARD | IDP_OUTREACH_RESIDENT | IDP_OUTREACH_SCHOOL | IDP_OUTREACH_CHILD_AGE},
    {"energy", 1u << 2, IDP_OUTREACH_WARD | IDP_OUTREACH_RESIDENT},
    {"foster", 1u << 3, IDP_OUTREACH_AGE | IDP_OUTREACH_WARD | IDP_OUTREACH_RESIDENT},
    {"disaster", 1u << 4, IDP_OUTREACH_AGE | IDP_OUTREACH_WARD | IDP_OUTREACH_RESIDENT},
};
const size_t idp_outreach_ncategories = sizeof(idp_outreach_categories) / sizeof(idp_outreach_categories[0]);

const idp_outreach_category_t *idp_outreach_category(const char *id)
{
    for (size_t i = 0; id && i < idp_outreach_ncategories; i++)
        if (!strcmp(idp_outreach_categories[i].id, id))
            return &idp_outreach_categories[i];
    return NULL;
}

static const struct {
    unsigned bit;
    const char *name;
} attrs[] = {
    {IDP_OUTREACH_AGE, "age"},
    {IDP_OUTREACH_GENDER, "gender"},
    {IDP_OUTREACH_WARD, "ward"},
    {IDP_OUTREACH_RESIDENT, "resident"},
    {IDP_OUTREACH_SCHOOL, "school_district"},
    {IDP_OUTREACH_CHILD_AGE, "child_age"},
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

void idp_outreach_attr_names(unsigned bits, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NATTRS; i++)
        if ((bits & attrs[i].bit) && k < n)
            k += (size_t)snprintf(out + k, n - k, "%s%s", k ? " " : "", attrs[i].name);
}

/* Sakai's wards, as the card's address names them (rules.c) and in romaji. */
/* clang-format off */
static const struct {
    const char *name, *romaji;
} wards[] = {
    {"堺区", "sakai"}, {"中区", "naka"}, {"東区", "higashi"}, {"西区", "nishi"}, /* not text: the address's ward names */
    {"南区", "minami"}, {"北区", "kita"}, {"美原区", "mihara"},                    /* not text: */
};
/* clang-format on */

/* ---- the tokens ---- */

typedef enum { T_END, T_WORD, T_STRING, T_NUMBER, T_EQ, T_DOTS, T_OPEN, T_CLOSE, T_COMMA, T_BAD } tok_kind_t;

typedef struct {
    const char *p;     /* the next byte */
    const char *start; /* the text, for positions */
    tok_kind_t kind;
    char text[256];
    long number;
    size_t at; /* the token's offset */
} lexer_t;

static bool word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static void next(lexer_t *l)
{
    while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
        l->p++;
    l->at = (size_t)(l->p - l->start);
    l->text[0] = '\0';
    const char *p = l->p;
    if (*p == '\0') {
        l->kind = T_END;
        return;
    }
    if (*p == '=' || *p == '(' || *p == ')' || *p == ',') {
        l->kind = *p == '=' ? T_EQ : *p == '(' ? T_OPEN : *p == ')' ? T_CLOSE : T_COMMA;
        l->p++;
        return;
    }
    if (p[0] == '.' && p[1] == '.') {
        l->kind = T_DOTS;
        l->p += 2;
        return;
    }
    size_t n = 0;
    if (*p == '"') { /* a string: \" and \\ escape, no control characters */
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if ((unsigned char)*p < 0x20 || n + 1 >= sizeof(l->text)) {
                l->kind = T_BAD;
                return;
            }
            l->text[n++] = *p;
        }
        l->text[n] = '\0';
        l->kind = *p == '"' ? T_STRING : T_BAD;
        l->p = *p ? p + 1 : p;
        return;
    }
    if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9' && n < 4)
            l->text[n++] = *p++;
        l->text[n] = '\0';
        l->kind = (*p >= '0' && *p <= '9') ? T_BAD : T_NUMBER;
        l->number = strtol(l->text, NULL, 10);
        l->p = p;
        return;
    }
    while (word_byte((unsigned char)*p) && n + 1 < sizeof(l->text))
        l->text[n++] = *p++;
    l->text[n] = '\0';
    l->kind = n && !word_byte((unsigned char)*p) ? T_WORD : T_BAD;
    l->p = p;
}

#define FAIL(...)                           \
    do {                                    \
        snprintf(err, errlen, __VA_ARGS__); \
        return IDP_E_INVALID_REQUEST;       \
    } while (0)

static idp_err_t years(lexer_t *l, int *out, char *err, size_t errlen)
{
    if (l->kind != T_NUMBER || l->number > 120)
        FAIL("at %zu: expected years, 0 to 120", l->at);
    *out = (int)l->number;
    next(l);
    return IDP_OK;
}

/* range = "=" years | "in" years ".." years */
static idp_err_t range(lexer_t *l, int *lo, int *hi, char *err, size_t errlen)
{
    idp_err_t e;
    if (l->kind == T_EQ) {
        next(l);
        if ((e = years(l, lo, err, errlen)) != IDP_OK)
            return e;
        *hi = *lo;
        return IDP_OK;
    }
    if (l->kind != T_WORD || strcmp(l->text, "in") != 0)
        FAIL("at %zu: expected = or in", l->at);
    next(l);
    if ((e = years(l, lo, err, errlen)) != IDP_OK)
        return e;
    if (l->kind != T_DOTS)
        FAIL("at %zu: expected .. between the years", l->at);
    next(l);
    if ((e = years(l, hi, err, errlen)) != IDP_OK)
        return e;
    if (*lo > *hi)
        FAIL("the range %d..%d is empty", *lo, *hi);
    return IDP_OK;
}

/* One value of a set, checked by @p check (may rewrite it: a ward's canonical name). */
typedef idp_err_t (*value_check_t)(char *v, size_t n, char *err, size_t errlen);

static idp_err_t ward_check(char *v, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(wards) / sizeof(wards[0]); i++)
        if (!strcmp(v, wards[i].name) || !strcmp(v, wards[i].romaji)) {
            snprintf(v, n, "%s", wards[i].name);
            return IDP_OK;
        }
    FAIL("no such ward in Sakai: %.64s", v);
}

static idp_err_t district_check(char *v, size_t n, char *err, size_t errlen)
{
    (void)n;
    size_t len = strlen(v);
    if (len == 0 || len > 255 || !idp_utf8_valid(v, len))
        FAIL("a school district is 1 to 255 bytes of UTF-8");
    return IDP_OK;
}

/* set = "=" value | "in" "(" value *( "," value ) ")" */
static idp_err_t set(lexer_t *l, void *list, size_t width, size_t *count, value_check_t check, char *err, size_t errlen)
{
    bool many = l->kind == T_WORD && !strcmp(l->text, "in");
    if (l->kind != T_EQ && !many)
        FAIL("at %zu: expected = or in", l->at);
    next(l);
    if (many) {
        if (l->kind != T_OPEN)
            FAIL("at %zu: expected (", l->at);
        next(l);
    }
    *count = 0;
    for (;;) {
        if (l->kind != T_WORD && l->kind != T_STRING)
            FAIL("at %zu: expected a value", l->at);
        if (*count == IDP_OUTREACH_LIST_MAX)
            FAIL("at %zu: at most %d values", l->at, IDP_OUTREACH_LIST_MAX);
        char *v = (char *)list + *count * width;
        if (strlen(l->text) >= width)
            FAIL("at %zu: the value is too long", l->at);
        snprintf(v, width, "%s", l->text);
        idp_err_t e = check(v, width, err, errlen);
        if (e != IDP_OK)
            return e;
        for (size_t i = 0; i < *count; i++)
            if (!strcmp((char *)list + i * width, v))
                FAIL("at %zu: %.64s is named twice", l->at, v);
        (*count)++;
        next(l);
        if (!many)
            return IDP_OK;
        if (l->kind == T_CLOSE) {
            next(l);
            return IDP_OK;
        }
        if (l->kind != T_COMMA)
            FAIL("at %zu: expected , or )", l->at);
        next(l);
    }
}

/* "=" one of @p a (value 1) or @p b (value 2) */
static idp_err_t choice(lexer_t *l, const char *a, const char *b, int *out, char *err, size_t errlen)
{
    if (l->kind != T_EQ)
        FAIL("at %zu: expected =", l->at);
    next(l);
    if (l->kind != T_WORD || (strcmp(l->text, a) && strcmp(l->text, b)))
        FAIL("at %zu: expected %s or %s", l->at, a, b);
    *out = strcmp(l->text, a) ? 2 : 1;
    next(l);
    return IDP_OK;
}

static idp_err_t clause(lexer_t *l, unsigned allowed, idp_outreach_query_t *q, char *err, size_t errlen)
{
    unsigned bit = 0;
    for (size_t i = 0; l->kind == T_WORD && i < NATTRS; i++)
        if (!strcmp(l->text, attrs[i].name))
            bit = attrs[i].bit;
    if (bit == 0)
        FAIL("at %zu: expected an attribute: age, gender, ward, resident, school_district or child_age", l->at);
    if (!(allowed & bit))
        FAIL("at %zu: this category does not use %s", l->at, l->text);
    if (q->used & bit)
        FAIL("at %zu: %s is named twice", l->at, l->text);
    q->used |= bit;
    next(l);
    int yes;
    idp_err_t e;
    switch (bit) {
    case IDP_OUTREACH_AGE: return range(l, &q->age_min, &q->age_max, err, errlen);
    case IDP_OUTREACH_CHILD_AGE: return range(l, &q->child_min, &q->child_max, err, errlen);
    case IDP_OUTREACH_GENDER: return choice(l, "male", "female", &q->gender, err, errlen);
    case IDP_OUTREACH_RESIDENT:
        if ((e = choice(l, "yes", "no", &yes, err, errlen)) == IDP_OK)
            q->resident = yes == 1;
        return e;
    case IDP_OUTREACH_WARD: return set(l, q->wards, sizeof(q->wards[0]), &q->nwards, ward_check, err, errlen);
    default: return set(l, q->districts, sizeof(q->districts[0]), &q->ndistricts, district_check, err, errlen);
    }
}

idp_err_t idp_outreach_parse(const char *text, unsigned allowed, idp_outreach_query_t *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof(*q));
    size_t len = strlen(text);
    if (len > 2000 || !idp_utf8_valid(text, len))
        FAIL("criteria are at most 2000 bytes of UTF-8");
    lexer_t l = {.p = text, .start = text};
    next(&l);
    while (l.kind != T_END) {
        idp_err_t e = clause(&l, allowed, q, err, errlen);
        if (e != IDP_OK)
            return e;
        if (l.kind == T_END)
            break;
        if (l.kind != T_WORD || strcmp(l.text, "and") != 0)
            FAIL("at %zu: expected and", l.at);
        next(&l);
        if (l.kind == T_END)
            FAIL("at %zu: expected a clause after and", l.at);
    }
    return IDP_OK;
}

static void quoted(idp_buf_t *out, const char *v)
{
    idp_buf_puts(out, "\"");
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            idp_buf_puts(out, "\\");
        idp_buf_append(out, v, 1);
    }
    idp_buf_puts(out, "\"");
}

static void canonical_set(idp_buf_t *out, const char *name, const void *list, size_t width, size_t n)
{
    idp_buf_printf(out, "%s %s", name, n == 1 ? "= " : "in (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            idp_buf_puts(out, ", ");
        quoted(out, (const char *)list + i * width);
    }
    if (n != 1)
        idp_buf_puts(out, ")");
}

static void canonical_range(idp_buf_t *out, const char *name, int lo, int hi)
{
    if (lo == hi)
        idp_buf_printf(out, "%s = %d", name, lo);
    else
        idp_buf_printf(out, "%s in %d..%d", name, lo, hi);
}

void idp_outreach_canonical(const idp_outreach_query_t *q, idp_buf_t *out)
{
    const char *sep = "";
    for (size_t i = 0; i < NATTRS; i++) {
        if (!(q->used & attrs[i].bit))
            continue;
        idp_buf_puts(out, sep);
        sep = " and ";
        switch (attrs[i].bit) {
        case IDP_OUTREACH_AGE: canonical_range(out, "age", q->age_min, q->age_max); break;
        case IDP_OUTREACH_GENDER: idp_buf_printf(out, "gender = %s", q->gender == 1 ? "male" : "female"); break;
        case IDP_OUTREACH_WARD: canonical_set(out, "ward", q->wards, sizeof(q->wards[0]), q->nwards); break;
        case IDP_OUTREACH_RESIDENT: idp_buf_printf(out, "resident = %s", q->resident ? "yes" : "no"); break;
        case IDP_OUTREACH_SCHOOL:
            canonical_set(out, "school_district", q->districts, sizeof(q->districts[0]), q->ndistricts);
            break;
        default: canonical_range(out, "child_age", q->child_min, q->child_max); break;
        }
    }
    idp_buf_puts(out, ""); /* "" for no criteria, never NULL while the buffer is good */
}

void idp_outreach_criteria(const idp_outreach_query_t *q, unsigned category_bit, int ref_month,
                           idp_store_outreach_criteria_t *c)
{
    memset(c, 0, sizeof(*c));
    c->category_bit = category_bit;
    c->sakai_resident = -1;
    /* aged a at ref_month: born in (ref_month - 12(a + 1), ref_month - 12a] */
    if (q->used & IDP_OUTREACH_AGE) {
        c->birth_from = ref_month - 12 * q->age_max - 11;
        c->birth_to = ref_month - 12 * q->age_min;
    }
    if (q->used & IDP_OUTREACH_CHILD_AGE) {
        c->child_from = ref_month - 12 * q->child_max - 11;
        c->child_to = ref_month - 12 * q->child_min;
    }
    if (q->used & IDP_OUTREACH_GENDER)
        c->gender = q->gender;
    if (q->used & IDP_OUTREACH_RESIDENT)
        c->sakai_resident = q->resident;
    memcpy(c->wards, q->wards, sizeof(c->wards));
    c->nwards = q->nwards;
    memcpy(c->districts, q->districts, sizeof(c->districts));
    c->ndistricts = q->ndistricts;
}

int idp_outreach_month(long long now)
{
    time_t jst = (time_t)(now + 9 * 3600);
    struct tm tm;
    if (gmtime_r(&jst, &tm) == NULL)
        return 0;
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int idp_outreach_month_of(const char *text)
{
    if (text == NULL || strlen(text) < 7 || text[4] != '-' || strspn(text, "0123456789") != 4 ||
        strspn(text + 5, "0123456789") < 2)
        return 0;
    int y = (int)strtol(text, NULL, 10), m = (text[5] - '0') * 10 + (text[6] - '0');
    return y >= 1900 && m >= 1 && m <= 12 ? y * 12 + m - 1 : 0;
}
