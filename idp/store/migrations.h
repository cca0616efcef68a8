/** The schema migrations embedded at build time from db/migrations/. */
#ifndef IDP_STORE_MIGRATIONS_H
#define IDP_STORE_MIGRATIONS_H

typedef struct {
    int version;
    const char *name;
    const char *sql;
} idp_migration_t;

extern const idp_migration_t idp_migrations[];
extern const int idp_migrations_count;

#endif
