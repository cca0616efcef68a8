/**
 * Outbound HTTP: every request sakaid or sakaid-admin sends to another
 * party's server goes through idp_net_perform, which holds the policy:
 *
 *   - https with TLS verification; plain http only to a loopback host
 *     (127.0.0.0/8, ::1, or "localhost", whose connection must land on a
 *     loopback address: checked again when the socket is opened);
 *   - the protocols http and https only;
 *   - a timeout for the whole exchange, connecting included (each caller
 *     chooses it, at most IDP_NET_MAX_TIMEOUT_MS);
 *   - a cap on the response body (each caller chooses it);
 *   - no redirects: a 3xx answer is returned as it is, Location not followed;
 *   - no proxy taken from the environment (http_proxy, HTTPS_PROXY, ...):
 *     only idp_net_t.proxy, when it is configured.
 *
 * Callers: client jwks_uri (oauth/client_auth.c), back-channel logout
 * delivery (oauth/logout.c), upstream providers (federation/federation.c),
 * sector_identifier_uri (admin/fetch.c) and the platform operator's
 * revocation API (revocation/operator.c).
 *
 * The seam: idp_net_t.transport replaces libcurl (tests pass a fake). The
 * URL policy is checked before the transport is called, whichever it is.
 */
#ifndef IDP_NET_HTTP_CLIENT_H
#define IDP_NET_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/** No caller may wait longer than this on one exchange. */
#define IDP_NET_MAX_TIMEOUT_MS 30000

typedef enum {
    IDP_NET_GET,
    IDP_NET_POST_FORM, /* body: application/x-www-form-urlencoded */
    IDP_NET_POST_JSON, /* body: application/json (RFC 8259) */
} idp_net_method_t;

/** One request. Strings are the caller's; they are read during idp_net_perform only. */
typedef struct {
    idp_net_method_t method;
    const char *url;
    const char *form;       /* IDP_NET_POST_FORM: the encoded body; IDP_NET_POST_JSON: the JSON text */
    const char *accept;     /* the Accept header, or NULL for none */
    const char *basic_user; /* non-NULL: HTTP Basic (RFC 7617) with basic_pass, sent as given */
    const char *basic_pass;
    const char *
        bearer; /* non-NULL: "Authorization: Bearer" with this token (RFC 6750 §2.1; a UserInfo endpoint, the operator); not with basic_user */
    long timeout_ms;        /* the whole exchange; 1 .. IDP_NET_MAX_TIMEOUT_MS */
    size_t max_bytes;       /* the body's cap; 0: the body is read and dropped */
    const char *user_agent; /* NULL: "sakaid" */
} idp_net_req_t;

/** One answer. body is owned: idp_net_resp_free, on every path. */
typedef struct {
    long status; /* the HTTP status; 0 when no answer arrived */
    idp_buf_t body;
} idp_net_resp_t;

typedef struct idp_net idp_net_t;

/**
 * A transport: sends @p req (already checked against the policy) and fills
 * @p resp, whose body idp_net_perform initialised with req->max_bytes.
 * Returns as idp_net_perform does.
 */
typedef idp_err_t (*idp_net_transport_fn)(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp,
                                          char *err, size_t errlen);

/** A client. All-zero (or a NULL pointer where one is taken) is libcurl with no proxy. */
struct idp_net {
    idp_net_transport_fn transport; /* NULL: idp_net_curl */
    void *ctx;                      /* the transport's own (a fake's state) */
    const char *proxy;              /* NULL: no proxy at all, whatever the environment says */
};

/**
 * Sends @p req through @p net (NULL: libcurl) under the policy above.
 * Returns IDP_OK when an answer arrived within the limits, whatever its
 * status (resp->status; a 3xx is not followed). Otherwise, with the reason
 * in @p err (no URL in it: the caller names what it fetched):
 *   IDP_E_INVALID_REQUEST  the URL is refused by the policy (nothing was sent),
 *                          or @p req is malformed (no URL, a timeout out of range);
 *   IDP_E_UNAVAILABLE      unreachable, timed out, TLS failed;
 *   IDP_E_TOO_LARGE        the body is over req->max_bytes;
 *   IDP_E_NOMEM.
 * resp->body may hold part of a refused answer; free it either way.
 */
idp_err_t idp_net_perform(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                          size_t errlen);

/** Wipes and frees the body (it may have held tokens). */
void idp_net_resp_free(idp_net_resp_t *resp);

/** True if the policy lets a request go to @p url: https, or http to a loopback host. */
bool idp_net_url_allowed(const char *url);

/** The libcurl transport (the default). */
idp_err_t idp_net_curl(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err, size_t errlen);

/** libcurl's global set-up and tear-down: call once, before and after any other thread runs. */
idp_err_t idp_net_global_init(void);
void idp_net_global_cleanup(void);

/*
 * A GET of a small document named in a client's registration (its
 * sector_identifier_uri, OpenID Connect Core §8.1), by sakaid-admin and by
 * POST /register alike. It has the shape of idp_fetch_fn
 * (client/client_meta.h): @p ctx is the idp_net_t to send it through.
 */
/** The whole exchange, connecting included, ends after this long. */
#define IDP_NET_FETCH_DOC_TIMEOUT_MS 5000
/**
 * GETs @p uri into @p body (initialised by the caller, whose maximum is the
 * size cap) under the module's policy: https with TLS verification, or plain
 * http only to a loopback host; no redirects; IDP_NET_FETCH_DOC_TIMEOUT_MS.
 * Returns IDP_OK for a 200 answer that fits; otherwise, with a message in
 * @p err that names @p uri:
 *   IDP_E_INVALID_REQUEST  a URI that is not https (http only to loopback);
 *   IDP_E_UNAVAILABLE      unreachable, timed out, TLS failed, or a status other than 200;
 *   IDP_E_TOO_LARGE        a body over body->max bytes.
 * The body may hold part of a refused answer; the caller frees it either way.
 */
idp_err_t idp_net_fetch_doc(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen);

#endif
