#include "gsimage/util/strvec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/util/xalloc.h"

void gs_strvec_push_owned(gs_strvec_t *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void gs_strvec_push(gs_strvec_t *sv, const char *s)
{
	gs_strvec_push_owned(sv, xstrdup(s));
}

void gs_strvec_pushf(gs_strvec_t *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = x_vasprintf(fmt, ap);
	va_end(ap);
	gs_strvec_push_owned(sv, s);
}

void gs_strvec_push_all(gs_strvec_t *sv, const gs_strvec_t *from)
{
	for (size_t i = 0; i < from->n; i++)
		gs_strvec_push(sv, from->v[i]);
}

long gs_strvec_find(const gs_strvec_t *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return (long)i;
	return -1;
}

static long env_index(const gs_strvec_t *env, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=')
			return (long)i;
	return -1;
}

void gs_strvec_setenv(gs_strvec_t *env, const char *key, const char *value)
{
	char *kv = x_asprintf("%s=%s", key, value);
	long i = env_index(env, key);
	if (i >= 0) {
		free(env->v[i]);
		env->v[i] = kv;
	} else {
		gs_strvec_push_owned(env, kv);
	}
}

const char *gs_envp_get(char *const *envp, const char *key)
{
	size_t n = strlen(key);
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *gs_strvec_getenv(const gs_strvec_t *env, const char *key)
{
	long i = env_index(env, key);
	return i >= 0 ? env->v[i] + strlen(key) + 1 : NULL;
}

void gs_strvec_split(gs_strvec_t *sv, const char *s, char sep)
{
	const char *start = s;
	for (;;) {
		const char *end = strchr(start, sep);
		if (!end) {
			gs_strvec_push(sv, start);
			return;
		}
		gs_strvec_push_owned(sv, xstrndup(start, (size_t)(end - start)));
		start = end + 1;
	}
}

char *gs_strvec_join(const gs_strvec_t *sv, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + seplen;
	char *out = xmalloc(len), *p = out;
	*p = '\0';
	for (size_t i = 0; i < sv->n; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(sv->v[i]);
		memcpy(p, sv->v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

void gs_strvec_release(gs_strvec_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}
