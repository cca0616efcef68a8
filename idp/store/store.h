/**
 * The storage interface: everything durable or shared between nodes goes
 * through these functions (product.md §8: stateless nodes). The protocol core
 * (idp/oauth) sees only this header; idp/store/pg implements it on
 * PostgreSQL. Every function is safe to call from any thread.
 *
 * Errors: IDP_E_UNAVAILABLE when the database cannot be reached (the caller
 * answers 503 temporarily_unavailable), IDP_E_NOT_FOUND, IDP_E_CONFLICT for a
 * unique-key clash, IDP_E_SERVER_ERROR for anything else.
 */
#ifndef IDP_STORE_STORE_H
#define IDP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct idp_store idp_store_t;

/*
 * A call that changes what is stored: its outcome must be looked at (issue
 * #16 §1: no audit or ledger write is dropped silently). GCC ignores a
 * (void) cast here, so a caller handles or logs the result.
 */
#define IDP_STORE_WRITE __attribute__((warn_unused_result))

/**
 * The PostgreSQL store (store/pg): opens a pool of @p pool_size connections
 * (lazily connected). The memory store is store/mem/mem.h.
 */
idp_err_t idp_store_open(const char *url, int pool_size, int wait_ms, idp_store_t **out);
static inline void idp_store_close(idp_store_t *s);

/** Round trip to the database (for /readyz). */
static inline idp_err_t idp_store_ping(idp_store_t *s);

/**
 * Appends the store's lines for /metrics (Prometheus text format): store/pg
 * the time of each statement (a histogram) and the database's
 * unavailability by cause; store/mem nothing. Reads counters only: never
 * waits for the database.
 */
static inline void idp_store_metrics(idp_store_t *s, idp_buf_t *out);

/** The highest applied migration (0 when none) and the one this binary expects. */
static inline idp_err_t idp_store_schema_version(idp_store_t *s, int *version);
/** The schema version this binary expects (store/pg: its embedded migrations). */
int idp_store_schema_expected(void);
/**
 * Applies pending migrations in order, each in its own transaction, under an
 * advisory lock so that two nodes never migrate at once. *from and *to report the
 * versions. IDP_E_CONFLICT if the database is newer than this binary.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen);

/* ---- signing keys ------------------------------------------------------ */

typedef struct {
    char kid[64];
    char alg[8];
    char state[8];          /* "next", "active", "retired" */
    long long created_at;   /* unix seconds */
    long long activated_at; /* 0 = never */
    long long retired_at;   /* 0 = not retired */
    char *public_jwk;       /* JSON text */
    unsigned char *private_enc;
    size_t private_enc_len;
} idp_store_key_t;

/** All keys, oldest first, and the database's clock (*now, unix seconds). */
static inline idp_err_t idp_store_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now);
void idp_store_keys_free(idp_store_key_t *rows, size_t n);

/**
 * The rotation step for one algorithm, in one transaction under a lock:
 *  - no active key:  @p fresh becomes active, nothing else changes;
 *  - otherwise: the next key must have been published for @p min_next_age
 *    seconds (else IDP_E_CONFLICT, nothing changes); the active key is
 *    retired, next becomes active, and @p fresh becomes next.
 *  - active but no next: @p fresh becomes next.
 * *what receives "activated", "rotated" or "published".
 */
struct idp_store_admin_entry; /* the admin log (below) */
/* With @p log (NULL: none), the admin log's row of this change is written in its transaction. */
IDP_STORE_WRITE static inline idp_err_t idp_store_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh,
                                                              long long min_next_age, const char **what,
                                                              const struct idp_store_admin_entry *log);
/** Retires a key now. IDP_E_NOT_FOUND; IDP_E_CONFLICT if it is the only key that can sign its alg. */
IDP_STORE_WRITE static inline idp_err_t idp_store_key_retire(idp_store_t *s, const char *kid);

/* ---- pushed authorization requests (RFC 9126; migration 0022) -------------------------------- */

/**
 * Stores the authorization request @p params (form-encoded) that client @p client_id pushed, under the
 * SHA-256 of its request_uri, usable once for @p ttl seconds.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_par_put(idp_store_t *s, const unsigned char uri_hash[32],
                                                          const char *client_id, const char *params, int ttl);
/**
 * Takes it, once (RFC 9126 §4: single use): *params (malloc'ed). IDP_E_NOT_FOUND when it is unknown,
 * another client's, expired or used already.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_par_take(idp_store_t *s, const unsigned char uri_hash[32],
                                                           const char *client_id, char **params);

/* ---- signing-key rotation on a schedule (migration 0021; docs/keys.md "Scheduled rotation") ------ */

typedef struct {
    char alg[8];             /* RS256, ES256 or PS256 */
    long long every_seconds; /* 3600 to 366 days */
    long long next_at;       /* unix seconds */
    long long set_at;        /* unix seconds */
    char set_by[300];        /* the admin log's actor */
} idp_store_key_schedule_t;

/** The schedules, by algorithm (*rows: free). Set and cancelled by idp_store_admin_apply. */
static inline idp_err_t idp_store_key_schedules(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n);
/**
 * Claims the schedule due first (next_at passed) for this node: its next_at moves @p lease_seconds on, so that
 * no other node takes it meanwhile. *alg. IDP_E_NOT_FOUND: none is due.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_key_schedule_claim(idp_store_t *s, long long lease_seconds,
                                                                     char alg[8]);
/** After its rotation: the next one every_seconds from now. IDP_E_NOT_FOUND: cancelled meanwhile. */
IDP_STORE_WRITE static inline idp_err_t idp_store_key_schedule_done(idp_store_t *s, const char *alg);

/* ---- attributes sealed at rest (issue #15 item 12; docs/keys.md, "Data keys") ---------------------- */

/*
 * Card-verified attributes (idp_store_attrs_t) and household attributes
 * (idp_store_household_t) are sealed value by value before they reach
 * PostgreSQL and opened after they come back: callers pass and receive
 * plaintext. The store builds the associated data of each value from its
 * table, column and row (store/pg/sealed.h) and asks the sealer, which
 * holds the data keys, to seal or open it. All values of a row are sealed
 * under one data key, whose id the row records.
 *
 * Without a sealer (idp_store_set_sealer) every call that reads or writes
 * attributes fails with IDP_E_SERVER_ERROR. A value that does not open
 * (altered, moved to another row or column, an unknown key) is
 * IDP_E_SERVER_ERROR and a "sealed_value_unreadable" log line, never an
 * empty value.
 */
typedef struct {
    void *ctx;
    /**
     * The data key new values are sealed with (*key_id). With @p reload the
     * store has learnt that the key it was given is no longer the active
     * one (rotated meanwhile, on another node): reload the key table first.
     */
    idp_err_t (*current)(void *ctx, bool reload, int *key_id);
    /** Seals @p pt under data key @p key_id with associated data @p aad; *out is malloc'ed. */
    idp_err_t (*seal)(void *ctx, int key_id, const char *aad, const unsigned char *pt, size_t n, unsigned char **out,
                      size_t *outlen);
    /**
     * Opens a sealed value; *out is malloc'ed. IDP_E_NOT_FOUND when data
     * key @p key_id is unknown even after reloading the key table (retired,
     * or never existed); IDP_E_SERVER_ERROR when the value does not open.
     */
    idp_err_t (*open)(void *ctx, int key_id, const char *aad, const unsigned char *in, size_t n, unsigned char **out,
                      size_t *outlen);
} idp_store_sealer_t;

/**
 * Gives the store its sealer (sakaid and sakaid-admin, after loading the
 * data keys). Call before any thread uses the store; @p sealer must outlive
 * it. The store calls it without holding a database connection, so the
 * sealer may use the store to reload keys.
 */
static inline void idp_store_set_sealer(idp_store_t *s, const idp_store_sealer_t *sealer);

typedef struct {
    int id;
    char state[12];                                /* "active", "retiring", "retired" */
    long long created_at, retiring_at, retired_at; /* unix seconds; 0 = not yet */
    unsigned char *key_enc; /* the data key sealed under the KEK (aad "sakaid:data-key:<id>"); NULL once retired */
    size_t key_enc_len;
    long long rows; /* rows sealed under it (-1 unless counted) */
} idp_store_data_key_t;

/** Every data key, by id; with @p count_rows, how many rows each sealed (a scan: for the admin tool). */
static inline idp_err_t idp_store_data_keys_list(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows,
                                                 size_t *n);
void idp_store_data_keys_free(idp_store_data_key_t *rows, size_t n);
/** Takes the id of a data key about to be created (its sealed form names it). */
IDP_STORE_WRITE static inline idp_err_t idp_store_data_key_reserve(idp_store_t *s, int *id);
/**
 * Stores data key @p id as the active one. The active key before it (if
 * any) becomes "retiring" in the same transaction, which waits for writes
 * in flight under it: once it commits, no value is sealed under the old key
 * again (every write checks that its key is active, idp_store_sealer_t
 * current()). With @p only_first, IDP_E_CONFLICT when a data key exists
 * already (nothing changes).
 */
