/* A git remote URL fit to publish (org.opencontainers.image.source): what
 * libcurl's URL parser makes of it, keeping scheme, host, port and path
 * and dropping user, password, query and fragment, where tokens hide. */
#ifndef GSIMAGE_TOOLCHAIN_REMOTEURL_H
#define GSIMAGE_TOOLCHAIN_REMOTEURL_H

#include "gsimage/util/error.h"

/* Git's rule decides what url is: with "://" a URL; else with a ':'
 * before the first '/' an scp-like "[user@]host:path", written
 * "ssh://host/path"; else a local path.  1 and *out (owned) for a network
 * remote; 0 and *out NULL for a local one (a path or file://: host paths
 * must not reach the image); -1 when it does not parse, the message
 * saying why without the URL (it may hold a secret). */
int gs_remote_url_public(const char *url, char **out, gs_error_t *err);

#endif
