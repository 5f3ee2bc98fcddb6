/* What goes into an image's file system besides the binary: the "scratch
 * essentials" base layer and user files added with --add. */
#ifndef GSIMAGE_PIPELINE_ROOTFS_H
#define GSIMAGE_PIPELINE_ROOTFS_H

#include "gsimage/oci/layer.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

#define GS_NONROOT_UID 65532
#define GS_CA_BUNDLE_PATH "/etc/ssl/certs/ca-certificates.crt"
#define GS_ZONEINFO_PATH "/usr/share/zoneinfo"

typedef struct gs_essentials_opts {
	const char *ca_certs; /* CA bundle to copy to GS_CA_BUNDLE_PATH, or NULL */
	const char *zoneinfo; /* directory to copy to /usr/share/zoneinfo, or NULL */
} gs_essentials_opts_t;

/* The essentials: /etc/passwd and /etc/group (root and nonroot 65532),
 * /etc/nsswitch.conf (hosts: files dns), /etc/hosts (localhost), /tmp (1777), /home/nonroot (0700,
 * owned by 65532), the CA bundle and zoneinfo when asked.  The layer depends
 * on nothing but these options, so identical options give an identical
 * layer that registries and nodes share between images. */
int gs_essentials_add(gs_layer_t *layer, const gs_essentials_opts_t *opts, gs_error_t *err);

/* --add SRC:DST: parse spec into src and dst (owned).  DST is relative to
 * the image root; absolute destinations, ".." escapes and empty parts are
 * usage errors. */
int gs_add_spec_parse(const char *spec, char **src, char **dst, gs_error_t *err);

/* Add the file or directory tree src at dst: modes normalised to 0644/0755
 * (0755 for directories and anything executable), owner root.  A symlink is
 * kept when its target, resolved on the host through the links on its way,
 * stays inside src (a lone file's directory) and refused otherwise, as are
 * absolute targets; names and link targets that are not UTF-8, sockets,
 * devices and fifos are refused.  Refusals are usage errors. */
int gs_add_tree(gs_layer_t *layer, const char *src, const char *dst, gs_error_t *err);

/* Every --add SRC:DST of a build, parsed once and each tree walked once
 * into *out, a layer holding the added files alone (the pack stage copies
 * it for each platform's app layer).  A missing source, a bad spec and every
 * refusal of gs_add_tree() are errors naming the spec. */
int gs_adds_layer(const gs_strvec_t *specs, gs_layer_t **out, gs_error_t *err);

#endif
