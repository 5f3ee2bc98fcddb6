/* oci/walk: the one layout walker, on small layouts built here: nested
 * indexes, a referrer reached through its fallback tag and back through
 * its subject (the cycle guard), skip and stop, a missing blob named by
 * digest, too deep a nesting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/oci/walk.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

typedef struct {
	gs_digest_t d;
	size_t size;
	const char *name; /* how the trace calls it */
} blob_t;

/* The layout of most tests: tag app:1 -> outer index -> inner index ->
 * manifest M (config, layer); artifact A (empty config, SBOM layer,
 * subject M) listed by M's referrers tag sha256-<M>. */
struct layout {
	blob_t config, layer, m, inner, outer, empty, sbom, a, referrers;
	blob_t *all[9];
};

static gs_error_t err = GS_ERROR_INIT;

static blob_t put(gs_store_t *store, const char *name, const char *text)
{
	blob_t b = {.size = strlen(text), .name = name};
	assert_int_equal(gs_store_put(store, text, b.size, &b.d, &err), 0);
	return b;
}

static char *desc(const char *mt, const blob_t *b)
{
	return x_asprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", mt, b->d.s,
			  b->size);
}

static blob_t index_of(gs_store_t *store, const char *name, const char *entry)
{
	char *t = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[%s]}",
			     GS_MT_INDEX, entry);
	blob_t b = put(store, name, t);
	free(t);
	return b;
}

static void build(tu_fixture_t *fx, struct layout *l)
{
	l->config = put(fx->store, "config", "{\"architecture\":\"amd64\",\"os\":\"linux\"}");
	l->layer = put(fx->store, "layer", "not really a tar");
	char *cd = desc(GS_MT_CONFIG, &l->config), *ld = desc(GS_MT_LAYER_GZIP, &l->layer);
	char *mt = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":%s,"
			      "\"layers\":[%s]}", GS_MT_MANIFEST, cd, ld);
	l->m = put(fx->store, "M", mt);
	char *md = desc(GS_MT_MANIFEST, &l->m);
	l->inner = index_of(fx->store, "inner", md);
	char *id = desc(GS_MT_INDEX, &l->inner);
	l->outer = index_of(fx->store, "outer", id);
	l->empty = put(fx->store, "empty", "{}");
	l->sbom = put(fx->store, "sbom", "{\"spdxVersion\":\"SPDX-2.3\"}");
	char *ed = desc(GS_MT_EMPTY, &l->empty), *sd = desc("text/spdx+json", &l->sbom);
	char *at = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":"
			      "\"text/spdx+json\",\"config\":%s,\"layers\":[%s],\"subject\":%s}",
			      GS_MT_MANIFEST, ed, sd, md);
	l->a = put(fx->store, "A", at);
	char *ad = desc(GS_MT_MANIFEST, &l->a);
	l->referrers = index_of(fx->store, "referrers", ad);
	assert_int_equal(gs_layout_set_tag(fx->store, "app:1", NULL, GS_MT_INDEX, &l->outer.d,
					   l->outer.size, &err), 0);
	char *fallback = gs_referrers_tag(&l->m.d);
	assert_int_equal(gs_layout_set_tag(fx->store, fallback, NULL, GS_MT_INDEX,
					   &l->referrers.d, l->referrers.size, &err), 0);
	blob_t *all[] = {&l->config, &l->layer, &l->m,	  &l->inner,	&l->outer,
			 &l->empty,  &l->sbom,	&l->a, &l->referrers};
	memcpy(l->all, all, sizeof all);
	free(cd), free(ld), free(mt), free(md), free(id), free(ed), free(sd), free(at), free(ad);
	free(fallback);
}

/* What a walk saw: one line a visit, "ROLE name<parent[ doc]". */
struct trace {
	const struct layout *l;
	gs_strvec_t lines;
	const char *skip_at, *stop_at; /* names */
};

static const char *name_of(const struct layout *l, const char *digest)
{
	for (size_t i = 0; i < sizeof l->all / sizeof l->all[0]; i++)
		if (l->all[i] && strcmp(l->all[i]->d.s, digest) == 0)
			return l->all[i]->name;
	return "?";
}

