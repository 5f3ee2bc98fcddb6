/* The JSON form of verify results (jansson stays out of cli/). */
#include <jansson.h>
#include <stdlib.h>

#include "gsimage/elf/verify.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"


/* json_object_set_new() and friends only fail on out of memory. */
static void set(json_t *obj, const char *key, json_t *value)
{
	if (!value || json_object_set_new(obj, key, value) < 0)
		abort();
}

static json_t *str_or_null(const char *s)
{
	return s ? gs_json_string(s) : json_null();
}

static json_t *result_json(const gs_elf_result_t *res, const gs_platform_t *p)
{
	json_t *o = json_object();
	if (!o)
		abort();
	const gs_elf_report_t *r = res->report;
	set(o, "file", gs_json_string(res->file));
	if (!r) {
		static const char *const unknown[] = {"linkage", "machine", "class", "byte_order",
						      "interpreter"};
		for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
			set(o, unknown[i], json_null());
		set(o, "needed", json_array());
		set(o, "static", json_false());
		set(o, "machine_ok", json_false());
		set(o, "ok", json_false());
		static const char *const unknown2[] = {"size",       "stripped", "pie",
						       "relro",      "bind_now", "go_version",
						       "go_path",    "go_module", "go_build_id"};
		for (size_t i = 0; i < sizeof unknown2 / sizeof unknown2[0]; i++)
			set(o, unknown2[i], json_null());
		set(o, "error", gs_json_string(res->error ? res->error : "cannot inspect"));
		return o;
	}

	gs_error_t err = GS_ERROR_INIT;
	int ok = gs_elf_check_platform(r, p, &err) == 0;
	json_t *needed = json_array();
	if (!needed)
		abort();
	for (size_t i = 0; i < r->needed.n; i++)
		if (json_array_append_new(needed, gs_json_string(r->needed.v[i])) < 0)
			abort();

	set(o, "linkage", gs_json_string(gs_elf_linkage_name(r->linkage)));
	set(o, "machine", gs_json_string(gs_elf_machine_name(r->machine)));
	set(o, "class", json_integer(r->elf_class));
	set(o, "byte_order", gs_json_string(r->big_endian ? "big" : "little"));
	set(o, "interpreter", str_or_null(r->interp));
	set(o, "needed", needed);
	set(o, "static", json_boolean(r->linkage != GS_ELF_DYNAMIC));
	set(o, "machine_ok", json_boolean(gs_elf_machine_matches(r, p)));
	set(o, "ok", json_boolean(ok));
	set(o, "size", json_integer((json_int_t)r->size));
	set(o, "stripped", json_boolean(r->stripped));
	set(o, "pie", json_boolean(r->pie));
	set(o, "relro", gs_json_string(gs_elf_relro_name(r->relro)));
	set(o, "bind_now", json_boolean(r->bind_now));
	set(o, "go_version", str_or_null(r->go_version));
	set(o, "go_path", str_or_null(r->go_path));
	set(o, "go_module", str_or_null(r->go_module));
	set(o, "go_build_id", str_or_null(r->go_build_id));
	set(o, "error", res->error ? gs_json_string(res->error) : str_or_null(err.msg));
	gs_error_release(&err);
	return o;
}

char *gs_elf_results_json(const gs_elf_result_t *results, size_t n, const gs_platform_t *p)
{
	cleanup_json json_t *arr = json_array();
	if (!arr)
		abort();
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, result_json(&results[i], p)) < 0)
			abort();
	return gs_json_dump(arr, GS_JSON_INDENT, NULL);
}