IDP_STORE_WRITE static inline idp_err_t
idp_store_data_key_activate(idp_store_t *s, int id, const unsigned char *key_enc, size_t len, bool only_first);
/**
 * Seals again under the active key up to @p batch rows still sealed under
 * a retiring key, in one short transaction. *found receives the rows it
 * looked at: 0 when none is left. A row its owner wrote meanwhile is left
 * alone (its writer sealed it under the active key). A row that does not
 * open stops it with IDP_E_SERVER_ERROR and @p err naming the row.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_data_reseal(idp_store_t *s, int batch, long long *found, char *err,
                                                              size_t errlen);
/**
 * Retires every retiring data key that no row uses any more (its sealed key
 * is erased), in one statement. @p ids (room for @p max) receives their ids,
 * *n how many.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_data_keys_retire(idp_store_t *s, int *ids, size_t max, size_t *n);
/** Attribute rows still in clear, in the tables migration 0013 renamed (*n; 0 when all are sealed). */
static inline idp_err_t idp_store_plaintext_count(idp_store_t *s, long long *n);
/**
 * Seals up to @p batch rows kept in clear by migration 0013 into the sealed
 * tables and deletes them from the clear ones, in one transaction. *moved
 * receives the rows moved (0: none was left). A row that holds the
 * certificate's raw gender and birth date gets its renewal match key
 * (@p match, idp_card_match_key under the subject key); others keep none.
 */
typedef void (*idp_store_match_fn)(void *ctx, const char *name, const char *gender_raw, const char *birth_date_raw,
                                   const char *address, unsigned char out[32]);
IDP_STORE_WRITE static inline idp_err_t idp_store_plaintext_seal(idp_store_t *s, int batch, idp_store_match_fn match,
                                                                 void *ctx, long long *moved, char *err, size_t errlen);

/* ---- relying parties --------------------------------------------------- */

typedef struct {
    char *client_id;
    char *metadata; /* JSON object text */
    bool has_secret;
    unsigned char secret_hash[32];
    long long created_at, updated_at, secret_rotated_at;
    /* Dynamic registration (RFC 7591, RFC 7592; idp_store_client_register). A client an administrator adds has
     * none of these: no registration access token, organisation "", never in the sandbox. */
    bool has_registration_token;
    unsigned char registration_token_hash[32]; /* SHA-256 of its registration access token */
    char organisation[64];                     /* the organisation whose initial access token registered it */
    bool sandbox;   /* signs in only its organisation's test residents, until approved (idp_store_client_set_sandbox) */
    bool suspended; /* refused everywhere, as if it did not exist, until resumed (the admin API) */
    long long approval_requested_at; /* its organisation asked for approval (0: not asked, or approved since) */
} idp_store_client_t;

IDP_STORE_WRITE static inline idp_err_t idp_store_client_insert(idp_store_t *s, const idp_store_client_t *c);
/**
 * Told what changed among the clients (idp_store_client_watch_start): a
 * cache of clients drops @p client_id (NULL: every client) and, from now
 * on, keeps what it reads only while @p live. Called on the watcher's own
 * thread (store/pg) or on the writer's, under the store's lock (store/mem):
 * it must not call the store, only take its own lock and return.
 */
typedef void (*idp_store_client_watch_fn)(void *ctx, const char *client_id, bool live);
/**
 * Reports every change of a client, on any node, to @p fn (the server's
 * client cache, oauth/clients.c; not the admin tool), until
 * idp_store_client_watch_stop. One watch per store: IDP_E_CONFLICT for a
 * second. store/pg: a thread LISTENs on a connection of its own to @p url
 * for the NOTIFY sakaid_clients a trigger sends after every committed
 * insert, update and delete (migration 0007; client_watch.c); fn(ctx, NULL,
 * true) once it listens, fn(ctx, id, true) for each notification (a
 * TRUNCATE: NULL), fn(ctx, NULL, false) when the connection breaks (nothing
 * may be cached until it listens again). store/mem: fn(ctx, NULL, true)
 * at once, then fn(ctx, id, true) from every insert, update and delete
 * (@p url is not read).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_client_watch_start(idp_store_t *s, const char *url,
                                                                     idp_store_client_watch_fn fn, void *ctx);
/**
 * Ends the watch (none: nothing happens): when it returns, @p fn is not
 * running and will not be called again, so its context may be freed.
 */
static inline void idp_store_client_watch_stop(idp_store_t *s);
/** IDP_E_NOT_FOUND if there is no such client. Free with idp_store_client_clear. */
static inline idp_err_t idp_store_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out);
static inline idp_err_t idp_store_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n);
IDP_STORE_WRITE static inline idp_err_t idp_store_client_update(idp_store_t *s, const char *client_id,
                                                                const char *metadata,
                                                                const unsigned char *secret_hash /* NULL = unchanged */,
                                                                bool clear_secret);
IDP_STORE_WRITE static inline idp_err_t idp_store_client_delete(idp_store_t *s, const char *client_id);
void idp_store_client_clear(idp_store_client_t *c);
void idp_store_clients_free(idp_store_client_t *rows, size_t n);

/* ---- dynamic registration (RFC 7591, RFC 7592; docs/admin.md) ----------- */

/** An initial access token (RFC 7591 §3): opens registration for one organisation. Only its hash is stored. */
typedef struct {
    char id[48];           /* its public name, for listing and revoking */
    char organisation[64]; /* [A-Za-z0-9._-]{1,63} */
    char tier[16];         /* the tier of the clients it may create: "partner" or "city" */
    int max_uses, uses;
    long long expires_at, created_at, revoked_at; /* unix seconds; revoked_at 0: not revoked */
} idp_store_iat_t;

/** Stores a new token @p t (its id, organisation, tier, max_uses, expires_at) with its SHA-256 @p hash. */
IDP_STORE_WRITE static inline idp_err_t idp_store_iat_insert(idp_store_t *s, const idp_store_iat_t *t,
                                                             const unsigned char hash[32]);
/** Every token, newest first. Free with free(). */
static inline idp_err_t idp_store_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n);
/** Revokes token @p id now: IDP_E_NOT_FOUND when there is none, or it is revoked already. */
IDP_STORE_WRITE static inline idp_err_t idp_store_iat_revoke(idp_store_t *s, const char *id);
/**
 * The token whose SHA-256 is @p hash, if it can still register a client:
 * IDP_OK with *out; IDP_E_NOT_FOUND (no such token, or revoked),
 * IDP_E_INVALID_GRANT (expired) or IDP_E_CONFLICT (every use taken). No
 * use is taken here: idp_store_client_register takes it.
 */
static inline idp_err_t idp_store_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out);
/**
 * Registers client @p c (its id, metadata, secret hash and registration
 * token hash; sandbox and organisation are set here) with one use of the
 * initial access token @p iat_id, in one step: the client is in the
 * sandbox of the token's organisation. IDP_E_CONFLICT, and nothing is
 * stored, when that token is no longer usable (expired, revoked, used up
 * since idp_store_iat_find) or the client id is taken.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_client_register(idp_store_t *s, const char *iat_id,
                                                                  const idp_store_client_t *c);
/**
 * Moves client @p client_id out of the sandbox (@p sandbox false: an
 * administrator approved it) or back in (true; only a client of an
 * organisation: IDP_E_CONFLICT otherwise). IDP_E_NOT_FOUND.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_client_set_sandbox(idp_store_t *s, const char *client_id,
                                                                     bool sandbox);
/** The residents an organisation names: its sandbox clients' test residents, or the members who act for it. */
typedef enum {
    IDP_ORG_TEST_RESIDENTS, /* migration 0015 test_residents: whom its sandbox clients may sign in */
    IDP_ORG_MEMBERS,        /* migration 0019 organisation_members: who acts for it at /partner */
} idp_org_list_t;

/** Adds resident @p resident_id to @p list of @p organisation (again: nothing changes). IDP_E_NOT_FOUND: no such resident. */
IDP_STORE_WRITE static inline idp_err_t idp_store_org_resident_add(idp_store_t *s, idp_org_list_t list,
                                                                   const char *organisation, const char *resident_id);
/** Takes it back: IDP_E_NOT_FOUND when it was not there. */
IDP_STORE_WRITE static inline idp_err_t
idp_store_org_resident_remove(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id);
/** Whether @p resident_id is on @p list of @p organisation (*yes). */
static inline idp_err_t idp_store_org_resident_is(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                  const char *resident_id, bool *yes);
/**
 * @p list of @p organisation: its residents in *ids (*n of them; free(*ids)). With @p organisation NULL
 * and @p resident_id set: the organisations whose @p list holds that resident, in *ids.
 */
