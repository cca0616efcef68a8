/*
 * What the admin API (admin_api.c) and the console (console.c) share: the
 * roles, the caller, and the operations, each of which writes its row of
 * the hash-chained admin log (a change in the same transaction). The API
 * authorises by a token bound to one role; the console by a card session of
 * a resident who holds roles. Both render the operations' results
 * (docs/admin.md).
 */
#ifndef IDP_OAUTH_ADMIN_H
#define IDP_OAUTH_ADMIN_H

#include <jansson.h>
#include <stdbool.h>

#include "jose/key.h"
#include "oauth/oauth.h"

struct idp_upstream_fields; /* federation/upstream_row.h */

/* The roles (docs/admin.md "Roles"), as bits. */
enum {
    IDP_ADMIN_VIEWER = 1 << 0,
    IDP_ADMIN_CLIENT_OPERATOR = 1 << 1,
    IDP_ADMIN_KEY_OPERATOR = 1 << 2,
    IDP_ADMIN_HELP_DESK = 1 << 3,
    IDP_ADMIN_AUDITOR = 1 << 4,
    IDP_ADMIN_OUTREACH_PLANNER = 1 << 5, /* issue #22: segments and campaigns (docs/outreach.md) */
};

/** The name of role @p bit ("client-operator"), NULL for none; and the bit of a name, 0 for none. */
const char *idp_admin_role_name(unsigned bit);
unsigned idp_admin_role_bit(const char *name);

/** Who calls: the actor ("client:ID", "resident:ID") and the role this call is made in. */
typedef struct {
    char actor[300];
    const char *role;
} idp_admin_caller_t;

/**
 * RFC 6750: the bearer token is one of ours, live, and carries exactly one admin role, one of @p allowed. 401
 * without a usable token, 403 insufficient_scope when the role may not call the route (logged "denied:<action>").
 */
idp_outcome_t idp_admin_authorise(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, unsigned allowed,
                                  const char *action, idp_admin_caller_t *who);

/** Makes change @p op and writes its log row (@p before and @p after: JSON, may be NULL) in one transaction. */
idp_outcome_t idp_admin_apply(idp_oauth_t *o, const idp_admin_caller_t *who, const idp_store_admin_op_t *op,
                              const char *action, const char *target, json_t *before, json_t *after);
/** A read's log row. */
idp_outcome_t idp_admin_read(idp_oauth_t *o, const idp_admin_caller_t *who, const char *action, const char *target);

/* The operations; *result is the caller's (json_decref) on success. */
idp_outcome_t idp_admin_clients_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *q, const char *org,
                                   const char *sandbox, json_t **result);
idp_outcome_t idp_admin_client_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *client_id,
                                  json_t **result);
/**
 * A new client from metadata @p in, validated as sakaid-admin's: live, or with @p organisation in that
 * organisation's sandbox (the partner portal's). *result: client_id, metadata and the secret, shown once.
 */
idp_outcome_t idp_admin_client_create_as(idp_oauth_t *o, idp_oauth_req_t *req, const idp_admin_caller_t *who,
                                         json_t *in, const char *organisation, json_t **result);
/**
 * Client @p client_id's metadata replaced by @p in (residents keep their sub: OpenID Connect Core §8.1); a client
 * that now needs a secret gets one (in *result, shown once), one that no longer does loses it.
 */
idp_outcome_t idp_admin_client_update_as(idp_oauth_t *o, idp_oauth_req_t *req, const idp_admin_caller_t *who,
                                         const char *client_id, json_t *in, json_t **result);
/**
 * approve (sandbox false), sandbox, suspend, resume, rotate the secret (its answer holds the new secret: shown
 * once), or a partner's request for approval (a sandbox client only: 409 otherwise).
 */
idp_outcome_t idp_admin_client_change(idp_oauth_t *o, const idp_admin_caller_t *who, const char *client_id,
                                      idp_store_admin_op_kind_t kind, bool flag, const char *action, const char *reason,
                                      long long now, json_t **result);
