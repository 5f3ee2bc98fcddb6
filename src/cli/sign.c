/* gsimage sign --key FILE DIR:REF */
#include "gsimage/cli/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/target.h"
#include "gsimage/util/cleanup.h"

/* The passphrase, from the environment or typed at the terminal (no echo);
 * never from argv. */
static int password(void *ctx, const char *path, char *buf, size_t size, gs_error_t *err)
{
	(void)ctx;
	const char *env = getenv("GSIMAGE_SIGN_PASSWORD");
	if (!env)
		env = getenv("COSIGN_PASSWORD");
	if (env) {
		if (strlen(env) >= size)
			return gs_error_set(err, 0, "the passphrase in the environment is too long");
		strcpy(buf, env);
		return 0;
	}
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, 0, "key '%s' is encrypted and there is no terminal to ask "
				    "on; set GSIMAGE_SIGN_PASSWORD (or COSIGN_PASSWORD)", path);
	struct termios old, quiet;
	int have_tty = tcgetattr(fd, &old) == 0;
	if (have_tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	dprintf(fd, "Enter passphrase for '%s': ", path);
	size_t n = 0;
	char c;
	while (read(fd, &c, 1) == 1 && c != '\n')
		if (n + 1 < size)
			buf[n++] = c;
	buf[n] = '\0';
	if (have_tty)
		tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	return 0;
}

int gs_cli_sign_key(const char *flag, gs_sign_key_t **key, gs_error_t *err)
{
	*key = NULL;
	const char *path = flag ? flag : getenv("GSIMAGE_SIGN_KEY");
	if (!path)
		return 0;
	if (!*path)
		return gs_error_usage(err, "empty signing key path; give --sign-key FILE or unset "
				      "GSIMAGE_SIGN_KEY");
	return gs_sign_open_key(path, password, NULL, key, err);
}

enum { OPT_KEY = GS_OPT_FIRST_COMMAND_SPECIFIC };

static const gs_cli_option_t sign_options[] = {
	GS_CLI_OPT("key", 0, "FILE", OPT_KEY, "private key (default $GSIMAGE_SIGN_KEY)"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_sign = {
	.name = "sign",
	.run = gs_cmd_sign,
	.summary = "sign an image in a layout, offline, the way cosign does",
	.synopsis = "--key FILE DIR:REF",
	.description =
		"Sign the image tagged REF in the OCI layout DIR and each of its platform\n"
		"manifests: cosign's simple-signing signature under the tag\n"
		"sha256-<hex>.sig, and a sigstore bundle v0.3 attached as an OCI 1.1\n"
		"referrer.  Nothing else in the layout changes; a signature already there\n"
		"that the key verifies is kept.  The key is PEM PKCS#8 (ECDSA P-256,\n"
		"Ed25519, RSA >= 2048), encrypted PKCS#8, or cosign's cosign.key; its\n"
		"passphrase comes from GSIMAGE_SIGN_PASSWORD, else COSIGN_PASSWORD, else\n"
		"the terminal.  Provenance is made by 'gsimage build --sign-key'.",
	.options = sign_options,
};

static int on_key(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)err;
	if (id == OPT_KEY)
		*(const char **)ctx = arg;
	return 0;
}

int gs_cmd_sign(int argc, char **argv, gs_error_t *err)
{
	const char *key_path = NULL;
	int operand, r = gs_cli_parse(&gs_cli_sign, argc, argv, on_key, &key_path,
				      &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - operand != 1)
		return gs_error_usage(err, "sign takes one DIR:REF; see 'gsimage sign --help'");
	cleanup_free char *dir = NULL, *ref = NULL;
	gs_target_split(argv[operand], &dir, &ref);
	if (!*dir || !ref || !*ref)
		return gs_error_usage(err, "'%s' names no tag; give DIR:REF, e.g. oci:app:latest",
				      argv[operand]);
	gs_sign_key_t *key = NULL;
	if (gs_cli_sign_key(key_path, &key, err) < 0)
		return -1;
	if (!key)
		return gs_error_usage(err, "no key; give --key FILE or set GSIMAGE_SIGN_KEY");
	r = gs_sign_tagged(dir, ref, key, err);
	gs_sign_key_free(key);
	if (r == 0)
		printf("signed %s\n", argv[operand]);
	return r;
}
