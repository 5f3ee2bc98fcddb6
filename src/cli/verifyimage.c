/* gsimage verify-image --key PUB [--json] DIR:REF: every signature and
 * provenance statement of the image, checked offline against PUB.  Exit 0
 * when all verify (and every manifest is signed), 1 when any does not. */
#include <stdio.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/sign.h"
#include "gsimage/pipeline/target.h"
#include "gsimage/util/cleanup.h"

enum { OPT_KEY = GS_OPT_FIRST_COMMAND_SPECIFIC, OPT_JSON };

static const gs_cli_option_t verify_image_options[] = {
	GS_CLI_OPT("key", 0, "PUB", OPT_KEY, "the public key (PEM, e.g. cosign.pub)"),
	GS_CLI_OPT("json", 0, NULL, OPT_JSON, "print one JSON array instead of lines"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_verify_image = {
	.name = "verify-image",
	.run = gs_cmd_verify_image,
	.summary = "check an image's signatures and provenance offline",
	.synopsis = "--key PUB [--json] DIR:REF",
	.description =
		"Check, without a registry, every signature of the image tagged REF in\n"
		"the OCI layout DIR and of each of its platform manifests against the\n"
		"public key PUB: the cosign .sig (required), the .att provenance and the\n"
		"sigstore bundle referrers (when present); each must verify and name the\n"
		"manifest it is attached to.  One line per check; exit 0 when all pass,\n"
		"1 when any fails.",
	.options = verify_image_options,
};

struct args {
	const char *key;
	int as_json;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)err;
	struct args *a = ctx;
	if (id == OPT_KEY)
		a->key = arg;
	else if (id == OPT_JSON)
		a->as_json = 1;
	return 0;
}

int gs_cmd_verify_image(int argc, char **argv, gs_error_t *err)
{
	struct args a = {0};
	int operand, r = gs_cli_parse(&gs_cli_verify_image, argc, argv, on_option, &a, &operand,
				      err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (!a.key)
		return gs_error_usage(err, "verify-image needs --key PUB; see 'gsimage verify-image "
				      "--help'");
	if (argc - operand != 1)
		return gs_error_usage(err, "verify-image takes one DIR:REF; see 'gsimage "
				      "verify-image --help'");
	cleanup_free char *dir = NULL, *ref = NULL;
	gs_target_split(argv[operand], &dir, &ref);
	if (!*dir || !ref || !*ref)
		return gs_error_usage(err, "'%s' names no tag; give DIR:REF, e.g. oci:app:latest",
				      argv[operand]);
	gs_sign_key_t *pub = NULL;
	if (gs_sign_open_public(a.key, &pub, err) < 0)
		return -1;
	gs_sign_report_t rep;
	r = gs_sign_verify(dir, ref, pub, &rep, err);
	gs_sign_key_free(pub);
	if (r < 0)
		return -1;
	cleanup_free char *text = gs_sign_report_text(&rep, a.as_json);
	fputs(text, stdout);
	if (rep.n_bad == 1)
		r = gs_error_set(err, 0, "1 check of '%s' failed", argv[operand]);
	else if (rep.n_bad)
		r = gs_error_set(err, 0, "%zu checks of '%s' failed", rep.n_bad, argv[operand]);
	gs_sign_report_release(&rep);
	return r;
}
