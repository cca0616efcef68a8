/*
 * Freeing what the store hands out: the same for every store (store/pg and
 * store/mem allocate rows the same way), so it lives with the interface.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "store/store.h"

void idp_store_deliveries_free(idp_store_delivery_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].logout_token);
    free(rows);
}

void idp_store_ledger_rows_free(idp_store_ledger_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].resident_id);
        free(rows[i].client_id);
        free(rows[i].action);
        free(rows[i].claims);
        free(rows[i].actor);
        free(rows[i].purpose);
        free(rows[i].details);
    }
    free(rows);
}

char *idp_store_app_signature_audit(const idp_store_app_signature_t *row)
{
    json_t *d =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "signature", row->id, "client_id", row->client_id, "application_id",
                  row->application_id, "document_digest", row->document_digest, "cert_serial", row->cert_serial);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return text;
}

void idp_store_app_signatures_free(idp_store_app_signature_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].cms);
    free(rows);
}

void idp_store_audit_rows_free(idp_store_audit_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].detail);
    free(rows);
}

void idp_store_resident_attrs_clear(idp_store_resident_attrs_t *a)
{
    char *v[] = {a->name,        a->name_alt,   a->gender,     a->birth_date,    a->address,
                 a->address_alt, a->sakai_ward, a->gender_raw, a->birth_date_raw};
    /* attributes are personal data: wiped, as store/pg wipes what it opens */
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (v[i]) {
            idp_wipe(v[i], strlen(v[i]));
            free(v[i]);
        }
    }
    free(a->evidence_upstream);
    free(a->evidence_issuer);
    free(a->evidence_subject);
    free(a->evidence_assurance);
    memset(a, 0, sizeof(*a));
}

void idp_store_keys_free(idp_store_key_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].public_jwk);
        if (rows[i].private_enc) {
            memset(rows[i].private_enc, 0, rows[i].private_enc_len);
            free(rows[i].private_enc);
        }
    }
    free(rows);
}

void idp_store_client_clear(idp_store_client_t *c)
{
    free(c->client_id);
    free(c->metadata);
    memset(c, 0, sizeof(*c));
}

void idp_store_clients_free(idp_store_client_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        idp_store_client_clear(&rows[i]);
    free(rows);
}

void idp_store_data_keys_free(idp_store_data_key_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].key_enc);
    free(rows);
}

void idp_store_upstream_clear(idp_store_upstream_t *u)
{
    free(u->issuer);
    free(u->client_id);
    free(u->scopes);
    free(u->display_name);
    free(u->icon_uri);
    free(u->acr_values);
    free(u->secret_enc);
    memset(u, 0, sizeof(*u));
}

void idp_store_upstreams_free(idp_store_upstream_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        idp_store_upstream_clear(&rows[i]);
    free(rows);
}

void idp_store_admin_log_rows_free(idp_store_admin_log_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].actor);
        free(rows[i].role);
        free(rows[i].action);
        free(rows[i].target);
        free(rows[i].before);
        free(rows[i].after);
    }
    free(rows);
}

/*
 * One hash chain (the consent ledger's, the admin log's): row i's hash is
 * SHA-256(the row before's hash, or 32 zero bytes, || what @p input writes
 * of it), its prev_hash the row before's, and its seq the one after. True
 * when all of @p n rows hold; otherwise the first bad row's seq and why.
 */
typedef void (*chain_input_fn)(const void *row, idp_buf_t *b);
typedef struct {
    long long seq;
    const unsigned char *prev_hash, *row_hash;
} chain_link_t;
typedef chain_link_t (*chain_link_fn)(const void *row);

static bool chain_verify(const void *rows, size_t size, size_t n, chain_link_fn link, chain_input_fn input,
                         long long *bad, const char **why)
{
    unsigned char prev[32] = {0};
    long long last = 0;
    *why = NULL;
    for (size_t i = 0; i < n; i++) {
        const void *row = (const char *)rows + i * size;
        chain_link_t l = link(row);
        idp_buf_t b;
        unsigned char h[32];
        idp_buf_init(&b, 1 << 22);
        idp_buf_append(&b, prev, 32);
        input(row, &b);
        bool ok = idp_buf_err(&b) == IDP_OK;
        if (ok)
            idp_sha256(b.data, b.len, h);
        idp_buf_free(&b);
        if (l.seq != last + 1)
            *why = "rows are missing before it (deleted)";
        else if (memcmp(l.prev_hash, prev, 32) != 0)
            *why = "its prev_hash does not match the row before it (a row was removed or changed)";
        else if (!ok || memcmp(l.row_hash, h, 32) != 0)
            *why = "its contents do not match its hash (edited)";
        if (*why) {
            *bad = l.seq;
            return false;
        }
        memcpy(prev, l.row_hash, 32);
        last = l.seq;
    }
    return true;
}

