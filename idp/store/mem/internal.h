/*
 * Shared between the files of the memory store; not part of the interface.
 * Tables are growable arrays searched linearly: the store holds what one
 * test writes, and clarity beats speed here (mem.h).
 */
#ifndef IDP_STORE_MEM_INTERNAL_H
#define IDP_STORE_MEM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "store/mem/mem.h"
#include "store/mem/ops.h"

/* A growable array of T. */
#define IDP_MEM_VEC(T) \
    struct {           \
        T *v;          \
        size_t n, cap; \
    }

typedef struct {
    unsigned char sha256[32];
    char purpose[8], issuer[65], serial[65], resident[64];
    long long not_after, linked_at;
} idp_mem_cert_t;

/* A social identity (store/pg: social_identities, keyed by issuer and subject). */
typedef struct {
    char issuer[512], subject[256], resident[64], upstream_id[40];
    long long linked_at;
} idp_mem_social_t;

/* The upstream leg of a login transaction (store/pg: the upstream_* columns of login_transactions). */
typedef struct {
    char tx[64], upstream_id[40], state[256], nonce[128], verifier[160];
} idp_mem_leg_t;

typedef struct {
    unsigned char id_hash[32];
    idp_store_session_t s;
    bool ended;
    char credential[48];
} idp_mem_session_t;

typedef struct {
    char resident[64], client[256], claim[128];
    long long granted_at, expires_at;
} idp_mem_consent_t;

typedef struct {
    char resident[64];
    idp_store_release_t r;
} idp_mem_release_t;

typedef struct {
    idp_store_grant_t g; /* the grant's own fields; the code's live in idp_mem_code_t */
    long long expires_at;
    bool revoked;
} idp_mem_grant_t;

typedef struct {
    unsigned char hash[32];
    char grant_id[64], redirect_uri[2048], nonce[520], challenge[132];
    long long expires_at;
    bool used;
} idp_mem_code_t;

typedef struct {
    unsigned char hash[32];
    char grant_id[64];
    long long issued_at;
    bool used;
} idp_mem_refresh_t;

typedef struct {
    char jti[256];
    idp_store_token_info_t i; /* .active and .spent unused: computed on read */
    bool revoked;
} idp_mem_at_t;

typedef struct {
    char client[256], jti[256];
    long long expires_at;
} idp_mem_jti_t;

/* A pushed authorization request (store/pg: pushed_requests). */
typedef struct {
    unsigned char hash[32];
    char client[256];
    char *params; /* malloc'ed */
    long long expires_at;
    bool used;
} idp_mem_par_t;

/* A linkage row: certificate (old) was followed by (new); pair linkage: signing (old) issued with authentication (new).
 */
typedef struct {
    idp_store_linkage_t l;
} idp_mem_link_t;

/* Household attributes, in clear like the verified ones. */
typedef struct {
    char resident[64];
    idp_store_household_t h;
} idp_mem_household_t;

/* A back-channel logout delivery (store/pg: logout_deliveries). */
typedef struct {
    idp_store_delivery_t d; /* d.logout_token malloc'ed */
    long long next_attempt_at, created_at;
    bool finished; /* delivered, or given up */
} idp_mem_delivery_t;

/* Verified attributes: kept in clear, in this process only (store/pg seals them at rest; mem.h). */
typedef struct {
    char resident[64];
    idp_store_resident_attrs_t a; /* strings malloc'ed */
    bool has_match;
    unsigned char match[32];
} idp_mem_attrs_t;

/* An initial access token and its hash (store/pg: initial_access_tokens). */
typedef struct {
    idp_store_iat_t t;
    unsigned char hash[32];
} idp_mem_iat_t;

/* store/pg: client_stats_daily (summed over its shards). */
typedef struct {
    char client[256];
    idp_store_stat_t s;
} idp_mem_stat_t;

/* store/pg: residents.locked_at and locked_reason (migration 0020). */
typedef struct {
    char resident[64], reason[512];
    long long at;
} idp_mem_lock_t;