static inline idp_err_t idp_store_org_residents(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                const char *resident_id, char (**ids)[64], size_t *n);

/* ---- the admin log (the admin API; docs/admin.md "The admin API") ------- */

/** The change an admin call makes, written with its log row in one transaction (idp_store_admin_apply). */
typedef enum {
    IDP_ADMIN_OP_NONE,           /* a read: only the log row */
    IDP_ADMIN_OP_CLIENT_SANDBOX, /* client id: sandbox = flag (IDP_E_CONFLICT: flag on a client of no organisation) */
    IDP_ADMIN_OP_CLIENT_SUSPEND, /* client id: suspended = flag */
    IDP_ADMIN_OP_CLIENT_SECRET,  /* client id: a new secret's SHA-256 (hash) */
    IDP_ADMIN_OP_IAT_INSERT,     /* a new initial access token (iat) with its SHA-256 (hash) */
    IDP_ADMIN_OP_IAT_REVOKE,     /* token id */
    IDP_ADMIN_OP_CLIENT_REQUEST, /* client id: its organisation asks for approval (a sandbox client; else not found) */
    /* resident id: locked (flag; text: the reason) ends their sessions and revokes their grants and tokens;
     * unlocked (!flag) lets them sign in again. IDP_E_NOT_FOUND: no such resident */
    IDP_ADMIN_OP_RESIDENT_LOCK,
    IDP_ADMIN_OP_RESIDENT_END_SESSIONS, /* resident id: every live session ends (none: still done) */
    IDP_ADMIN_OP_CLIENT_INSERT,         /* client: a new client (id, metadata, secret hash); IDP_E_CONFLICT: id taken */
    /* client id: text the new metadata, hash a new secret's SHA-256 (NULL: unchanged), flag: the secret goes */
    IDP_ADMIN_OP_CLIENT_UPDATE,
    IDP_ADMIN_OP_CLIENT_DELETE, /* client id: the client and every token issued to it */
    /* alg id: schedule set (flag; schedule) or cancelled (!flag; IDP_E_NOT_FOUND: there was none) */
    IDP_ADMIN_OP_KEY_SCHEDULE,
    IDP_ADMIN_OP_UPSTREAM_INSERT, /* upstream: a new upstream provider; IDP_E_CONFLICT: its id is taken */
    IDP_ADMIN_OP_UPSTREAM_UPDATE, /* upstream: its row replaced (secret_enc NULL: kept); IDP_E_NOT_FOUND */
    IDP_ADMIN_OP_UPSTREAM_DELETE, /* upstream id: removed; IDP_E_NOT_FOUND */
    /* resident id: added to (flag) or taken from (!flag) the test residents of organisation text;
     * IDP_E_NOT_FOUND: no such resident to add, or not there to take */
    IDP_ADMIN_OP_TEST_RESIDENT,
} idp_store_admin_op_kind_t;

typedef struct {
    idp_store_admin_op_kind_t kind;
    const char *id;
    bool flag;
    const char *text;                 /* IDP_ADMIN_OP_RESIDENT_LOCK: the reason; TEST_RESIDENT: the organisation */
    const unsigned char *hash;        /* 32 bytes */
    const idp_store_iat_t *iat;       /* IDP_ADMIN_OP_IAT_INSERT */
    const idp_store_client_t *client; /* IDP_ADMIN_OP_CLIENT_INSERT (with its organisation and sandbox) */
    const idp_store_key_schedule_t *schedule;  /* IDP_ADMIN_OP_KEY_SCHEDULE: alg, every_seconds, next_at, set_by */
    const struct idp_store_upstream *upstream; /* IDP_ADMIN_OP_UPSTREAM_INSERT, _UPDATE */
} idp_store_admin_op_t;

/** Who did what: the log row of one admin call. before and after are JSON texts, or NULL. */
typedef struct idp_store_admin_entry {
    const char *actor, *role, *action, *target;
    const char *before, *after;
} idp_store_admin_entry_t;

/**
 * Makes change @p op and appends @p entry to the hash-chained admin log,
 * in one transaction (migration 0016): both or neither. IDP_E_NOT_FOUND
 * (nothing written) when the change finds no row to change: no such client
 * or token, a token revoked already; IDP_E_CONFLICT as the op says.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_admin_apply(idp_store_t *s, const idp_store_admin_op_t *op,
                                                              const idp_store_admin_entry_t *entry);

typedef struct {
    long long seq, at_us;
    char *actor, *role, *action, *target, *before, *after; /* malloc'ed; before and after "" when NULL */
    unsigned char prev_hash[32], row_hash[32];
} idp_store_admin_log_row_t;

/** The admin log in order, from seq @p after_seq + 1, at most @p limit rows (0: all). */
static inline idp_err_t idp_store_admin_log_rows(idp_store_t *s, long long after_seq, int limit,
                                                 idp_store_admin_log_row_t **rows, size_t *n);
void idp_store_admin_log_rows_free(idp_store_admin_log_row_t *rows, size_t n);
/**
 * Recomputes the chain of @p n rows read from the start (migration 0016):
 * true when it holds; otherwise false with the first bad row's seq in *bad
 * and what is wrong with it in *why.
 */
bool idp_store_admin_log_verify(const idp_store_admin_log_row_t *rows, size_t n, long long *bad, const char **why);
/** Row @p r's hash by that rule (its prev_hash and fields; store/mem computes its rows with it). */
idp_err_t idp_store_admin_log_hash(const idp_store_admin_log_row_t *r, unsigned char out[32]);

/* ---- residents' admin roles (migration 0018) ----------------------------- */

/** Grants @p role to resident @p resident_id (again: nothing changes). IDP_E_NOT_FOUND: no such resident. */
IDP_STORE_WRITE static inline idp_err_t idp_store_role_grant(idp_store_t *s, const char *resident_id, const char *role);
/** Takes it back: IDP_E_NOT_FOUND when the resident did not hold it. */
IDP_STORE_WRITE static inline idp_err_t idp_store_role_revoke(idp_store_t *s, const char *resident_id,
                                                              const char *role);
/** The roles of @p resident_id (NULL: of everyone), as "resident role" pairs: *rows, *n (free(*rows)). */
typedef struct {
    char resident_id[64], role[24];
} idp_store_role_t;
static inline idp_err_t idp_store_roles(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n);

/* ---- the help desk (migration 0020) ------------------------------------------------------------- */

/** Whether resident @p resident_id exists (*exists) and is locked (*locked, since *locked_at; *reason, 500 bytes). */
static inline idp_err_t idp_store_resident_state(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                                 long long *locked_at, char reason[512]);
/** The residents who have a grant or a consent at client @p client_id (*ids, *n; free(*ids)). */
static inline idp_err_t idp_store_client_residents(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n);

/* ---- per-client daily statistics (migration 0017) ----------------------- */

/** One count: a day in Japan (YYYY-MM-DD), a metric (sign_in, consent, refusal, withdrawal, step_up, error), a code. */
typedef struct {
    char day[11], metric[16], code[65];
    long long count;
} idp_store_stat_t;

/**
 * Counts one @p metric event of client @p client_id now (store/pg: the
 * events it can see count themselves, by trigger; this is for the rest:
 * "error", with the OAuth error code @p code).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_stat_count(idp_store_t *s, const char *client_id, const char *metric,
                                                             const char *code);
/** The counts of @p client_id from day @p from to day @p to (YYYY-MM-DD, both included), ordered by day, metric, code. */
static inline idp_err_t idp_store_client_stats(idp_store_t *s, const char *client_id, const char *from, const char *to,
                                               idp_store_stat_t **rows, size_t *n);

/* ---- login transactions and card challenges (issue #3) ---------------- */

typedef struct {
    char id[64];
    char client_id[256];
    char redirect_uri[2048];
    char oidc_nonce[520];
    long long expires_at;
    char resident_id[64]; /* "" until someone signed in */
    char acr[64];
    long long authenticated_at;
    /* the code flow (issue #4) */
    char request[8192];             /* the authorization request's query string */
    unsigned char browser_hash[32]; /* SHA-256 of the cookie that binds it to one browser */
    char csrf[64];                  /* the token its forms carry */
    char session_sid[64];           /* the browser's session when the login began ("" if none) */
    /* social login (issue #5) */
    char link_resident[64]; /* a signed-in resident adding a credential ("" otherwise) */
    char credential[48];    /* idp_credential_key() of the way the resident signed in ("" if none) */
    /* issue #14 */
    bool reauth;    /* the resident signs in again before a card is added to them */
    bool continued; /* its authentication began a session (idp_store_login_tx_continue) */
    /* issue #15 */
    bool sign_step;     /* the card's two keys sign one challenge: the signing certificate is read */
    bool sign_declined; /* the resident declined that step */
    bool has_new_card;  /* a card no resident holds signed: it waits here (idp_store_login_tx_new_card) */
    unsigned char new_card_sha256[32];
    char new_card_issuer[65], new_card_serial[65];
    long long new_card_not_after;
    bool renew_checked;      /* the new card's signing certificate was read to look for an earlier SakaI-D */
    char renew_resident[64]; /* the SakaI-D it matched, to confirm ("" none) */
    /* issue #17: the consent step's idp_credential_key() of the sign-in in this authorization that led to it ("" when
     * the session's was reused). Never an authentication: the step is not continued by it (credential stays "") */
    char signed_in_with[48];
} idp_store_login_tx_t;

