#include "gsimage/pipeline/verify.h"

#include <string.h>

#include "gsimage/elf/verify.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/size.h"
#include "gsimage/util/xalloc.h"

/* One file's line; owned.  A binary for another machine, or one that is
 * not an executable, is described by the verifier's own message. */
static char *verify_line(const char *file, const gs_elf_report_t *r, const gs_platform_t *p)
{
	gs_error_t err = GS_ERROR_INIT;
	if (r->linkage != GS_ELF_DYNAMIC || !gs_elf_machine_matches(r, p)) {
		if (gs_elf_check_platform(r, p, &err) < 0) {
			char *line = x_asprintf("%s: %s", file, err.msg);
			gs_error_release(&err);
			return line;
		}
	}
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, gs_elf_linkage_name(r->linkage));
	gs_strvec_push(&parts, gs_elf_machine_name(r->machine));
	if (r->linkage == GS_ELF_DYNAMIC) {
		if (r->interp)
			gs_strvec_pushf(&parts, "interpreter %s", r->interp);
		if (r->needed.n) {
			cleanup_free char *libs = gs_strvec_join(&r->needed, ", ");
			gs_strvec_pushf(&parts, "needs %s", libs);
		}
	} else {
		gs_strvec_push_owned(&parts, gs_size_human(r->size));
		gs_strvec_push(&parts, r->stripped ? "stripped" : "not stripped");
		gs_strvec_push(&parts, r->pie ? "PIE" : "no PIE");
		if (r->relro == GS_ELF_RELRO_NONE)
			gs_strvec_push(&parts, "no RELRO");
		else
			gs_strvec_pushf(&parts, "%s RELRO", gs_elf_relro_name(r->relro));
		gs_strvec_push(&parts, r->bind_now ? "BIND_NOW" : "no BIND_NOW");
		if (r->go_version) {
			const char *what = r->go_path ? r->go_path : r->go_module;
			if (what)
				gs_strvec_pushf(&parts, "%s %s", r->go_version, what);
			else
				gs_strvec_push(&parts, r->go_version);
		}
	}
	cleanup_free char *joined = gs_strvec_join(&parts, ", ");
	return x_asprintf("%s: %s", file, joined);
}

void gs_verify_files(const char *const *files, size_t n, const gs_platform_t *p, int as_json,
		     gs_verify_outcome_t *out)
{
	memset(out, 0, sizeof *out);
	gs_elf_report_t *reports = xcalloc(n ? n : 1, sizeof *reports);
	gs_elf_result_t *results = xcalloc(n ? n : 1, sizeof *results);
	cleanup_strvec gs_strvec_t errors = GS_STRVEC_INIT; /* keeps results[].error alive */
	cleanup_strvec gs_strvec_t lines = GS_STRVEC_INIT;

	for (size_t i = 0; i < n; i++) {
		gs_error_t ferr = GS_ERROR_INIT;
		results[i].file = files[i];
		if (gs_elf_inspect_file(files[i], &reports[i], &ferr) < 0) {
			out->n_bad++;
			gs_strvec_pushf(&out->problems, "'%s': %s", files[i], ferr.msg);
			if (n == 1)
				out->why = xstrdup(ferr.msg);
			gs_strvec_push_owned(&errors, ferr.msg);
			results[i].error = ferr.msg;
			ferr.msg = NULL;
			gs_error_release(&ferr);
			continue;
		}
		results[i].report = &reports[i];
		if (gs_elf_check_platform(&reports[i], p, &ferr) < 0) {
			out->n_bad++;
			if (n == 1)
				out->why = xstrdup(ferr.msg);
		}
		gs_error_release(&ferr);
		gs_strvec_push_owned(&lines, verify_line(files[i], &reports[i], p));
	}

	if (as_json) {
		cleanup_free char *doc = gs_elf_results_json(results, n, p);
		out->text = x_asprintf("%s\n", doc);
	} else {
		cleanup_free char *joined = gs_strvec_join(&lines, "\n");
		out->text = lines.n ? x_asprintf("%s\n", joined) : xstrdup("");
	}
	for (size_t i = 0; i < n; i++)
		gs_elf_report_release(&reports[i]);
	free(reports);
	free(results);
}

void gs_verify_outcome_release(gs_verify_outcome_t *out)
{
	free(out->text);
	free(out->why);
	gs_strvec_release(&out->problems);
	memset(out, 0, sizeof *out);
}
