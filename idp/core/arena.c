#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct idp_arena_chunk {
    idp_arena_chunk_t *next;
    size_t size, used;
    _Alignas(16) char data[];
};

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

void idp_arena_init(idp_arena_t *a, size_t budget)
{
    a->head = NULL;
    a->used_total = 0;
    a->budget = budget;
    a->first_used = 0;
}

void *idp_arena_alloc(idp_arena_t *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > a->budget)
        return NULL;
    size_t need = ALIGN16(n);
    if (need > a->budget - a->used_total)
        return NULL;
    /* inline first chunk; the offset is aligned relative to a 16-aligned start */
    uintptr_t base = (uintptr_t)a->first;
    size_t off = (size_t)(ALIGN16(base + a->first_used) - base);
    if (off + n <= sizeof(a->first)) {
        a->first_used = off + n;
        a->used_total += need;
        return a->first + off;
    }
    idp_arena_chunk_t *c = a->head;
    if (c == NULL || c->size - c->used < need) {
        size_t size = need > 16384 ? need : 16384;
        c = malloc(sizeof(*c) + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

char *idp_arena_strndup(idp_arena_t *a, const char *s, size_t n)
{
    char *p = idp_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *idp_arena_strdup(idp_arena_t *a, const char *s)
{
    return idp_arena_strndup(a, s, strlen(s));
}

void idp_arena_free(idp_arena_t *a)
{
    idp_arena_chunk_t *c = a->head;
    while (c) {
        idp_arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used_total = 0;
    a->first_used = 0;
}