/** A live (unexpired) login transaction; IDP_E_NOT_FOUND otherwise. */
static inline idp_err_t idp_store_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
/**
 * Creates a login transaction living @p ttl seconds from @p tx (id,
 * client_id, redirect_uri, oidc_nonce, request, browser_hash, csrf,
 * session_sid, reauth, sign_step, signed_in_with).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_create(idp_store_t *s, const idp_store_login_tx_t *tx,
                                                                  int ttl);
/**
 * Before a new login transaction for browser @p browser_hash: *pending
 * receives the number of its live transactions, and @p reuse (64 bytes)
 * the id of a live one that no one has signed in to yet, made for the same
 * @p request from the same session @p session_sid ("" for none) and living
 * at least another @p min_left seconds ("" when there is none).
 */
static inline idp_err_t idp_store_login_tx_pending(idp_store_t *s, const unsigned char browser_hash[32],
                                                   const char *request, const char *session_sid, int min_left,
                                                   int *pending, char reuse[64]);
/**
 * Takes the authentication of a live transaction, exactly once: IDP_OK with
 * *out when a card or an upstream provider signed the resident in during
 * it and nobody has continued it yet; it is marked continued in the same
 * statement. IDP_E_NOT_FOUND otherwise (unknown, expired, never
 * authenticated, a consent step, or continued before).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_continue(idp_store_t *s, const char *id,
                                                                    idp_store_login_tx_t *out);
/** The resident declined the signing step of transaction @p id (IDP_E_NOT_FOUND when it is gone). */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_decline(idp_store_t *s, const char *id);

/**
 * Ends the pending login transactions of a browser (@p browser_hash, may be
 * NULL) and those begun in session @p sid (may be NULL): logout and
 * session end. *n (may be NULL) receives how many went.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_end(idp_store_t *s, const unsigned char *browser_hash,
                                                               const char *sid, int *n);
/**
 * Marks the transaction as signed in by @p resident_id with @p acr, by the
 * card or social account @p credential (idp_credential_key(); "" when the
 * browser's session signed it in).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_authenticate(idp_store_t *s, const char *id,
                                                                        const char *resident_id, const char *acr,
                                                                        const char *credential);
/** Ends a login transaction (it cannot be continued twice). IDP_E_NOT_FOUND if it was already gone. */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_delete(idp_store_t *s, const char *id);

typedef struct {
    char id[64];
    char login_tx[64];
    char purpose[8]; /* "auth", or "both": the card's two keys sign it (issue #15) */
    unsigned char nonce[32];
    long long expires_at;
    char status[16]; /* "pending", "authenticated", "failed" */
    char reason[32];
    bool used; /* taken for verification (idp_store_card_challenge_get only) */
} idp_store_card_challenge_t;

/**
 * Creates a challenge for a live login transaction, unless it already has
 * @p max_per_tx challenges (IDP_E_CONFLICT: rate limit) or is gone
 * (IDP_E_NOT_FOUND).
 */
IDP_STORE_WRITE static inline idp_err_t
idp_store_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl, int max_per_tx);
/**
 * Takes a challenge for verification, exactly once: IDP_OK with *out; else
 * IDP_E_NOT_FOUND (no such challenge), IDP_E_CONFLICT (already used) or
 * IDP_E_INVALID_GRANT (expired).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_challenge_take(idp_store_t *s, const char *id,
                                                                      idp_store_card_challenge_t *out);
/** Records the outcome of a taken challenge. */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_challenge_finish(idp_store_t *s, const char *id,
                                                                        const char *status, const char *reason);
/** Reads a challenge (for the status poll). */
static inline idp_err_t idp_store_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);

/* ---- applications signed with the card (issue #21; migration 0026) ---------------- */

typedef struct {
    char id[48];
    char login_tx[64]; /* the login transaction it was made in */
    char grant_id[64]; /* the grant whose code the transaction ended in, "" until then */
    char resident_id[64];
    char client_id[256];
    char application_id[72];
    char procedure_code[40];
    char procedure_name[256];
    char document_digest[48]; /* base64url SHA-256 of the document signed */
    char cert_serial[68], cert_issuer_key_id[68];
    long long signing_time, created_at;
    unsigned char *cms; /* the detached SignedData (DER); malloc'ed in a list's rows */
    size_t cms_len;
} idp_store_app_signature_t;

/** The resident and the purpose ("auth", "sign") of the card certificate whose SHA-256 is @p sha256. IDP_E_NOT_FOUND. */
static inline idp_err_t idp_store_card_cert_owner(idp_store_t *s, const unsigned char sha256[32], char resident_id[64],
                                                  char purpose[8]);
/** Records a signature with its audit row (application_signed), in one transaction. IDP_E_CONFLICT: its id exists. */
IDP_STORE_WRITE static inline idp_err_t idp_store_app_signature_insert(idp_store_t *s,
                                                                       const idp_store_app_signature_t *row);
/** Gives the signatures made in login transaction @p login_tx to grant @p grant_id (none: nothing changes). */
IDP_STORE_WRITE static inline idp_err_t idp_store_app_signatures_bind(idp_store_t *s, const char *login_tx,
                                                                      const char *grant_id);
/**
 * Signatures, newest first, of exactly one of: resident @p resident_id, grant
 * @p grant_id, login transaction @p login_tx (the others NULL). *rows and
 * their cms are malloc'ed: idp_store_app_signatures_free.
 */
static inline idp_err_t idp_store_app_signatures_list(idp_store_t *s, const char *resident_id, const char *grant_id,
                                                      const char *login_tx, idp_store_app_signature_t **rows,
                                                      size_t *n);
void idp_store_app_signatures_free(idp_store_app_signature_t *rows, size_t n);
/** The application_signed audit row's detail for @p row (JSON text, malloc'ed; NULL: out of memory): every store's. */
char *idp_store_app_signature_audit(const idp_store_app_signature_t *row);

/* ---- card identities ------------------------------------------------------ */

typedef struct {
    unsigned char sha256[32];
    const char *purpose;       /* "auth" or "sign" */
    const char *issuer_key_id; /* hex */
    const char *serial;        /* hex */
    long long not_after;
} idp_store_card_cert_t;

/**
 * The resident a card's authentication certificate belongs to: known
 * certificate, else through imported linkage from an older certificate (the
 * new one is then recorded), else a new resident with id @p new_id (with
 * @p new_id NULL: IDP_E_NOT_FOUND, nothing written). *created says which.
 * One transaction.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert,
                                                                const char *new_id, char resident_id[64],
                                                                bool *created);
/**
 * Links a card's authentication certificate to @p resident_id (a resident
 * signed in otherwise, adding the card; product.md §7). A certificate (or
 * its linkage predecessor) that already belongs to another resident is
 * IDP_E_CONFLICT; one that belongs to this resident is fine. Audited.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_link(idp_store_t *s, const idp_store_card_cert_t *cert,
                                                            const char *resident_id);

typedef struct {
    const char *name, *name_alt;
    const char *gender;     /* OpenID Connect Core §5.1: "female", "male", or NULL (decoded at enrolment) */
    const char *birth_date; /* YYYY-MM-DD (decoded at enrolment) */
    const char *address, *address_alt;
    bool sakai_resident;
    const char *sakai_ward; /* NULL outside Sakai */
    /* issue #15: the certificate's own values, kept for audit (jpki.md: "1"/"2", EYYYYMMDD) */
    const char *gender_raw, *birth_date_raw;
    const unsigned char *match_key; /* 32 bytes: the keyed digest of the four basic attributes (renewal), or NULL */
} idp_store_attrs_t;

/**
 * Enrols a signing certificate for @p resident_id and stores its verified
 * attributes (replacing older ones), sealed (see "attributes sealed at
 * rest"). IDP_E_CONFLICT if the certificate already belongs to another
 * resident.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_enrol_sign(idp_store_t *s, const char *resident_id,
                                                                  const idp_store_card_cert_t *cert,
                                                                  const idp_store_attrs_t *a);

/** Attributes verified by a card channel (an upstream of kind digital-auth-app): who and what it was. */
typedef struct {
    const char *upstream_id;
    const char *issuer, *subject; /* the upstream identity that signed in */
    const char *assurance;        /* the acr its ID token stated (e.g. "aal3 crl") */
    unsigned char sha256[32];     /* names the evidence where a certificate's hash would (idp_card_evidence_hash) */
} idp_store_evidence_t;