/* store/pg: test_residents and organisation_members (idp_org_list_t). */
typedef struct {
    idp_org_list_t list;
    char organisation[64], resident[64];
} idp_mem_org_resident_t;

/* Outreach (store/pg: outreach_profiles, outreach_members). */
typedef struct {
    char resident[64];
    unsigned bits;
    idp_store_outreach_profile_t p;
} idp_mem_outreach_profile_t;

typedef struct {
    char campaign[40], resident[64];
    long long released_at;
} idp_mem_outreach_member_t;

typedef struct {
    pthread_mutex_t mu; /* one lock for everything: each call is one transaction */
    long long skew;     /* idp_store_mem_advance */
    char fault_op[32];  /* idp_store_mem_fault: the use case that fails at its commit next, and how */
    idp_err_t fault;
    long long seq; /* ids of audit rows and ledger rows */
    IDP_MEM_VEC(idp_store_client_t) clients;
    idp_store_client_watch_fn watch; /* told of every client change (idp_store_client_watch_start), or NULL */
    void *watch_ctx;
    IDP_MEM_VEC(idp_store_key_t) keys;
    IDP_MEM_VEC(char *) residents;
    IDP_MEM_VEC(idp_mem_cert_t) certs;
    IDP_MEM_VEC(idp_store_login_tx_t) txs;
    IDP_MEM_VEC(idp_store_card_challenge_t) challenges;
    IDP_MEM_VEC(idp_mem_session_t) sessions;
    IDP_MEM_VEC(idp_mem_consent_t) consents;
    IDP_MEM_VEC(idp_store_ledger_row_t) ledger;
    IDP_MEM_VEC(idp_mem_release_t) releases;
    IDP_MEM_VEC(idp_mem_grant_t) grants;
    IDP_MEM_VEC(idp_mem_code_t) codes;
    IDP_MEM_VEC(idp_mem_refresh_t) refresh;
    IDP_MEM_VEC(idp_mem_at_t) ats;
    IDP_MEM_VEC(idp_mem_jti_t) jtis;
    IDP_MEM_VEC(idp_store_audit_row_t) audit;
    IDP_MEM_VEC(idp_mem_attrs_t) attrs;
    IDP_MEM_VEC(idp_mem_link_t) linkage, pairs;
    IDP_MEM_VEC(idp_mem_delivery_t) deliveries;
    IDP_MEM_VEC(idp_store_upstream_t) upstreams;
    IDP_MEM_VEC(idp_mem_social_t) socials;
    IDP_MEM_VEC(idp_mem_leg_t) legs;
    IDP_MEM_VEC(idp_mem_household_t) households;
    IDP_MEM_VEC(idp_mem_iat_t) iats;
    IDP_MEM_VEC(idp_mem_par_t) pars;
    IDP_MEM_VEC(idp_mem_org_resident_t) org_residents;
    IDP_MEM_VEC(idp_store_admin_log_row_t) admin_log;
    IDP_MEM_VEC(idp_mem_stat_t) stats;
    IDP_MEM_VEC(idp_store_role_t) roles;
    IDP_MEM_VEC(idp_mem_lock_t) locks;
    IDP_MEM_VEC(idp_store_key_schedule_t) schedules;
    IDP_MEM_VEC(idp_store_app_signature_t) signatures;
    IDP_MEM_VEC(idp_mem_outreach_profile_t) outreach_profiles;
    IDP_MEM_VEC(idp_store_outreach_segment_t) outreach_segments;
    IDP_MEM_VEC(idp_store_outreach_campaign_t) outreach_campaigns;
    IDP_MEM_VEC(idp_mem_outreach_member_t) outreach_members;
} idp_mem_data_t;

typedef struct {
    idp_store_t base; /* first: idp_mem() casts back */
    idp_mem_data_t d;
} idp_mem_store_t;

