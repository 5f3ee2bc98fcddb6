#include "gsimage/toolchain/remoteurl.h"

#include <curl/curl.h>
#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

static void cleanup_curlu(CURLU **h)
{
	curl_url_cleanup(*h);
}

static int bad(CURLUcode rc, gs_error_t *err)
{
	return gs_error_set(err, 0, "the remote URL does not parse (%s)", curl_url_strerror(rc));
}

/* "[user@]host:path" as an ssh URL.  git also allows "[host:port]:path";
 * a bracketed IPv6 address stays bracketed. */
static CURLUcode set_scp_like(CURLU *h, const char *url, const char *colon)
{
	const char *host = url;
	for (const char *p = url; p < colon; p++)
		if (*p == '@')
			host = p + 1;
	cleanup_free char *name = NULL, *port = NULL;
	if (*host == '[') {
		const char *close = strchr(host, ']');
		if (!close || close[1] != ':')
			return CURLUE_BAD_HOSTNAME;
		colon = close + 1;
		const char *c = memchr(host, ':', (size_t)(close - host));
		if (c && !memchr(c + 1, ':', (size_t)(close - c - 1))) {
			name = xstrndup(host + 1, (size_t)(c - host - 1));
			port = xstrndup(c + 1, (size_t)(close - c - 1));
		}
	}
	if (!name)
		name = xstrndup(host, (size_t)(colon - host));
	cleanup_free char *path = x_asprintf("%s%s", colon[1] == '/' ? "" : "/", colon + 1);
	CURLUcode rc;
	if ((rc = curl_url_set(h, CURLUPART_SCHEME, "ssh", CURLU_NON_SUPPORT_SCHEME)) ||
	    (rc = curl_url_set(h, CURLUPART_HOST, name, 0)) ||
	    (port && (rc = curl_url_set(h, CURLUPART_PORT, port, 0))) ||
	    (rc = curl_url_set(h, CURLUPART_PATH, path, CURLU_PATH_AS_IS)))
		return rc;
	return CURLUE_OK;
}

int gs_remote_url_public(const char *url, char **out, gs_error_t *err)
{
	*out = NULL;
	if (!url || !*url)
		return 0;
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	int is_url = strstr(url, "://") != NULL;
	size_t word = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (!is_url && word && strncmp(url + word, "::", 2) == 0)
		/* <transport>::<address> runs a remote helper: no URL to show */
		return gs_error_set(err, 0, "the remote is a '%.*s::' transport, not a URL",
				    (int)word, url);
	if (!is_url && (!colon || (slash && slash < colon)))
		return 0; /* a local path */
	__attribute__((cleanup(cleanup_curlu))) CURLU *h = curl_url();
	if (!h)
		return gs_error_set(err, 0, "starting libcurl's URL parser");
	CURLUcode rc = is_url ? curl_url_set(h, CURLUPART_URL, url,
					     CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS)
			      : set_scp_like(h, url, colon);
	if (rc)
		return bad(rc, err);
	char *scheme = NULL;
	if ((rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0)))
		return bad(rc, err);
	int local = strcmp(scheme, "file") == 0;
	curl_free(scheme);
	if (local)
		return 0;
	curl_url_set(h, CURLUPART_USER, NULL, 0);
	curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(h, CURLUPART_OPTIONS, NULL, 0);
	curl_url_set(h, CURLUPART_QUERY, NULL, 0);
	curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	char *clean = NULL;
	if ((rc = curl_url_get(h, CURLUPART_URL, &clean, 0)))
		return bad(rc, err);
	*out = xstrdup(clean);
	curl_free(clean);
	return 1;
}