/**
 * Stores @p a as @p resident_id's verified attributes (replacing older ones),
 * sealed, with the card channel @p ev as their evidence, in one transaction
 * (issue #17). They go when that upstream identity is unlinked; a card's
 * signing certificate enrolled later replaces them (and its evidence).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_attrs_from_upstream(idp_store_t *s, const char *resident_id,
                                                                      const idp_store_evidence_t *ev,
                                                                      const idp_store_attrs_t *a);

/**
 * Keeps the authentication certificate @p cert of a card no resident holds
 * in transaction @p id, until the resident says whether it replaces an
 * earlier card. With @p checked, its signing certificate was read too, and
 * @p renew_resident ("" none) is the SakaI-D whose verified attributes it
 * matched. IDP_E_NOT_FOUND when the transaction is gone or continued.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_new_card(idp_store_t *s, const char *id,
                                                                    const idp_store_card_cert_t *cert, bool checked,
                                                                    const char *renew_resident);
/** Turns transaction @p id into a signing step (the card's two keys sign one challenge). */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_sign_step(idp_store_t *s, const char *id);

/* ---- a verified card, written at once (issue #16 §5) ------------------------------------------------ */

/** What a verified card came to (idp_store_card_verified). */
typedef enum {
    IDP_CARD_SIGNED_IN,      /* the login transaction is signed in by the card's resident */
    IDP_CARD_NEW_CARD,       /* nobody holds the card: it waits in the login transaction */
    IDP_CARD_MISMATCH,       /* a signing step read another card than the one signed in with */
    IDP_CARD_ALREADY_LINKED, /* the card being added belongs to another resident */
    IDP_CARD_SIGN_CONFLICT,  /* the signing certificate belongs to another resident */
    IDP_CARD_BAD_ATTRS,      /* the signing certificate's attributes did not decode (attrs NULL) */
    IDP_CARD_LOGIN_ENDED,    /* the login transaction is gone, expired or continued */
} idp_store_card_outcome_t;

/** Everything one card verification writes (oauth/card.c builds it once both signatures verified). */
typedef struct {
    const char *challenge_id; /* taken (idp_store_card_challenge_take) and still pending */
    const char *login_tx;
    const idp_store_card_cert_t *auth; /* the authentication certificate */
    const idp_store_card_cert_t *sign; /* with "both": the signing certificate, else NULL */
    const idp_store_attrs_t *attrs;    /* sign's attributes; NULL with sign: they did not decode */
    const char *link_resident;         /* "" or the resident signed in otherwise who adds this card */
    const char *expect_resident;       /* "" or, in a signing step, the resident the card must belong to */
    const char *fresh_id;              /* NULL, or a new resident's id when nobody holds the card */
    const char *renew_resident;        /* nobody holds it and no fresh_id: the SakaI-D it matched ("" none) */
    const char *acr, *credential;      /* idp_store_login_tx_authenticate's */
    const char *detail;                /* the audit rows' detail (JSON) */
} idp_store_card_result_t;

/**
 * Writes a verified card in one transaction: who holds it (a link to
 * r->link_resident, audited "credential_linked"; the known holder; a new
 * resident r->fresh_id; or, for nobody, idp_store_login_tx_new_card into
 * the login transaction), the signing certificate's enrolment with its
 * attributes (idp_store_card_enrol_sign), the login transaction's
 * authentication, the challenge's "authenticated" status, and the audit
 * rows "card_login" (or "card_login_new_card") and, with a signing
 * certificate, "card_enrolled". IDP_OK with *outcome; only
 * IDP_CARD_SIGNED_IN and IDP_CARD_NEW_CARD write anything, and then all of
 * it. Errors write nothing: IDP_E_CONFLICT when the challenge is not taken
 * and pending (a replay), IDP_E_NOT_FOUND when there is no such challenge,
 * store errors.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_card_verified(idp_store_t *s, const idp_store_card_result_t *r,
                                                                idp_store_card_outcome_t *outcome, char resident_id[64],
                                                                bool *created);

/** The resident whose verified attributes carry @p match_key (IDP_E_NOT_FOUND: none; IDP_E_CONFLICT: several). */
static inline idp_err_t idp_store_attrs_match(idp_store_t *s, const unsigned char match_key[32], char resident_id[64]);

/**
 * J-LIS 証明書紐付け情報: does imported pair linkage agree that signing
 * certificate (@p sign_issuer, @p sign_serial) was issued with
 * authentication certificate (@p auth_issuer, @p auth_serial)? IDP_OK when
 * it does or names neither; IDP_E_CONFLICT when a row names one of them
 * with another certificate.
 */
static inline idp_err_t idp_store_pair_check(idp_store_t *s, const char *sign_issuer, const char *sign_serial,
                                             const char *auth_issuer, const char *auth_serial);

typedef struct {
    char old_issuer_key_id[65], old_serial[65], new_issuer_key_id[65], new_serial[65];
} idp_store_linkage_t;

/** Imports linkage rows in one transaction (existing old certificates are updated). */
IDP_STORE_WRITE static inline idp_err_t idp_store_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows,
                                                                 size_t n);
/**
 * Imports pair linkage (証明書紐付け情報) in one transaction: in each row,
 * old_* is the signing certificate and new_* the authentication certificate
 * it was issued with (an existing signing certificate's row is replaced).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_pair_import(idp_store_t *s, const idp_store_linkage_t *rows,
                                                              size_t n);

/* ---- the authorization code flow (issue #4) ------------------------------ */

typedef struct {
    char sid[64];
    char resident_id[64];
    char acr[64];
    char amr[64]; /* space-separated */
    long long auth_time, expires_at;
} idp_store_session_t;

/** A live session by the SHA-256 of its cookie value; IDP_E_NOT_FOUND if none, ended or expired. */
static inline idp_err_t idp_store_session_get(idp_store_t *s, const unsigned char id_hash[32],
                                              idp_store_session_t *out);
/**
 * Signs a browser in after an authentication at @p auth_time (unix
 * seconds). When @p old_hash names a live session of the same resident,
 * that session takes the new cookie hash (the id rotates on every
 * sign-in), the new acr, amr, auth_time and @p credential, and keeps its
 * sid. Otherwise the old session (if any) is ended and a new one with sid
 * @p new_sid begins, living @p ttl seconds. *out receives the session.
 * @p credential (idp_credential_key()) is what idp_store_credential_unlink()
 * ends the session by.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_session_login(idp_store_t *s, const unsigned char *old_hash,
                                                                const unsigned char new_hash[32], const char *new_sid,
                                                                const char *resident_id, const char *acr,
                                                                const char *amr, const char *credential,
                                                                long long auth_time, int ttl, idp_store_session_t *out);

/** The claims @p resident_id has consented to for @p client_id and not revoked, space-separated (malloc'ed). */
static inline idp_err_t idp_store_consent_get(idp_store_t *s, const char *resident_id, const char *client_id,
                                              char **claims);
/**
 * An authorization request's reads in one (idp/oauth/flow.c): the live
 * session of the cookie hash @p id_hash as idp_store_session_get() reads it,
 * whether its resident has verified attributes (*has_attrs: a row that
 * idp_store_resident_attrs_get() finds), and the claims that resident has
 * consented to for @p client_id as idp_store_consent_get() gives them
 * (*consented, malloc'ed). IDP_E_NOT_FOUND, with nothing allocated, when no
 * live session has that hash.
 */
static inline idp_err_t idp_store_session_authz(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                                                idp_store_session_t *sess, bool *has_attrs, char **consented);
/**
 * Records a consent decision in one transaction: for "grant" the claims
 * (space-separated) are remembered for @p ttl seconds; every decision
 * ("grant" or "deny") is appended to the hash-chained consent ledger with
 * its @p actor ("resident", "admin") and the @p purpose the resident saw,
 * and the authorization_details consented to (@p details, RFC 9396: their
 * canonical text; NULL or "" for none), verbatim (hash_version 3).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_consent_record(idp_store_t *s, const char *resident_id,
                                                                 const char *client_id, const char *action,
                                                                 const char *claims, int ttl, const char *actor,
                                                                 const char *purpose, const char *details);

typedef struct {
    char id[64];
    char client_id[256];
    char resident_id[64];
    char sid[64];
    char scope[1024];
    char claims[1024];          /* consented claim names, space-separated */
    char id_token_claims[1024]; /* those of them asked for in the ID token (§5.5 claims parameter), or "" */
    char acr[64];
    char amr[64];
    long long auth_time;
    bool offline;                     /* offline_access: the grant outlives its session (OpenID Connect Core §11) */
    char dpop_jkt[48];                /* the DPoP key its tokens are bound to (RFC 9449 §6, §10), or "" */
    char authorization_details[4096]; /* what the resident consented to for one application (RFC 9396), or "" */
    char subject[64]; /* the sub its tokens carry, as the client sees the resident (OpenID Connect Core §8); "" for
                         a grant stored without it (before migration 0030) */
    /* the code's own fields */
    char redirect_uri[2048];
    char nonce[520];
    char code_challenge[132]; /* "" without PKCE */
} idp_store_grant_t;

