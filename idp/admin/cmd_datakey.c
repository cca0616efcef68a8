/* sakaid-admin data-key list | rotate | reencrypt, and sealing what migration 0013 left in clear (docs/keys.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "admin/admin.h"
#include "keys/match.h"

#define BATCH_DEFAULT 100
#define BATCH_MAX 10000
#define PAUSE_MAX_MS 60000

/* idp_store_match_fn: the renewal digest under the subject key (@p ctx). */
static void match_key(void *ctx, const char *name, const char *gender_raw, const char *birth_date_raw,
                      const char *address, unsigned char out[32])
{
    idp_card_match_key(ctx, name, gender_raw, birth_date_raw, address, out);
}

int admin_data_keys(admin_t *a, bool create_first)
{
    char err[512];
    int rc, id = 0;
    if (a->data_keys)
        return 0;
    if ((rc = admin_store(a)) != 0 || (rc = admin_kek(a)) != 0)
        return rc;
    if (create_first) {
        idp_err_t e = idp_datakeys_create(a->store, &a->kek, true, &id);
        if (e != IDP_OK && e != IDP_E_CONFLICT)
            return admin_store_fail(a, e, "creating the first data key");
    }
    if ((a->data_keys = idp_datakeys_new(a->store, &a->kek)) == NULL)
        return admin_fail(a, IDP_E_NOMEM, "out of memory");
    idp_err_t e = idp_datakeys_load(a->data_keys, "admin", err, sizeof(err));
    if (e == IDP_E_UNAVAILABLE)
        return admin_store_fail(a, e, "loading data keys");
    if (e != IDP_OK)
        return admin_fail(a, e, "%s", err);
    if (idp_datakeys_active(a->data_keys) == 0)
        return admin_fail(a, IDP_E_NOT_FOUND, "there is no data key yet: run `sakaid-admin keys init`");
    idp_store_set_sealer(a->store, idp_datakeys_sealer(a->data_keys));
    return 0;
}

int admin_seal_plaintext(admin_t *a, long long *sealed)
{
    char err[512] = "";
    long long left = 0, moved = 0;
    int rc;
    *sealed = 0;
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_plaintext_count(a->store, &left);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "counting attributes stored in clear");
    if (left == 0)
        return 0;
    if ((rc = admin_data_keys(a, true)) != 0)
        return rc;
    /* Renewal by re-verification finds residents by the digest sakaid computes at enrolment (docs/card.md). */
    unsigned char subject_key[32];
    idp_kek_derive(&a->kek, IDP_SUBJECT_KEY_LABEL, subject_key);
    /* One short transaction per batch: a run cut short leaves every row either in clear or sealed, never lost. */
    do {
        if ((e = idp_store_plaintext_seal(a->store, 500, match_key, subject_key, &moved, err, sizeof(err))) == IDP_OK)
            *sealed += moved;
    } while (e == IDP_OK && moved > 0);
    OPENSSL_cleanse(subject_key, sizeof(subject_key));
    if (e != IDP_OK)
        return err[0] ? admin_fail(a, e, "sealing attributes stored in clear: %s", err)
                      : admin_store_fail(a, e, "sealing attributes stored in clear");
    return 0;
}

int cmd_data_key_list(admin_t *a, int argc, char **argv)
{
    idp_store_data_key_t *rows = NULL;
    size_t n = 0;
    int rc;
    (void)argv;
    if (argc > 0)
        return admin_usage(a, "data-key list takes no arguments");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_data_keys_list(a->store, true, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "data-key list");
    json_t *out = json_array();
    if (!a->json)
        printf("%-6s %-9s %-20s %-20s %-20s %s\n", "ID", "STATE", "CREATED", "RETIRING", "RETIRED", "ROWS");
    for (size_t i = 0; i < n; i++) {
        if (a->json) {
            json_array_append_new(
                out, json_pack("{s:i, s:s, s:I, s:o, s:o, s:I}", "id", rows[i].id, "state", rows[i].state, "created_at",
                               (json_int_t)rows[i].created_at, "retiring_at", admin_time_json(rows[i].retiring_at),
                               "retired_at", admin_time_json(rows[i].retired_at), "rows", (json_int_t)rows[i].rows));
        } else {
            char c[32], ring[32], red[32];
            admin_time_text(rows[i].created_at, c, sizeof(c));
            admin_time_text(rows[i].retiring_at, ring, sizeof(ring));
            admin_time_text(rows[i].retired_at, red, sizeof(red));
            printf("%-6d %-9s %-20s %-20s %-20s %lld\n", rows[i].id, rows[i].state, c, ring, red, rows[i].rows);
        }
    }
    idp_store_data_keys_free(rows, n);
    if (a->json)
        admin_print_json(out);
    else
        json_decref(out);
    return ADMIN_OK;
}

