/* The git remote URL that reaches org.opencontainers.image.source: no
 * user, password, query or fragment, whatever the spelling (issue 16
 * item 4); scp-like remotes by git's rule; local ones left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/toolchain/remoteurl.h"
#include "gsimage/util/cleanup.h"

static void expect(const char *url, int want_r, const char *want)
{
	char *out = (char *)"unset";
	gs_error_t err = GS_ERROR_INIT;
	int r = gs_remote_url_public(url, &out, &err);
	if (r != want_r || (want ? !out || strcmp(out, want) != 0 : out != NULL))
		fail_msg("'%s': got %d '%s' (%s), want %d '%s'", url, r, out ? out : "(null)",
			 err.msg ? err.msg : "", want_r, want ? want : "(null)");
	if (r < 0) {
		/* the message must not repeat the URL: it may hold a secret */
		assert_non_null(err.msg);
		assert_null(strstr(err.msg, "SECRET"));
	}
	free(out);
	gs_error_release(&err);
}

static void test_secrets_dropped(void **state)
{
	(void)state;
	expect("https://github.com/x/y.git?access_token=SECRET", 1, "https://github.com/x/y.git");
	expect("https://github.com/x/y.git#SECRET", 1, "https://github.com/x/y.git");
	expect("https://user:SECRET@github.com/x/y.git", 1, "https://github.com/x/y.git");
	expect("https://SECRET@github.com/x/y.git", 1, "https://github.com/x/y.git");
	expect("https://u:SECRET@github.com:8443/x/y.git?a=SECRET#SECRET", 1,
	       "https://github.com:8443/x/y.git");
	expect("https://u;auth=SECRET@host/x", 1, "https://host/x");
	expect("ssh://git@github.com/x/y.git", 1, "ssh://github.com/x/y.git");
	expect("git+ssh://git@host:2222/x", 1, "git+ssh://host:2222/x");
	expect("git://host/x.git", 1, "git://host/x.git");
	expect("https://[::1]:8080/x", 1, "https://[::1]:8080/x");
	/* '@' in the password: the host must not be what follows the first */
	expect("https://a:b@SECRET@host/x", -1, NULL);
	expect("https://exa mple.com/x?access_token=SECRET", -1, NULL);
	expect("https://host:99999/x", -1, NULL);
}

static void test_scp_like_and_local(void **state)
{
	(void)state;
	expect("git@github.com:x/y.git", 1, "ssh://github.com/x/y.git");
	expect("github.com:x/y.git", 1, "ssh://github.com/x/y.git");
	expect("user@host:/srv/x.git", 1, "ssh://host/srv/x.git");
	expect("git@[host:2222]:x/y.git", 1, "ssh://host:2222/x/y.git");
	expect("git@[::1]:x/y.git", 1, "ssh://[::1]/x/y.git");
	expect("git@[host:x/y.git", -1, NULL);
	expect("ext::ssh -i SECRET host %S", -1, NULL);
	/* local: a path (a slash before any colon) or file:// */
	expect("/srv/git/x.git", 0, NULL);
	expect("./x:y", 0, NULL);
	expect("../x", 0, NULL);
	expect("file:///srv/git/x.git", 0, NULL);
	expect("", 0, NULL);
	expect(NULL, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets_dropped),
		cmocka_unit_test(test_scp_like_and_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