/** Creates a grant and its authorization code (by hash), the code living @p code_ttl seconds and the grant @p grant_ttl. */
IDP_STORE_WRITE static inline idp_err_t idp_store_code_create(idp_store_t *s, const idp_store_grant_t *g,
                                                              const unsigned char code_hash[32], int code_ttl,
                                                              int grant_ttl);
/** What became of a code presented for redemption. */
typedef enum {
    IDP_CODE_VALID,          /* spendable: *out holds its grant; idp_store_code_spend spends it */
    IDP_CODE_UNKNOWN,        /* unknown, expired, or its grant is no longer live */
    IDP_CODE_REPLAYED,       /* spent before, and presented again by its own client with its verifier: the grant
                                and every token issued from it are now revoked (RFC 6749 §4.1.2) */
    IDP_CODE_WRONG_CLIENT,   /* issued to another client: nothing changed */
    IDP_CODE_WRONG_REDIRECT, /* another redirect_uri: nothing changed */
    IDP_CODE_WRONG_VERIFIER  /* the PKCE verifier does not match: nothing changed */
} idp_store_code_outcome_t;

/**
 * The first half of a code's redemption: is the code spendable by its own
 * client, redirect URI and PKCE verifier? @p challenge is S256 of the
 * verifier presented, or "" when none was (it must then be a code issued
 * without PKCE). All three are checked before anything changes, so a
 * stranger who learns a code can neither spend it nor revoke its grant. A
 * valid code is not spent here: idp_store_code_spend spends it together with
 * the answer's rows, in one commit. *outcome says what the code is; only
 * IDP_CODE_REPLAYED changes something (the grant is revoked, committed). The
 * return value is IDP_OK or a store error.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_code_redeem(idp_store_t *s, const unsigned char code_hash[32],
                                                              const char *client_id, const char *redirect_uri,
                                                              const char *challenge, idp_store_grant_t *out,
                                                              idp_store_code_outcome_t *outcome);
/**
 * The second half, after idp_store_code_redeem said IDP_CODE_VALID and the
 * tokens were signed. In one statement and one commit: code @p code_hash of
 * grant @p grant_id is spent if it still can be (unspent, unexpired, its
 * grant live), and then the new refresh token's hash (NULL: none), the access
 * token's jti and a "token" row in the resident's release history (the
 * client now knows who they are) naming the claims @p released in the ID
 * token ("" for none). A grant not yet bound to a DPoP key is bound to
 * @p dpop_jkt (NULL or "": none; RFC 9449 §5), as its refresh tokens are
 * from then on. IDP_E_CONFLICT: the code was spent, expired or its
 * grant ended since the check, and nothing was written (present it to
 * idp_store_code_redeem again to learn which: a replay revokes the grant).
 */
IDP_STORE_WRITE static inline idp_err_t
idp_store_code_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                     const unsigned char *refresh_hash, const char *jti, const char *client_id, const char *subject,
                     const char *scope, long long expires_at, const char *released, const char *dpop_jkt);
/**
 * A code's usual redemption in one statement and one commit, before the
 * tokens are signed. When code @p code_hash is spendable by @p client_id for
 * @p redirect_uri with @p challenge (the conditions of idp_store_code_redeem),
 * is not bound to a DPoP key other than @p dpop_jkt (RFC 9449 §10; NULL or
 * "": a proof of none), and its grant has its subject and asks for no claims
 * in the ID token: the code is spent, and with it the refresh token's hash
 * (NULL: none), the access token's jti with the grant's subject and scope,
 * expiring at @p expires_at, and a "token" release row naming no claim; a
 * grant not yet bound to a DPoP key is bound to @p dpop_jkt. *out is the
 * grant, with the code's fields. IDP_E_NOT_FOUND: nothing changed. The code
 * may still be valid (a grant with ID-token claims or without its subject):
 * redeem it with idp_store_code_redeem and idp_store_code_spend, which also
 * say why a code is refused and revoke the grant of a replayed one.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_code_exchange(idp_store_t *s, const unsigned char code_hash[32],
                                                                const char *client_id, const char *redirect_uri,
                                                                const char *challenge, const char *dpop_jkt,
                                                                const unsigned char *refresh_hash, const char *jti,
                                                                long long expires_at, idp_store_grant_t *out);
/**
 * The second half of a refresh (RFC 6749 §6), after the request was checked
 * against the token's grant (idp_store_refresh_get) and the new tokens were
 * signed. In one transaction: the old token @p old_hash of @p client_id is
 * spent, @p new_hash (NULL: none) joins its family, the new access token's
 * jti is stored, and, when @p released is not "", a "token" row goes to the
 * resident's release history. IDP_E_NOT_FOUND: unknown, another client's,
 * or its grant is no longer live (nothing changes). IDP_E_CONFLICT: the
 * token was spent meanwhile, and the whole family is now revoked (RFC 9700
 * §4.14.2). A failure leaves the token unspent, so the client can retry.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_refresh_exchange(idp_store_t *s, const unsigned char old_hash[32],
                                                                   const char *client_id, const unsigned char *new_hash,
                                                                   const char *jti, const char *subject,
                                                                   const char *scope, long long expires_at,
                                                                   const char *released);
/** Revokes a grant and everything issued from it. */
IDP_STORE_WRITE static inline idp_err_t idp_store_grant_revoke(idp_store_t *s, const char *grant_id);

/**
 * Stores an access token's jti, as part of grant @p grant_id (NULL for
 * client_credentials), durably: it returns after the row's commit. Rows of
 * concurrent requests share one commit (group commit, store_flow.c).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_access_token_insert(idp_store_t *s, const char *jti,
                                                                      const char *client_id, const char *subject,
                                                                      const char *scope, long long expires_at,
                                                                      const char *grant_id);

typedef struct {
    char client_id[256];
    char subject[256];
    char scope[1024];
    char grant_id[64]; /* "" for client_credentials */
    long long issued_at, expires_at;
    bool active; /* not revoked, not expired, grant live */
    bool spent;  /* a refresh token that was used before (its reuse revokes the family) */
} idp_store_token_info_t;

/** An access token by jti (IDP_E_NOT_FOUND if unknown). */
static inline idp_err_t idp_store_access_token_get(idp_store_t *s, const char *jti, idp_store_token_info_t *out);
/** A refresh token by hash, with its grant (IDP_E_NOT_FOUND if unknown). */
static inline idp_err_t idp_store_refresh_get(idp_store_t *s, const unsigned char token_hash[32],
                                              idp_store_grant_t *grant, idp_store_token_info_t *out);
/** Revokes one access token. */
IDP_STORE_WRITE static inline idp_err_t idp_store_access_token_revoke(idp_store_t *s, const char *jti);

/**
 * A grant by id, live or not (for UserInfo). *live says whether it is
 * neither revoked nor expired, and, unless it has offline_access, whether
 * the browser session it came from is still live.
 */
static inline idp_err_t idp_store_grant_get(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live);

/**
 * Verified attributes of a resident, opened (IDP_E_NOT_FOUND when none were
 * enrolled; IDP_E_SERVER_ERROR when a value does not open). Strings are
 * malloc'ed, NULL for an absent value: idp_store_resident_attrs_clear.
 */
typedef struct {
    char *name, *name_alt, *gender, *birth_date, *address, *address_alt, *sakai_ward;
    bool sakai_resident;
    long long verified_at;
    char *gender_raw, *birth_date_raw; /* issue #15: as the certificate carries them (NULL when not kept) */
    /* NULL: a card's signing certificate; else the card channel (upstream id) and its identity */
    char *evidence_upstream, *evidence_issuer, *evidence_subject, *evidence_assurance;
} idp_store_resident_attrs_t;
static inline idp_err_t idp_store_resident_attrs_get(idp_store_t *s, const char *resident_id,
                                                     idp_store_resident_attrs_t *out);
void idp_store_resident_attrs_clear(idp_store_resident_attrs_t *a);

/**
 * private_key_jwt: records a client assertion's jti until @p expires_at.
 * IDP_E_CONFLICT if the same client used it before (RFC 7523 §3).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_assertion_jti_use(idp_store_t *s, const char *client_id,
                                                                    const char *jti, long long expires_at);

/* ---- social login and linking (issue #5) ------------------------------------ */