/* --batch N (rows per transaction) and --pause-ms MS (between batches, to spare a busy database). */
static int batch_options(admin_t *a, const char *cmd, int argc, char **argv, int *batch, int *pause_ms)
{
    *batch = BATCH_DEFAULT;
    *pause_ms = 0;
    for (int i = 0; i < argc; i++) {
        char *end = NULL;
        long v;
        if ((!strcmp(argv[i], "--batch") || !strcmp(argv[i], "--pause-ms")) && i + 1 < argc) {
            v = strtol(argv[i + 1], &end, 10);
            if (end == argv[i + 1] || *end != '\0')
                return admin_usage(a, "%s: %s needs a number", cmd, argv[i]);
            if (!strcmp(argv[i], "--batch")) {
                if (v < 1 || v > BATCH_MAX)
                    return admin_usage(a, "%s: --batch must be 1 to %d", cmd, BATCH_MAX);
                *batch = (int)v;
            } else {
                if (v < 0 || v > PAUSE_MAX_MS)
                    return admin_usage(a, "%s: --pause-ms must be 0 to %d", cmd, PAUSE_MAX_MS);
                *pause_ms = (int)v;
            }
            i++;
        } else {
            return admin_usage(a, "%s: unknown argument %s (usage: data-key %s [--batch N] [--pause-ms MS])", cmd,
                               argv[i], cmd);
        }
    }
    return 0;
}

/*
 * Seals again under the active key every row still under a retiring key,
 * one batch (one short transaction) at a time, then retires the keys no row
 * uses. Prints the outcome.
 */
static int reseal_and_retire(admin_t *a, const char *cmd, int batch, int pause_ms, int created)
{
    char err[512] = "";
    long long found = 0, total = 0;
    idp_err_t e;
    for (;;) {
        if ((e = idp_store_data_reseal(a->store, batch, &found, err, sizeof(err))) != IDP_OK)
            return err[0] ? admin_fail(a, e, "data-key %s: %s; nothing was retired", cmd, err)
                          : admin_store_fail(a, e, "re-sealing attributes");
        if (found == 0)
            break;
        total += found;
        if (pause_ms > 0) {
            struct timespec ts = {.tv_sec = pause_ms / 1000, .tv_nsec = (long)(pause_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    int retired[64];
    size_t nretired = 0;
    if ((e = idp_store_data_keys_retire(a->store, retired, sizeof(retired) / sizeof(retired[0]), &nretired)) != IDP_OK)
        return admin_store_fail(a, e, "retiring data keys");
    int active = idp_datakeys_active(a->data_keys);
    if (a->json) {
        json_t *ids = json_array();
        for (size_t i = 0; i < nretired; i++)
            json_array_append_new(ids, json_integer(retired[i]));
        json_t *out = json_pack("{s:i, s:I, s:o}", "active", active, "resealed", (json_int_t)total, "retired", ids);
        if (created)
            json_object_set_new(out, "created", json_integer(created));
        admin_print_json(out);
    } else {
        if (created)
            printf("created data key %d: new values are sealed with it\n", created);
        printf("sealed %lld row%s again under data key %d\n", total, total == 1 ? "" : "s", active);
        for (size_t i = 0; i < nretired; i++)
            printf("retired data key %d (its sealed key is erased)\n", retired[i]);
    }
    return ADMIN_OK;
}

int cmd_data_key_rotate(admin_t *a, int argc, char **argv)
{
    char err[512];
    int batch, pause_ms, rc, id = 0;
    if ((rc = batch_options(a, "rotate", argc, argv, &batch, &pause_ms)) != 0)
        return rc;
    if ((rc = admin_data_keys(a, false)) != 0)
        return rc;
    idp_err_t e = idp_datakeys_create(a->store, &a->kek, false, &id);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "data-key rotate");
    /* This tool's own set learns the new key now; nodes on their next refresh, write or read under it. */
    if ((e = idp_datakeys_load(a->data_keys, "rotate", err, sizeof(err))) != IDP_OK)
        return admin_fail(
            a, e, "data-key rotate: data key %d was created, but: %s; run `sakaid-admin data-key reencrypt`", id, err);
    return reseal_and_retire(a, "rotate", batch, pause_ms, id);
}

int cmd_data_key_reencrypt(admin_t *a, int argc, char **argv)
{
    int batch, pause_ms, rc;
    if ((rc = batch_options(a, "reencrypt", argc, argv, &batch, &pause_ms)) != 0)
        return rc;
    if ((rc = admin_data_keys(a, false)) != 0)
        return rc;
    return reseal_and_retire(a, "reencrypt", batch, pause_ms, 0);
}
