#include "gsimage/sign/provenance.h"

#include <string.h>

#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, gs_json_string(v[i]));
	return a;
}

/* "K=V" lines as an object, in the order given. */
static json_t *settings(const char *const *v, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		char *k = xstrndup(v[i], eq ? (size_t)(eq - v[i]) : strlen(v[i]));
		gs_json_set(o, k, gs_json_string(eq ? eq + 1 : ""));
		free(k);
	}
	return o;
}

json_t *gs_provenance_predicate(const gs_provenance_in_t *in)
{
	json_t *ext = json_object();
	if (in->package)
		gs_json_set(ext, "package", gs_json_string(in->package));
	gs_json_set(ext, "platforms", strings(in->platforms, in->n_platforms));
	gs_json_set(ext, "flags", strings(in->flags, in->n_flags));

	json_t *internal = json_object();
	if (in->go_version)
		gs_json_set(internal, "goVersion", gs_json_string(in->go_version));
	json_t *builds = json_array();
	for (size_t i = 0; i < in->n_builds; i++) {
		json_t *b = json_object();
		gs_json_set(b, "platform", gs_json_string(in->builds[i].platform));
		gs_json_set(b, "goBuildSettings",
			    settings(in->builds[i].settings, in->builds[i].n_settings));
		json_array_append_new(builds, b);
	}
	gs_json_set(internal, "builds", builds);

	json_t *deps = json_array();
	for (size_t i = 0; i < in->n_deps; i++) {
		const gs_provenance_dep_t *d = &in->deps[i];
		json_t *o = json_object();
		if (d->name)
			gs_json_set(o, "name", gs_json_string(d->name));
		if (d->uri)
			gs_json_set(o, "uri", gs_json_string(d->uri));
		if (d->alg && d->digest) {
			json_t *dg = json_object();
			gs_json_set(dg, d->alg, gs_json_string(d->digest));
			gs_json_set(o, "digest", dg);
		}
		if (d->note_key) {
			json_t *a = json_object();
			gs_json_set(a, d->note_key, gs_json_string(d->note_value));
			gs_json_set(o, "annotations", a);
		}
		json_array_append_new(deps, o);
	}

	json_t *def = json_object();
	gs_json_set(def, "buildType", json_string(GS_PROVENANCE_BUILD_TYPE));
	gs_json_set(def, "externalParameters", ext);
	gs_json_set(def, "internalParameters", internal);
	gs_json_set(def, "resolvedDependencies", deps);

	json_t *builder = json_object();
	gs_json_set(builder, "id", json_string(GS_PROVENANCE_BUILDER));
	json_t *ver = json_object();
	gs_json_set(ver, "gsimage", gs_json_string(in->tool_version ? in->tool_version : "dev"));
	gs_json_set(builder, "version", ver);
	json_t *run = json_object();
	gs_json_set(run, "builder", builder);
	gs_json_set(run, "metadata", json_object());

	json_t *root = json_object();
	gs_json_set(root, "buildDefinition", def);
	gs_json_set(root, "runDetails", run);
	return root;
}