typedef struct idp_store_upstream {
    char id[40];
    char *issuer, *client_id, *scopes, *display_name, *icon_uri; /* malloc'ed */
    /* "social", or "digital-auth-app": a card channel (migration 0014), whose sign-ins are card sign-ins
     * only when the ID token states every value of acr_values; it authenticates with private_key_jwt */
    char kind[24];
    char *acr_values; /* malloc'ed; "" for a social upstream */
    /* sealed under the KEK (aad "sakaid:upstream:" id): the client secret, or a card channel's private key (DER) */
    unsigned char *secret_enc;
    size_t secret_enc_len;
    bool enabled;
    long long created_at, updated_at;
} idp_store_upstream_t;

IDP_STORE_WRITE static inline idp_err_t idp_store_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u);
/** Replaces every field but the id (secret_enc NULL: unchanged). IDP_E_NOT_FOUND. */
IDP_STORE_WRITE static inline idp_err_t idp_store_upstream_update(idp_store_t *s, const idp_store_upstream_t *u);
static inline idp_err_t idp_store_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out);
/** All upstreams, by id; @p enabled_only for the login page. */
static inline idp_err_t idp_store_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows,
                                                size_t *n);
IDP_STORE_WRITE static inline idp_err_t idp_store_upstream_delete(idp_store_t *s, const char *id);
void idp_store_upstream_clear(idp_store_upstream_t *u);
void idp_store_upstreams_free(idp_store_upstream_t *rows, size_t n);

/** Records that a login transaction went to upstream @p upstream_id with @p state, @p nonce and PKCE @p verifier. */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_upstream(idp_store_t *s, const char *tx_id,
                                                                    const char *upstream_id, const char *state,
                                                                    const char *nonce, const char *verifier);
/**
 * Takes the live transaction that went upstream with @p state, once (the
 * state is cleared). IDP_E_NOT_FOUND otherwise.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_take_upstream(idp_store_t *s, const char *state,
                                                                         idp_store_login_tx_t *out,
                                                                         char upstream_id[40], char nonce[128],
                                                                         char verifier[160]);
/** Marks a transaction as adding a credential to @p resident_id. */
IDP_STORE_WRITE static inline idp_err_t idp_store_login_tx_link(idp_store_t *s, const char *tx_id,
                                                                const char *resident_id);

/**
 * The resident of social identity (@p issuer, @p subject). Unknown
 * identities: with @p link_to, linked to that resident (audited); without,
 * a new resident @p new_id (*created); with neither, IDP_E_NOT_FOUND and
 * nothing written (a lookup). IDP_E_CONFLICT when @p link_to is given and
 * the identity belongs to another resident. One transaction.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_social_resident(idp_store_t *s, const char *issuer,
                                                                  const char *subject, const char *upstream_id,
                                                                  const char *link_to, const char *new_id,
                                                                  char resident_id[64], bool *created);

typedef struct {
    char kind[8];      /* "card" or "social" */
    char issuer[512];  /* social: issuer; card: issuer key id */
    char subject[256]; /* social: sub; card: serial */
    char upstream_id[40];
    long long linked_at;
    long long expires_at; /* card: the certificate's notAfter; social: 0 */
} idp_store_credential_t;

/** The credentials linked to a resident (card authentication certificates, social identities). */
static inline idp_err_t idp_store_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows,
                                              size_t *n);
/**
 * Unlinks a way to sign in from @p resident_id: @p kind "social" (the
 * identity @p issuer, @p subject) or "card" (the authentication certificate
 * with issuer key id @p issuer and serial @p subject). When that was the
 * resident's last card, the signing certificates and the attributes they
 * verified go too (*verified_removed). The resident's other live sessions
 * that it signed in (@p credential, idp_credential_key()) end in the same
 * transaction, all but @p keep_sid (the session removing it); their sids
 * are returned in *ended (malloc'ed, *n_ended of them) for back-channel
 * logout. IDP_E_NOT_FOUND when it is not theirs; IDP_E_CONFLICT when it is
 * their last credential. Audited.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_credential_unlink(idp_store_t *s, const char *resident_id,
                                                                    const char *keep_sid, const char *kind,
                                                                    const char *issuer, const char *subject,
                                                                    const char *credential, bool *verified_removed,
                                                                    char (**ended)[64], size_t *n_ended);

/** Appends an audit event (@p detail: a JSON object text). */
IDP_STORE_WRITE static inline idp_err_t idp_store_audit(idp_store_t *s, const char *event, const char *resident_id,
                                                        const char *detail);

/* ---- the account, consent revocation, logout (issue #6) --------------------- */

typedef struct {
    char client_id[256];
    char claims[1024]; /* space-separated */
    long long granted_at, expires_at;
} idp_store_consent_t;

/** The live consents of a resident, by client. */
static inline idp_err_t idp_store_consents_list(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows,
                                                size_t *n);
/**
 * Revokes a resident's consent to @p client_id: one claim, or all (NULL).
 * In one transaction: the consent rows go, the ledger gets a "revoke" row
 * (@p actor), and every grant of that resident to that client is revoked
 * with its tokens. IDP_E_NOT_FOUND when there was nothing to revoke.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_consent_revoke(idp_store_t *s, const char *resident_id,
                                                                 const char *client_id, const char *claim,
                                                                 const char *actor);

/** Appends to the release history ("token" or "userinfo"). */
IDP_STORE_WRITE static inline idp_err_t idp_store_release(idp_store_t *s, const char *resident_id,
                                                          const char *client_id, const char *via, const char *claims);

typedef struct {
    char client_id[256];
    char via[16];
    char claims[1024];
    long long at;
} idp_store_release_t;

/** The newest @p limit releases of a resident. */
static inline idp_err_t idp_store_releases_list(idp_store_t *s, const char *resident_id, int limit,
                                                idp_store_release_t **rows, size_t *n);

typedef struct {
    char school_district[256];
    char area[256];
    char children[512];   /* "YYYY-MM" space-separated */
    long long updated_at; /* 0: never set */
} idp_store_household_t;

/** The household attributes, opened (all "" and updated_at 0 when never set; IDP_E_SERVER_ERROR when a value does not open). */
static inline idp_err_t idp_store_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out);
/** Replaces the household attributes, sealed. */
IDP_STORE_WRITE static inline idp_err_t idp_store_household_put(idp_store_t *s, const char *resident_id,
                                                                const idp_store_household_t *h);

/** The live sessions of a resident. */
static inline idp_err_t idp_store_sessions_list(idp_store_t *s, const char *resident_id, idp_store_session_t **rows,
                                                size_t *n);
/** Ends a session of @p resident_id by its sid (IDP_E_NOT_FOUND if none live). */
IDP_STORE_WRITE static inline idp_err_t idp_store_session_end_sid(idp_store_t *s, const char *resident_id,
                                                                  const char *sid);
/** Ends the session with cookie hash @p id_hash; *out receives it first. IDP_E_NOT_FOUND if none live. */
IDP_STORE_WRITE static inline idp_err_t idp_store_session_end(idp_store_t *s, const unsigned char id_hash[32],
                                                              idp_store_session_t *out);

/** The clients that hold grants from session @p sid (for back-channel logout), as a malloc'ed list of ids. */
static inline idp_err_t idp_store_session_clients(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n);

typedef struct {
    long long id;
    char client_id[256];
    char uri[2048];
    char *logout_token; /* malloc'ed */
    int attempts;
} idp_store_delivery_t;

/** Queues a Back-Channel Logout delivery. */
IDP_STORE_WRITE static inline idp_err_t idp_store_delivery_enqueue(idp_store_t *s, const char *client_id,
                                                                   const char *uri, const char *token);
/**
 * Leases up to @p max due deliveries for @p lease_seconds (other nodes skip
 * them meanwhile). Free with idp_store_deliveries_free.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_deliveries_due(idp_store_t *s, int max, int lease_seconds,
                                                                 idp_store_delivery_t **rows, size_t *n);
/**
 * The back-channel logout backlog: deliveries neither delivered nor given
 * up (due or waiting for a retry), and the age in seconds of the oldest (0
 * when there is none).
 */
static inline idp_err_t idp_store_deliveries_pending(idp_store_t *s, long long *count, long long *oldest_seconds);
void idp_store_deliveries_free(idp_store_delivery_t *rows, size_t n);
/** Records an attempt: delivered, or failed with @p error and the next try in @p retry_seconds (give up when < 0). */
IDP_STORE_WRITE static inline idp_err_t idp_store_delivery_result(idp_store_t *s, long long id, bool delivered,
                                                                  const char *error, int retry_seconds);