static chain_link_t ledger_link(const void *row)
{
    const idp_store_ledger_row_t *r = row;
    return (chain_link_t){r->seq, r->prev_hash, r->row_hash};
}

/* what a ledger row's hash covers after prev_hash (hash_version 1, 2 or 3; docs/flow.md) */
static void ledger_input(const void *row, idp_buf_t *b)
{
    const idp_store_ledger_row_t *r = row;
    idp_buf_printf(b, "%lld\n%lld\n%s\n%s\n%s\n%s", r->seq, r->at_us, r->resident_id, r->client_id, r->action,
                   r->claims);
    if (r->hash_version >= 2)
        idp_buf_printf(b, "\n%s\n%s", r->actor, r->purpose);
    if (r->hash_version >= 3) /* migration 0024: the authorization_details, when the row has them */
        idp_buf_printf(b, "\n%s", r->details ? r->details : "");
}

bool idp_store_ledger_verify(const idp_store_ledger_row_t *rows, size_t n, long long *bad, const char **why)
{
    return chain_verify(rows, sizeof(*rows), n, ledger_link, ledger_input, bad, why);
}

static chain_link_t admin_log_link(const void *row)
{
    const idp_store_admin_log_row_t *r = row;
    return (chain_link_t){r->seq, r->prev_hash, r->row_hash};
}

/* what an admin log row's hash covers after prev_hash (migration 0016) */
static void admin_log_input(const void *row, idp_buf_t *b)
{
    const idp_store_admin_log_row_t *r = row;
    idp_buf_printf(b, "%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n%s", r->seq, r->at_us, r->actor, r->role, r->action, r->target,
                   r->before, r->after);
}

idp_err_t idp_store_admin_log_hash(const idp_store_admin_log_row_t *r, unsigned char out[32])
{
    idp_buf_t b;
    idp_buf_init(&b, 1 << 22);
    idp_buf_append(&b, r->prev_hash, 32);
    admin_log_input(r, &b);
    idp_err_t e = idp_buf_err(&b);
    if (e == IDP_OK)
        idp_sha256(b.data, b.len, out);
    idp_buf_free(&b);
    return e;
}

bool idp_store_admin_log_verify(const idp_store_admin_log_row_t *rows, size_t n, long long *bad, const char **why)
{
    return chain_verify(rows, sizeof(*rows), n, admin_log_link, admin_log_input, bad, why);
}

static bool in_list(const char *v, const void *list, size_t n, size_t width)
{
    for (size_t i = 0; i < n; i++)
        if (*v && !strcmp(v, (const char *)list + i * width))
            return true;
    return false;
}

/* The rule of a segment (docs/outreach.md): store/pg's statement says the same in SQL. */
bool idp_store_outreach_match(const idp_store_outreach_criteria_t *c, unsigned bits,
                              const idp_store_outreach_profile_t *p)
{
    if (!(bits & c->category_bit))
        return false;
    if ((c->birth_from || c->birth_to) &&
        (p->birth_month == 0 || p->birth_month < c->birth_from || p->birth_month > c->birth_to))
        return false;
    if (c->gender && p->gender != c->gender)
        return false;
    if (c->nwards && !in_list(p->ward, c->wards, c->nwards, sizeof(c->wards[0])))
        return false;
    if (c->sakai_resident >= 0 && p->sakai_resident != (c->sakai_resident == 1))
        return false;
    if (c->ndistricts && !in_list(p->school_district, c->districts, c->ndistricts, sizeof(c->districts[0])))
        return false;
    if (c->child_from || c->child_to) {
        bool any = false;
        for (size_t i = 0; i < p->nchildren && !any; i++)
            any = p->children[i] >= c->child_from && p->children[i] <= c->child_to;
        if (!any)
            return false;
    }
    return true;
}