static int record(void *ctx, const gs_walk_node_t *n, gs_error_t *e)
{
	(void)e;
	static const char *const roles[] = {"ROOT",  "MANIFEST", "CONFIG",   "LAYER",
					    "BLOB",  "SUBJECT",	 "REFERRERS"};
	struct trace *t = ctx;
	const char *name = name_of(t->l, n->digest);
	gs_strvec_pushf(&t->lines, "%s %s<%s%s", roles[n->role], name,
			n->parent ? name_of(t->l, n->parent->digest) : "",
			n->doc ? " doc" : "");
	if (t->skip_at && strcmp(name, t->skip_at) == 0)
		return GS_WALK_SKIP;
	if (t->stop_at && strcmp(name, t->stop_at) == 0)
		return GS_WALK_STOP;
	return 0;
}

static char *walk_app(tu_fixture_t *fx, struct trace *t, int with_referrers)
{
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(fx->store, &tags, &err), 0);
	gs_walk_t w = GS_WALK_INIT(fx->store, with_referrers ? &tags : NULL, record, t);
	int r = gs_walk_tag(&w, gs_tag_list_find(&tags, "app:1"), &err);
	gs_walk_release(&w);
	gs_tag_list_release(&tags);
	if (r < 0)
		fail_msg("walk: %s", err.msg);
	char *s = gs_strvec_join(&t->lines, "\n");
	gs_strvec_release(&t->lines);
	return s;
}

/* Every descriptor once, parents first, each document read once: the
 * subject of A leads back to M, which is not read or descended again. */
static void test_nested_index_and_referrer(void **state)
{
	tu_fixture_t *fx = *state;
	struct layout l;
	build(fx, &l);
	struct trace t = {.l = &l, .lines = GS_STRVEC_INIT};
	char *got = walk_app(fx, &t, 1);
	assert_string_equal(got, "ROOT outer< doc\n"
				 "MANIFEST inner<outer doc\n"
				 "MANIFEST M<inner doc\n"
				 "CONFIG config<M\n"
				 "LAYER layer<M\n"
				 "REFERRERS referrers<M doc\n"
				 "MANIFEST A<referrers doc\n"
				 "CONFIG empty<A\n"
				 "LAYER sbom<A\n"
				 "SUBJECT M<A");
	free(got);
	/* without the tags, no referrers */
	got = walk_app(fx, &t, 0);
	assert_null(strstr(got, "REFERRERS"));
	free(got);
}

/* The parent path of a node goes up to its root. */
static int check_path(void *ctx, const gs_walk_node_t *n, gs_error_t *e)
{
	(void)e;
	const struct layout *l = ctx;
	if (strcmp(n->digest, l->sbom.d.s) != 0)
		return 0;
	const char *want[] = {"A", "referrers", "M", "inner", "outer"};
	const gs_walk_node_t *p = n->parent;
	for (size_t i = 0; i < 5; i++, p = p->parent) {
		assert_non_null(p);
		assert_string_equal(name_of(l, p->digest), want[i]);
		assert_int_equal(p->depth, 4 - (int)i);
	}
	assert_null(p);
	return GS_WALK_STOP;
}

static void test_parent_path(void **state)
{
	tu_fixture_t *fx = *state;
	struct layout l;
	build(fx, &l);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(fx->store, &tags, &err), 0);
	gs_walk_t w = GS_WALK_INIT(fx->store, &tags, check_path, &l);
	assert_int_equal(gs_walk_tag(&w, gs_tag_list_find(&tags, "app:1"), &err), 0);
	gs_walk_release(&w);
	gs_tag_list_release(&tags);
}

static void test_skip_and_stop(void **state)
{
	tu_fixture_t *fx = *state;
	struct layout l;
	build(fx, &l);
	struct trace t = {.l = &l, .lines = GS_STRVEC_INIT, .skip_at = "inner"};
	char *got = walk_app(fx, &t, 1);
	assert_string_equal(got, "ROOT outer< doc\nMANIFEST inner<outer doc");
	free(got);
	t.skip_at = NULL;
	t.stop_at = "layer";
	got = walk_app(fx, &t, 1);
	assert_string_equal(got, "ROOT outer< doc\nMANIFEST inner<outer doc\n"
				 "MANIFEST M<inner doc\nCONFIG config<M\nLAYER layer<M");
	free(got);
}