/* The memory store behind @p s, locked: every idp_mem_ function begins with it and ends with idp_mem_unlock. */
idp_mem_data_t *idp_mem_lock(idp_store_t *s);
void idp_mem_unlock(idp_mem_data_t *d);
/* The store's clock: unix seconds, moved by idp_store_mem_advance. */
long long idp_mem_now(const idp_mem_data_t *d);
/** Whether client @p client_id is registered (the store locked). */
bool idp_mem_client_exists(idp_mem_data_t *d, const char *client_id);
/** The admin log's next row (migration 0016's chain), or IDP_E_NOMEM with nothing appended; the store locked. */
idp_err_t idp_mem_admin_append(idp_mem_data_t *d, const idp_store_admin_entry_t *e);
/** Takes the last row back (its change failed). */
void idp_mem_admin_unappend(idp_mem_data_t *d);
/** idp_store_admin_apply for the changes mem.c's tables hold (mem_admin.c dispatches). */
idp_err_t idp_mem_admin_apply_here(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *e);
/** An admin call's upstream change (IDP_ADMIN_OP_UPSTREAM_*), the store locked (mem_social.c). */
idp_err_t idp_mem_upstream_change_locked(idp_mem_data_t *d, const idp_store_admin_op_t *op);
/* Room for one more element of @p size at the end of *v (zeroed); NULL when out of memory. */
void *idp_mem_push(void *v, size_t *n, size_t *cap, size_t size);
#define IDP_MEM_PUSH(vec) ((__typeof__((vec).v))idp_mem_push(&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v)))
/* Removes element @p i of @p vec (order kept). */
#define IDP_MEM_REMOVE(vec, i)                                                         \
    do {                                                                               \
        memmove(&(vec).v[i], &(vec).v[(i) + 1], ((vec).n - (i)-1) * sizeof(*(vec).v)); \
        (vec).n--;                                                                     \
    } while (0)
/* snprintf into a field; NULL counts as "". */
void idp_mem_copy(char *dst, size_t n, const char *src);
#define IDP_MEM_SET(field, src) idp_mem_copy((field), sizeof(field), (src))
/* Counts one @p metric event of @p client today (in Japan), as store/pg's triggers do (migration 0017). Out of
 * memory, the count is lost: statistics, not evidence. */
void idp_mem_stat_bump(idp_mem_data_t *d, const char *client, const char *metric, const char *code);
/* Whether resident @p id exists. */
bool idp_mem_resident_exists(const idp_mem_data_t *d, const char *id);
/* A grant by id (NULL if none), and whether it is live (store.h, idp_store_grant_get). */
idp_mem_grant_t *idp_mem_grant(idp_mem_data_t *d, const char *id);
bool idp_mem_grant_live(idp_mem_data_t *d, const idp_mem_grant_t *g);
/* Revokes grant @p id and everything issued from it. */
void idp_mem_revoke_family(idp_mem_data_t *d, const char *id);
/* Appends to the hash-chained consent ledger, as store/pg does (internal.h there: version 2). */
idp_err_t idp_mem_ledger_append(idp_mem_data_t *d, const char *resident, const char *client, const char *action,
                                const char *claims, const char *actor, const char *purpose, const char *details);
/* Appends an audit row. */
idp_err_t idp_mem_audit_append(idp_mem_data_t *d, const char *event, const char *resident_id, const char *detail);
/* A live session by cookie hash (index), or -1. */
long idp_mem_session_find(idp_mem_data_t *d, const unsigned char id_hash[32]);
/* A live login transaction (index), or -1. */
long idp_mem_tx_find(idp_mem_data_t *d, const char *id);
/* A live login transaction nobody has continued, or NULL. */
idp_store_login_tx_t *idp_mem_tx_open(idp_mem_data_t *d, const char *id);
/* A new resident (IDP_E_CONFLICT if the id is taken). */
idp_err_t idp_mem_resident_add(idp_mem_data_t *d, const char *id);

#endif
