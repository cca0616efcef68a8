/**
 * sakaid-admin: shared state and helpers of the commands. Output goes to
 * stdout (text, or JSON with --json); errors go to stderr, and with --json
 * also to stdout as {"error", "error_description"}.
 */
#ifndef IDP_ADMIN_ADMIN_H
#define IDP_ADMIN_ADMIN_H

#include <jansson.h>
#include <stdbool.h>

#include "config/config.h"
#include "core/err.h"
#include "jose/kek.h"
#include "keys/datakeys.h"
#include "store/store.h"

/* Exit statuses (README): */
#define ADMIN_OK 0
#define ADMIN_FAILED 1 /* not found, database unreachable, conflict */
#define ADMIN_USAGE 2  /* usage or validation error */

typedef struct {
    bool json;
    idp_config_t *cfg;
    idp_store_t *store; /* opened by admin_store() */
    idp_kek_t kek;
    bool kek_loaded;
    idp_datakeys_t *data_keys; /* loaded by admin_data_keys() */
    bool logged;               /* the command wrote its admin log row with its change (admin_apply) */
} admin_t;

/**
 * Makes change @p op and its row of the hash-chained admin log in one transaction (idp_store_admin_apply):
 * actor cli:<login name>, role operator, action @p group.@p name ("client.approve") on @p target, as main.c's row for the
 * other commands. The command is then logged: main.c writes no second row.
 */
idp_err_t admin_apply(admin_t *a, const idp_store_admin_op_t *op, const char *group, const char *name,
                      const char *target);
/** The actor of the admin log's rows of this command: "cli:" and the login name. */
void admin_actor(char out[96]);

/** Reports an error and returns the exit status for it. */
int admin_fail(admin_t *a, idp_err_t e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Reports a usage error (exit 2). */
int admin_usage(admin_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Explains a storage error (unreachable database, ...) and returns the exit status. */
int admin_store_fail(admin_t *a, idp_err_t e, const char *what);
/** Opens the store if needed; 0 or an exit status. */
int admin_store(admin_t *a);
/** Loads the KEK if needed; 0 or an exit status. */
int admin_kek(admin_t *a);
/**
 * Opens the store, loads the KEK and the data keys, and gives the store its
 * sealer (for commands that read or write attributes); with @p create_first,
 * creates the first data key when there is none. 0 or an exit status.
 */
int admin_data_keys(admin_t *a, bool create_first);
/** Seals the attribute rows migration 0013 left in clear (*sealed: how many); 0 or an exit status. */
int admin_seal_plaintext(admin_t *a, long long *sealed);
/** Prints @p j (JSON mode), steals the reference. */
/** A Unix time as JSON: the integer, or null for 0 (never). */
json_t *admin_time_json(long long t);
/** A Unix time as text: ISO 8601 UTC, or "-" for 0 (never). */
void admin_time_text(long long t, char *out, size_t n);
void admin_print_json(json_t *j);

int cmd_migrate(admin_t *a, int argc, char **argv);
int cmd_kek_init(admin_t *a, int argc, char **argv);
int cmd_keys_init(admin_t *a, int argc, char **argv);
int cmd_keys_list(admin_t *a, int argc, char **argv);
int cmd_keys_rotate(admin_t *a, int argc, char **argv);
int cmd_keys_retire(admin_t *a, int argc, char **argv);
int cmd_client_add(admin_t *a, int argc, char **argv);
int cmd_client_list(admin_t *a, int argc, char **argv);
int cmd_client_show(admin_t *a, int argc, char **argv);
int cmd_client_update(admin_t *a, int argc, char **argv);
int cmd_client_rotate_secret(admin_t *a, int argc, char **argv);
int cmd_client_remove(admin_t *a, int argc, char **argv);
int cmd_client_approve(admin_t *a, int argc, char **argv);
int cmd_client_sandbox(admin_t *a, int argc, char **argv);
int cmd_iat_issue(admin_t *a, int argc, char **argv);
int cmd_iat_list(admin_t *a, int argc, char **argv);
int cmd_iat_revoke(admin_t *a, int argc, char **argv);
int cmd_test_resident_add(admin_t *a, int argc, char **argv);
int cmd_test_resident_remove(admin_t *a, int argc, char **argv);
int cmd_test_resident_list(admin_t *a, int argc, char **argv);
int cmd_member_add(admin_t *a, int argc, char **argv);
int cmd_member_remove(admin_t *a, int argc, char **argv);
int cmd_member_list(admin_t *a, int argc, char **argv);
int cmd_role_grant(admin_t *a, int argc, char **argv);
int cmd_role_revoke(admin_t *a, int argc, char **argv);
int cmd_role_list(admin_t *a, int argc, char **argv);
int cmd_linkage_import(admin_t *a, int argc, char **argv);
int cmd_upstream_add(admin_t *a, int argc, char **argv);
int cmd_upstream_list(admin_t *a, int argc, char **argv);
int cmd_upstream_update(admin_t *a, int argc, char **argv);
int cmd_upstream_remove(admin_t *a, int argc, char **argv);
int cmd_upstream_jwks(admin_t *a, int argc, char **argv);
int cmd_audit_verify(admin_t *a, int argc, char **argv);
int cmd_audit_export(admin_t *a, int argc, char **argv);
int cmd_audit_list(admin_t *a, int argc, char **argv);
int cmd_data_key_list(admin_t *a, int argc, char **argv);
int cmd_data_key_rotate(admin_t *a, int argc, char **argv);
int cmd_data_key_reencrypt(admin_t *a, int argc, char **argv);

#endif
