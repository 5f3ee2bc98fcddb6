/* Media types <-> compression: one table of the layer media types gsimage
 * reads, and the three it writes. */
#include "gsimage/oci/mediatype.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *mt;
	gs_compression_t c;
} layer_types[] = {
	{GS_MT_LAYER, GS_COMPRESS_NONE},
	{GS_MT_LAYER_GZIP, GS_COMPRESS_GZIP},
	{GS_MT_LAYER_ZSTD, GS_COMPRESS_ZSTD},
	{GS_MT_LAYER_NONDIST, GS_COMPRESS_NONE},
	{GS_MT_LAYER_NONDIST_GZIP, GS_COMPRESS_GZIP},
	{GS_MT_LAYER_NONDIST_ZSTD, GS_COMPRESS_ZSTD},
	{GS_MT_DOCKER_LAYER, GS_COMPRESS_NONE},
	{GS_MT_DOCKER_LAYER_GZIP, GS_COMPRESS_GZIP},
	{GS_MT_DOCKER_FOREIGN_LAYER_GZIP, GS_COMPRESS_GZIP},
};

const char *gs_mediatype_layer(gs_compression_t c)
{
	switch (c) {
	case GS_COMPRESS_GZIP:
		return GS_MT_LAYER_GZIP;
	case GS_COMPRESS_ZSTD:
		return GS_MT_LAYER_ZSTD;
	case GS_COMPRESS_NONE:
		break;
	}
	return GS_MT_LAYER;
}

int gs_mediatype_layer_compression(const char *mt, gs_compression_t *c)
{
	if (!mt)
		return 0;
	for (size_t i = 0; i < sizeof(layer_types) / sizeof(layer_types[0]); i++) {
		if (strcmp(mt, layer_types[i].mt) == 0) {
			*c = layer_types[i].c;
			return 1;
		}
	}
	return 0;
}

int gs_mediatype_is_index(const char *mt)
{
	return mt && (strcmp(mt, GS_MT_INDEX) == 0 || strcmp(mt, GS_MT_DOCKER_MANIFEST_LIST) == 0);
}

int gs_mediatype_is_manifest(const char *mt)
{
	return mt && (strcmp(mt, GS_MT_MANIFEST) == 0 || strcmp(mt, GS_MT_DOCKER_MANIFEST) == 0);
}
