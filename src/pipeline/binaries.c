#include "gsimage/pipeline/binaries.h"

#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/size.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

struct compile_check {
	gs_elf_report_t *reports;
	int pie; /* --pie: anything but a static-pie is refused */
};

/* The compile stage's check: the verifier, on the binary before it is
 * renamed into place. */
static int verify_compiled(void *ctx, size_t index, const char *path, const gs_platform_t *p,
			   char **build_id, gs_error_t *err)
{
	struct compile_check *c = ctx;
	gs_elf_report_t *report = &c->reports[index];
	const gs_platform_t *got;
	gs_elf_report_release(report);
	if (gs_elf_verify_file(path, p, report, &got, err) < 0) {
		gs_error_wrap(err, "refusing the %s binary", p->name);
		if (report->linkage == GS_ELF_DYNAMIC)
			return gs_error_set(err, 0, "%s; the C toolchain did not link statically: "
						    "use --cc zig or --cc musl-gcc", err->msg);
		return -1;
	}
	if (c->pie && report->linkage != GS_ELF_STATIC_PIE)
		return gs_error_set(err, 0, "refusing the %s binary: --pie gave a %s binary, not "
					    "static-pie; the C linker ignored -static-pie: use --cc zig",
				    p->name, gs_elf_linkage_name(report->linkage));
	/* Only go's own: the caches take it for the content's name. */
	*build_id = gs_go_build_id_is_content_id(report->go_build_id)
			    ? xstrdup(report->go_build_id)
			    : NULL;
	return 0;
}

int gs_binaries_compile(const gs_compile_opts_t *opts, gs_binaries_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->reports = xcalloc(opts->n_platforms ? opts->n_platforms : 1, sizeof *out->reports);
	struct compile_check check = {.reports = out->reports, .pie = opts->pie};
	gs_compile_opts_t o = *opts;
	o.check = verify_compiled;
	o.check_ctx = &check;
	if (gs_compile(&o, &out->set, err) < 0) {
		for (size_t i = 0; i < opts->n_platforms; i++)
			gs_elf_report_release(&out->reports[i]);
		free(out->reports);
		out->reports = NULL;
		return -1;
	}
	for (size_t i = 0; i < out->set.n_bins; i++) {
		const gs_elf_report_t *r = &out->reports[i];
		cleanup_free char *size = gs_size_human(r->size);
		cleanup_free char *file = gs_path_basename(out->set.bins[i].path);
		gs_progress(&opts->progress, "verified %s: %s, %s, %s", file,
			    gs_elf_linkage_name(r->linkage), gs_elf_machine_name(r->machine), size);
	}
	return 0;
}

/* "app" from "bin/app-linux-arm64-v8": the compile stage's naming undone. */
static char *name_from_binary(const char *path)
{
	char *name = gs_path_basename(path);
	char *suffix = strstr(name, "-linux-");
	if (suffix && suffix != name)
		*suffix = '\0';
	return name;
}

int gs_binaries_prebuilt(const char *const *files, size_t n, const gs_platform_t *const *platforms,
			 const char *name, gs_binaries_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	gs_compile_result_t *set = &out->set;
	set->bins = xcalloc(n ? n : 1, sizeof *set->bins);
	out->reports = xcalloc(n ? n : 1, sizeof *out->reports);
	for (size_t i = 0; i < n; i++) {
		const char *file = files[i];
		gs_compiled_t *bin = &set->bins[set->n_bins++];
		if (gs_elf_verify_file(file, platforms ? platforms[i] : NULL, &out->reports[i],
				       &bin->platform, err) < 0)
			goto fail_wrap;
		for (size_t j = 0; j + 1 < set->n_bins; j++)
			if (set->bins[j].platform == bin->platform) {
				gs_error_usage(err, "'%s' and '%s' are both for %s; give one binary "
					       "per platform", set->bins[j].path, file,
					       bin->platform->name);
				goto fail;
			}
		bin->path = xstrdup(file);
	}
	set->name = name ? xstrdup(name) : name_from_binary(files[0]);
	return 0;
fail_wrap:
	gs_error_wrap(err, "refusing '%s'", files[set->n_bins - 1]);
fail:
	gs_binaries_release(out);
	return -1;
}

void gs_binaries_release(gs_binaries_t *b)
{
	for (size_t i = 0; b->reports && i < b->set.n_bins; i++)
		gs_elf_report_release(&b->reports[i]);
	free(b->reports);
	gs_compile_result_release(&b->set);
	memset(b, 0, sizeof *b);
}
