/**
 * A per-request arena: many small allocations, one free at the end of the
 * request. Allocation fails (returns NULL) once the arena's budget is spent,
 * so a hostile request cannot grow a worker without bound.
 */
#ifndef IDP_CORE_ARENA_H
#define IDP_CORE_ARENA_H

#include <stddef.h>

typedef struct idp_arena_chunk idp_arena_chunk_t;

typedef struct {
    idp_arena_chunk_t *head;
    size_t used_total; /* bytes handed out, all chunks */
    size_t budget;     /* hard cap on used_total */
    char first[4096];  /* the first chunk lives inline: most requests never malloc */
    size_t first_used;
} idp_arena_t;

void idp_arena_init(idp_arena_t *a, size_t budget);
/** 16-byte aligned memory owned by the arena, or NULL when over budget / out of memory. */
void *idp_arena_alloc(idp_arena_t *a, size_t n);
char *idp_arena_strndup(idp_arena_t *a, const char *s, size_t n);
char *idp_arena_strdup(idp_arena_t *a, const char *s);
/** Frees everything the arena handed out; the arena can be reused after idp_arena_init. */
void idp_arena_free(idp_arena_t *a);

#endif
