#include "gsimage/toolchain/plan.h"

#include <string.h>

#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

int gs_plan_check(const gs_compile_opts_t *o, const gs_platform_t *host, gs_error_t *err)
{
	if (o->pie && o->compiler != GS_COMPILER_GC)
		return gs_error_usage(err, "--pie needs --compiler gc (gccgo and gollvm link with "
				      "their own driver); drop --pie or use --compiler gc");
	if (o->pie && o->cgo == GS_CGO_OFF)
		return gs_error_usage(err, "--pie links with the C toolchain, which needs cgo; drop "
				      "'--cgo off'");
	if (o->pie && o->cc_kind == GS_CC_MUSL_GCC)
		return gs_error_usage(err, "--pie cannot use --cc musl-gcc (Debian's musl has no "
				      "static-PIE start file, rcrt1.o); use --cc zig");
	for (size_t i = 0; o->pie && i < o->n_platforms; i++)
		if (!gs_gobuild_pie_supported(o->platforms[i]))
			return gs_error_usage(err, "--pie is not supported for %s (its static-PIE "
					      "binaries crash at start-up); build %s without --pie",
					      o->platforms[i]->name, o->platforms[i]->name);
	/* The go command drops $GOFLAGS' -ldflags when its command line has
	 * one (gsimage's always has): merged, which a pattern prevents. */
	cleanup_free char *ldflags = gs_goflags_value(o->goflags, "ldflags");
	if (ldflags && *ldflags && ldflags[0] != '-' && strchr(ldflags, '='))
		return gs_error_usage(err, "GOFLAGS has '-ldflags=%s', with a package pattern, "
				      "which gsimage cannot merge into its own -ldflags; give the "
				      "flags with --ldflags", ldflags);
	/* gccgo and gollvm build for the machine they run on only. */
	for (size_t i = 0; o->compiler != GS_COMPILER_GC && i < o->n_platforms; i++)
		if (o->platforms[i] != host)
			return gs_error_usage(err, "--compiler %s builds only for the host platform "
					      "(%s), not %s; use --compiler gc to cross-compile",
					      gs_go_compiler_name(o->compiler),
					      host ? host->name : "unknown", o->platforms[i]->name);
	return 0;
}