/* The whole layout: the referrers tag is no root of its own. */
static void test_layout_roots(void **state)
{
	tu_fixture_t *fx = *state;
	struct layout l;
	build(fx, &l);
	struct trace t = {.l = &l, .lines = GS_STRVEC_INIT};
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(fx->store, &tags, &err), 0);
	gs_walk_t w = GS_WALK_INIT(fx->store, &tags, record, &t);
	assert_int_equal(gs_walk_layout(&w, &err), 0);
	gs_walk_release(&w);
	char *got = gs_strvec_join(&t.lines, "\n");
	assert_null(strstr(got, "ROOT referrers"));
	assert_non_null(strstr(got, "REFERRERS referrers<M doc"));
	free(got);
	gs_strvec_release(&t.lines);
	/* without the tags, it is a root like any other entry */
	w = (gs_walk_t)GS_WALK_INIT(fx->store, NULL, record, &t);
	assert_int_equal(gs_walk_layout(&w, &err), 0);
	gs_walk_release(&w);
	got = gs_strvec_join(&t.lines, "\n");
	assert_non_null(strstr(got, "ROOT referrers< doc"));
	free(got);
	gs_strvec_release(&t.lines);
	gs_tag_list_release(&tags);
}

/* A blob to follow that is gone: the error names it and where it stands. */
static void test_missing_blob(void **state)
{
	tu_fixture_t *fx = *state;
	struct layout l;
	build(fx, &l);
	/* a missing layer is never read: no error */
	char *p = gs_store_blob_path(fx->store, &l.layer.d);
	assert_int_equal(unlink(p), 0);
	free(p);
	struct trace t = {.l = &l, .lines = GS_STRVEC_INIT};
	free(walk_app(fx, &t, 1));
	p = gs_store_blob_path(fx->store, &l.inner.d);
	assert_int_equal(unlink(p), 0);
	free(p);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(fx->store, &tags, &err), 0);
	gs_walk_t w = GS_WALK_INIT(fx->store, &tags, record, &t);
	assert_int_equal(gs_walk_tag(&w, gs_tag_list_find(&tags, "app:1"), &err), -1);
	gs_walk_release(&w);
	if (!strstr(err.msg, l.inner.d.s) || !strstr(err.msg, "is missing") ||
	    !strstr(err.msg, "manifests[0]"))
		fail_msg("'%s' does not name the missing blob", err.msg);
	gs_error_release(&err);
	gs_tag_list_release(&tags);
	gs_strvec_release(&t.lines);
}

/* Indexes nested deeper than GS_WALK_MAX_DEPTH are refused. */
static void test_too_deep(void **state)
{
	tu_fixture_t *fx = *state;
	blob_t b = put(fx->store, "leaf", "{\"schemaVersion\":2,\"layers\":[]}");
	const char *mt = GS_MT_MANIFEST;
	for (int i = 0; i <= GS_WALK_MAX_DEPTH; i++) {
		char *d = desc(mt, &b);
		b = index_of(fx->store, "index", d);
		mt = GS_MT_INDEX;
		free(d);
	}
	assert_int_equal(gs_layout_set_tag(fx->store, "deep:1", NULL, GS_MT_INDEX, &b.d, b.size,
					   &err), 0);
	struct layout l = {0};
	struct trace t = {.l = &l, .lines = GS_STRVEC_INIT};
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(fx->store, &tags, &err), 0);
	gs_walk_t w = GS_WALK_INIT(fx->store, &tags, record, &t);
	assert_int_equal(gs_walk_tag(&w, &tags.v[0], &err), -1);
	gs_walk_release(&w);
	if (!strstr(err.msg, "nested more than 32 deep"))
		fail_msg("'%s'", err.msg);
	gs_error_release(&err);
	gs_tag_list_release(&tags);
	gs_strvec_release(&t.lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nested_index_and_referrer, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_parent_path, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_skip_and_stop, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_layout_roots, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_missing_blob, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_too_deep, tu_store_setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("walk", tests, NULL, NULL);
}
