/* UTF-8 validation and repair, for strings that become JSON strings. */
#ifndef GSIMAGE_UTIL_UTF8_H
#define GSIMAGE_UTIL_UTF8_H

/* Nonzero when s is valid UTF-8 (the same rules as jansson: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
int gs_utf8_valid(const char *s);

/* A copy of s with each byte that does not start a valid UTF-8 sequence
 * replaced by U+FFFD, as Go's encoding/json does; owned by the caller. */
char *gs_utf8_sanitize(const char *s);

#endif