gs_cgo_choice_t gs_plan_cgo(const gs_compile_opts_t *o, const gs_golist_t *l)
{
	gs_cgo_choice_t c = {0};
	switch (o->cgo) {
	case GS_CGO_ON:
		c.cgo = 1;
		break;
	case GS_CGO_OFF:
		break;
	case GS_CGO_AUTO:
		/* gccgo always links with its C runtime */
		c.cgo = o->compiler != GS_COMPILER_GC || l->uses_cgo;
		/* A static-PIE is linked by the C toolchain, which needs cgo on
		 * (CGO_ENABLED=1) even for a pure Go program. */
		if (o->pie && !c.cgo)
			c.cgo = c.pie_pure_go = 1;
		break;
	}
	return c;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

char *gs_plan_key_dir(const gs_plan_input_t *in, const gs_platform_t *p,
		      const gs_cgo_choice_t *c, const char *cc, const char *base)
{
	const gs_compile_opts_t *o = in->opts;
	const char *parts[] = {
		in->cwd, in->pkg, base, p->name, gs_go_compiler_name(o->compiler),
		o->cc_kind == GS_CC_ZIG ? "zig" : o->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc" : "path",
		or_empty(o->cc), or_empty(cc), c->cgo ? "cgo" : "nocgo",
		c->pie_pure_go ? "pie-pure-go" : "", o->pie ? "pie" : "",
		or_empty(o->tags), or_empty(o->ldflags), or_empty(o->gcflags), or_empty(o->goflags),
		or_empty(in->go), or_empty(in->go_version), or_empty(in->zig),
		or_empty(in->zig_version), or_empty(in->gccgo),
	};
	gs_cache_key_t k;
	gs_cache_key_init(&k, "out");
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		gs_cache_key_str(&k, "part", parts[i]);
	cleanup_free char *name = gs_cache_key_name(&k);
	gs_cache_key_release(&k);
	cleanup_free char *rel = x_asprintf("out/%s", name);
	return gs_path_join(o->cache_dir, rel);
}

static char *announce(const gs_plan_input_t *in, const gs_plan_job_t *j)
{
	const gs_compile_opts_t *o = in->opts;
	const char *ccname = o->cc_kind == GS_CC_ZIG	   ? "zig cc"
			     : o->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc"
							    : "the given C compiler";
	cleanup_free char *how =
		o->compiler != GS_COMPILER_GC ? xstrdup(gs_go_compiler_name(o->compiler))
		: !j->cgo.cgo ? x_asprintf("%s, pure Go", in->go_version)
			      : x_asprintf("%s, %s %s", in->go_version,
					   j->cgo.pie_pure_go ? "pure Go linked with" : "cgo with",
					   ccname);
	return x_asprintf("compiling %s for %s (%s%s)", in->name, j->platform->name, how,
			  o->pie ? ", static-PIE" : "");
}

static void plan_one(const gs_plan_input_t *in, const gs_platform_t *p, gs_cgo_choice_t cgo,
		     gs_plan_job_t *j)
{
	const gs_compile_opts_t *o = in->opts;
	j->platform = p;
	j->cgo = cgo;
	/* gccgo and gollvm compile and link C with their own driver. */
	int needs_cc = cgo.cgo && o->compiler == GS_COMPILER_GC;
	int uses_zig = needs_cc && o->cc_kind == GS_CC_ZIG;
	cleanup_free char *zig_cache = gs_path_join(o->cache_dir, "zig");
	const char *cc = needs_cc ? in->cc_path : NULL;
	if (uses_zig) {
		gs_zig_cc_init(&j->zig_cc, in->zig, in->zig_version, in->zig_lib, p->zig_target);
		j->cc_dir = gs_path_join(o->cache_dir, j->zig_cc.subdir);
		cc = j->zig_cc.name;
		/* static-PIE needs more of zig's libc (rcrt1.o): its own marker */
		cleanup_free char *m = x_asprintf("zig/gsimage-libc-%s%s.done", p->zig_target,
						  o->pie ? "-pie" : "");
		j->marker = gs_path_join(o->cache_dir, m);
	}

	cleanup_free char *suffix = gs_platform_suffix(p);
	cleanup_free char *base = x_asprintf("%s-%s", in->name, suffix);
	if (o->stable_output) {
		j->key_dir = gs_plan_key_dir(in, p, &cgo, cc, base);
		j->final = gs_path_join(j->key_dir, base);
		j->tmp = xstrdup(j->final);
	} else {
		cleanup_free char *tmpbase = x_asprintf(".%s.tmp-%ld", base, in->pid);
		j->final = gs_path_join(in->out_dir, base);
		j->tmp = gs_path_join(in->out_dir, tmpbase);
	}

	cleanup_free char *goflags_ldflags = gs_goflags_value(o->goflags, "ldflags");
	cleanup_free char *goflags_tags = gs_goflags_value(o->goflags, "tags");
	gs_gobuild_t b = {
		.platform = p,
		.compiler = o->compiler,
		.cgo = cgo.cgo,
		.pie = o->pie,
		.pie_pure_go = cgo.pie_pure_go,
		.cc_kind = o->cc_kind,
		.go = in->go,
		.cc = cc,
		.cc_dir = j->cc_dir,
		.gccgo = in->gccgo,
		.zig_cache = uses_zig ? zig_cache : NULL,
		.output = j->tmp,
		.package = in->pkg,
		.tags = o->tags,
		.ldflags = o->ldflags,
		.gcflags = o->gcflags,
		.goflags_ldflags = goflags_ldflags,
		.goflags_tags = goflags_tags,
		.optimize = o->optimize,
		.user_cgo_cflags = o->user_cgo_cflags,
	};
	gs_gobuild_argv(&b, &j->argv);
	gs_gobuild_env(&b, in->environ, &j->env);
	/* go renames its link output onto the stable path: its work directory
	 * on the same file system makes that one rename, so the binary is
	 * never seen half-written. */
	if (o->stable_output)
		gs_strvec_pushf(&j->env, "GOTMPDIR=%s", in->go_tmp);
	j->announce = announce(in, j);
}

void gs_plan_jobs(const gs_plan_input_t *in, gs_plan_job_t *jobs)
{
	for (size_t i = 0; i < in->opts->n_platforms; i++)
		plan_one(in, in->opts->platforms[i], in->cgo[i], &jobs[i]);
}

void gs_plan_job_release(gs_plan_job_t *j)
{
	free(j->final);
	free(j->tmp);
	free(j->key_dir);
	free(j->marker);
	if (j->zig_cc.name || j->zig_cc.subdir || j->zig_cc.script)
		gs_zig_cc_release(&j->zig_cc);
	free(j->cc_dir);
	gs_strvec_release(&j->argv);
	gs_strvec_release(&j->env);
	free(j->announce);
	memset(j, 0, sizeof *j);
}