typedef struct {
    long long seq, at_us;
    char *resident_id, *client_id, *action, *claims, *actor, *purpose; /* malloc'ed */
    char *details; /* the authorization_details consented to (RFC 9396), "" when none; hash_version 3 covers them */
    int hash_version;
    unsigned char prev_hash[32], row_hash[32];
} idp_store_ledger_row_t;

/** The whole consent ledger in order, or one resident's rows (@p resident_id non-NULL). */
static inline idp_err_t idp_store_ledger_rows(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows,
                                              size_t *n);
void idp_store_ledger_rows_free(idp_store_ledger_row_t *rows, size_t n);
/**
 * Recomputes the consent ledger's chain over @p n rows read from the start
 * (docs/flow.md): true when it holds; otherwise false with the first bad
 * row's seq in *bad and what is wrong with it in *why.
 */
bool idp_store_ledger_verify(const idp_store_ledger_row_t *rows, size_t n, long long *bad, const char **why);

typedef struct {
    long long id, at;
    char event[64];
    char resident_id[64];
    char *detail; /* JSON text, malloc'ed */
} idp_store_audit_row_t;

/** Audit events, newest first, filtered by event and resident (NULL: any) and time (0: any). */
static inline idp_err_t idp_store_audit_list(idp_store_t *s, const char *event, const char *resident_id,
                                             long long since, int limit, idp_store_audit_row_t **rows, size_t *n);
void idp_store_audit_rows_free(idp_store_audit_row_t *rows, size_t n);

/* ---- outreach (migration 0027; issue #22, docs/outreach.md) ------------------------------ */

/*
 * The coarse attributes outreach works on, kept in clear for residents who
 * opted in to at least one category only, apart from the sealed verified
 * record. Months are year * 12 + month - 1; 0 is unknown.
 */
#define IDP_OUTREACH_CHILDREN_MAX 10
typedef struct {
    int birth_month;
    int gender;    /* 1 male, 2 female, 0 unknown */
    char ward[32]; /* a Sakai ward, "" when unknown or outside Sakai */
    bool sakai_resident;
    char school_district[256];
    int children[IDP_OUTREACH_CHILDREN_MAX]; /* months of birth */
    size_t nchildren;
} idp_store_outreach_profile_t;

/*
 * A segment's criteria, typed (oauth/outreach.c parses the outreach language
 * into them; they never become SQL text). Every field left at its "any"
 * value matches everyone who opted in to the category.
 */
#define IDP_OUTREACH_LIST_MAX 8
typedef struct {
    unsigned category_bit;    /* the category, one bit */
    int birth_from, birth_to; /* months of birth, inclusive; 0 and 0: any */
    int gender;               /* 1 male, 2 female, 0 any */
    char wards[IDP_OUTREACH_LIST_MAX][32];
    size_t nwards;      /* 0: any */
    int sakai_resident; /* 1 yes, 0 no, -1 any */
    char districts[IDP_OUTREACH_LIST_MAX][256];
    size_t ndistricts;        /* 0: any */
    int child_from, child_to; /* a child born in these months, inclusive; 0 and 0: any */
} idp_store_outreach_criteria_t;

/** Whether profile @p p, opted in to @p bits, matches @p c (the rule both stores follow; store/rows.c). */
bool idp_store_outreach_match(const idp_store_outreach_criteria_t *c, unsigned bits,
                              const idp_store_outreach_profile_t *p);

/** The categories @p resident_id opted in to, as bits (0: none). */
static inline idp_err_t idp_store_outreach_optins(idp_store_t *s, const char *resident_id, unsigned *bits);
/**
 * Turns category @p bit (named @p category) on or off for @p resident_id, in
 * one transaction: the profile row takes the bit (made from @p profile when
 * new; its attributes replaced by @p profile) or loses it (the row goes with
 * the last bit, and with it every coarse attribute); turned off, the
 * resident leaves the members of that category's campaigns that the portal
 * has not fetched yet; and the consent ledger gets a "grant" (on) or
 * "revoke" (off) row: client "sakaid:outreach", claims @p attributes,
 * purpose "outreach:<category>", actor "resident". *changed false and
 * nothing written when it was already so.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_outreach_optin_set(idp_store_t *s, const char *resident_id,
                                                                     unsigned bit, const char *category, bool on,
                                                                     const idp_store_outreach_profile_t *profile,
                                                                     const char *attributes, bool *changed);
/** Replaces the attributes of @p resident_id's profile, if the resident opted in to anything (else nothing). */
IDP_STORE_WRITE static inline idp_err_t idp_store_outreach_profile_refresh(idp_store_t *s, const char *resident_id,
                                                                           const idp_store_outreach_profile_t *p);
/** How many residents match @p c now. */
static inline idp_err_t idp_store_outreach_count(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n);
/**
 * For each of the @p n criteria @p others, how many residents match exactly one of it and @p a now (the
 * differencing guard): diffs[i]. store/pg compares several in one pass.
 */
static inline idp_err_t idp_store_outreach_differences(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                                                       const idp_store_outreach_criteria_t *others, size_t n,
                                                       long long *diffs);

typedef struct {
    char id[40];
    char category[32];
    char name[256];
    char criteria[2048]; /* the canonical text of the outreach language */
    char sponsor[256];   /* the partner client it is for, "" for the city */
    char created_by[300];
    long long created_at;
} idp_store_outreach_segment_t;

/** Stores a new segment (created_at: now). IDP_E_CONFLICT: the id is taken. */
IDP_STORE_WRITE static inline idp_err_t idp_store_outreach_segment_insert(idp_store_t *s,
                                                                          const idp_store_outreach_segment_t *row);
/** Segment @p id (@p id non-NULL; IDP_E_NOT_FOUND), or those created since @p since, newest first, at most @p limit. */
static inline idp_err_t idp_store_outreach_segments(idp_store_t *s, const char *id, long long since, int limit,
                                                    idp_store_outreach_segment_t **rows, size_t *n);

typedef struct {
    char id[40];
    char segment_id[40];
    char category[32];
    char criteria[2048];
    char attributes[128]; /* the attributes the criteria used, space-separated */
    char sponsor[256];
    char created_by[300];
    long long created_at;
    long long members;  /* at the send */
    long long released; /* of them fetched by the portal so far */
} idp_store_outreach_campaign_t;

/**
 * A send: campaign @p row (created_at and members filled in) and, in the
 * same transaction, its members: every resident matching @p c at this moment.
 * Fewer than @p min_members: IDP_E_CONFLICT and nothing written (row->members says how many).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_outreach_campaign_create(idp_store_t *s,
                                                                           idp_store_outreach_campaign_t *row,
                                                                           const idp_store_outreach_criteria_t *c,
                                                                           long long min_members);
/** Campaign @p id (non-NULL; IDP_E_NOT_FOUND), or the newest @p limit (of @p sponsor when non-NULL). */
static inline idp_err_t idp_store_outreach_campaigns(idp_store_t *s, const char *id, const char *sponsor, int limit,
                                                     idp_store_outreach_campaign_t **rows, size_t *n);
/**
 * A page of campaign @p campaign_id's members: at most @p limit resident ids
 * after @p after ("" from the start), in order. In the same transaction each
 * member not fetched before is marked released and gets a consent-ledger
 * "release" row (client @p client_id, claims "sub", purpose
 * "outreach:<category>:<campaign>", actor "resident"). free(*ids).
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_outreach_members_page(idp_store_t *s, const char *campaign_id,
                                                                        const char *after, int limit,
                                                                        const char *client_id, char (**ids)[64],
                                                                        size_t *n);

typedef struct {
    char campaign_id[40];
    char category[32];
    char attributes[128];
    long long at;          /* the send */
    long long released_at; /* when the portal fetched it, 0: not yet */
} idp_store_outreach_inclusion_t;

/** The campaigns that included @p resident_id, newest first (at most 200). free(*rows). */
static inline idp_err_t idp_store_outreach_inclusions(idp_store_t *s, const char *resident_id,
                                                      idp_store_outreach_inclusion_t **rows, size_t *n);

/* ---- expiry sweeping (maintenance.sweep_seconds) ------------------------------ */

/**
 * Deletes rows that expired and that nothing reads any more (access tokens,
 * codes, client-assertion ids, login transactions with their card
 * challenges, sessions, dead grants with their refresh tokens, finished
 * logout deliveries; store_sweep.c says what and when), in batches of one
 * short transaction each, for at most about a second; the rest waits for
 * the next call. Safe on several nodes at once (FOR UPDATE SKIP LOCKED).
 * Logs one "sweep" line when it deleted something. *deleted (may be NULL)
 * receives the number of rows deleted.
 */
IDP_STORE_WRITE static inline idp_err_t idp_store_sweep(idp_store_t *s, long long *deleted);

/* The domain tables and the idp_store_xxx() wrappers that dispatch through them. */
#include "store/ops.h"

#endif
