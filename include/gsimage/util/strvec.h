/* A growable, always NULL-terminated vector of owned strings: argv, envp,
 * lists of tags and platforms. */
#ifndef GSIMAGE_UTIL_STRVEC_H
#define GSIMAGE_UTIL_STRVEC_H

#include <stddef.h>

typedef struct gs_strvec {
	char **v;   /* v[n] == NULL whenever v != NULL */
	size_t n;
	size_t cap;
} gs_strvec_t;

#define GS_STRVEC_INIT {NULL, 0, 0}

void gs_strvec_push(gs_strvec_t *sv, const char *s);
void gs_strvec_pushf(gs_strvec_t *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take ownership of s (which must come from malloc). */
void gs_strvec_push_owned(gs_strvec_t *sv, char *s);
void gs_strvec_push_all(gs_strvec_t *sv, const gs_strvec_t *from);
/* Index of s in sv, or -1. */
long gs_strvec_find(const gs_strvec_t *sv, const char *s);
/* Set "KEY=value" in an environment vector, replacing any KEY= already there. */
void gs_strvec_setenv(gs_strvec_t *env, const char *key, const char *value);
/* The value of KEY in an environment vector, or NULL (borrowed). */
const char *gs_strvec_getenv(const gs_strvec_t *env, const char *key);

/* The value of key in a NULL-terminated KEY=VALUE array (NULL: none there),
 * or NULL.  Borrowed. */
const char *gs_envp_get(char *const *envp, const char *key);
/* Split s at each sep and push the pieces (empty pieces kept). */
void gs_strvec_split(gs_strvec_t *sv, const char *s, char sep);
/* A freshly allocated "a b c" (sep-joined) string; the caller frees it. */
char *gs_strvec_join(const gs_strvec_t *sv, const char *sep);
void gs_strvec_release(gs_strvec_t *sv);

static inline void gs_strvec_cleanup(gs_strvec_t *sv)
{
	gs_strvec_release(sv);
}
#define cleanup_strvec __attribute__((cleanup(gs_strvec_cleanup)))

#endif