idp_outcome_t idp_admin_keys_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);
idp_outcome_t idp_admin_keys_rotate_as(idp_oauth_t *o, const idp_admin_caller_t *who, idp_alg_t alg, bool force,
                                       const char *reason, json_t **result);
/** The upstream providers as the API shows them (never a secret or key). */
idp_outcome_t idp_admin_upstreams_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);
/**
 * Upstream @p id added (@p add) or changed from fields @p f (federation/upstream_row.h), the issuer checked
 * through discovery when given, with its log row; *result: the upstream shown, with a card channel's new jwks.
 */
idp_outcome_t idp_admin_upstream_write_as(idp_oauth_t *o, idp_oauth_req_t *req, const idp_admin_caller_t *who,
                                          const char *id, bool add, const struct idp_upstream_fields *f,
                                          json_t **result);
/** The signing keys' rotation schedules (migration 0021). */
idp_outcome_t idp_admin_key_schedules_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);
/** A rotation step of @p alg every @p every_days, the first at @p next_at (0: every_days from @p now). */
idp_outcome_t idp_admin_key_schedule_set_as(idp_oauth_t *o, const idp_admin_caller_t *who, idp_alg_t alg,
                                            long long every_days, long long next_at, long long now, const char *reason);
/** Cancels @p alg's schedule (IDP_E_NOT_FOUND: there was none). */
idp_outcome_t idp_admin_key_schedule_cancel_as(idp_oauth_t *o, const idp_admin_caller_t *who, idp_alg_t alg,
                                               const char *reason);
/** The daily statistics of @p client_id from day @p from_day to @p to_day (days since 1970 in Japan), k-thresholded. */
idp_outcome_t idp_admin_statistics_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *client_id,
                                      long from_day, long to_day, json_t **result);
/** Today in Japan (UTC+9), as days since 1970-01-01. */
long idp_admin_today(long long now);
/** The residents client @p client_id knows by @p sub (the help desk's lookup), as the API shows them. */
idp_outcome_t idp_admin_residents_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *client_id,
                                     const char *sub, json_t **result);
/** Resident @p id's state as the help desk sees it (no attribute); IDP_E_NOT_FOUND. */
idp_outcome_t idp_admin_resident_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id, json_t **result);
/**
 * The help desk's change @p kind (lock or unlock by @p flag, or end sessions) of resident @p id, with @p reason
 * (1 to 500 characters), logged with the state before and after; *result: the resident as the API shows them.
 */
idp_outcome_t idp_admin_resident_change(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id,
                                        idp_store_admin_op_kind_t kind, bool flag, const char *action,
                                        const char *reason, json_t **result);
/** The audit events, newest first: of @p event and @p resident when given (NULL: any), since @p since, at most @p limit. */
idp_outcome_t idp_admin_audit_events_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *event,
                                        const char *resident, long long since, int limit, json_t **result);
idp_outcome_t idp_admin_verify_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);

/* ---- outreach (outreach.c; issue #22, docs/outreach.md) ---- */

/** A segment to define: a category, a name, criteria in the outreach language, and a partner client or NULL. */
typedef struct {
    const char *category, *name, *criteria, *sponsor;
} idp_outreach_segment_in_t;

/** Defines a segment (its log row first; a refusal's words in @p arena, the request's); *result: the segment with its count as shown and whether it may be sent. */
idp_outcome_t idp_outreach_define_as(idp_oauth_t *o, idp_arena_t *arena, const idp_admin_caller_t *who, long long now,
                                     const idp_outreach_segment_in_t *in, json_t **result);
/** Segment @p id with its count now. */
idp_outcome_t idp_outreach_segment_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id, long long now,
                                      json_t **result);
/** The newest segments (no counts). */
idp_outcome_t idp_outreach_segments_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);
/** Sends segment @p id: a campaign (IDP_E_CONFLICT under k or on differencing). */
idp_outcome_t idp_outreach_send_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id, long long now,
                                   json_t **result);
/** The newest campaigns, members as shown (rounded, "<k"). */
idp_outcome_t idp_outreach_campaigns_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result);

#endif
