/* The atomic tar writer under export.c's archives: a libarchive
 * pax-restricted tar writer whose write callback appends to a registered
 * temp file next to the destination (see tarout.h). */
#include "gsimage/oci/tarout.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"


struct gs_tarout {
	const char *final; /* borrowed */
	gs_output_t out;   /* a temp file to rename, or a device written through */
	int fd;
	struct archive *a;
	gs_error_t werr; /* what the write callback hit */
};

static la_ssize_t out_write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
	gs_tarout_t *o = ctx;
	if (gs_fs_write_all(o->fd, buf, len, o->final, &o->werr) < 0) {
		archive_set_error(a, o->werr.errnum ? o->werr.errnum : EIO, "%s", o->werr.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

/* err from a failed libarchive call on the output: the write callback's own
 * error when it had one (it carries errno), else libarchive's message. */
static int out_fail(gs_tarout_t *o, gs_error_t *err)
{
	if (o->werr.msg) {
		gs_error_release(err);
		*err = o->werr;
		o->werr = (gs_error_t)GS_ERROR_INIT;
		return -1;
	}
	const char *msg = archive_error_string(o->a);
	return gs_error_set(err, 0, "writing '%s': %s", o->final,
			    msg ? msg : "unknown libarchive error");
}

void gs_tarout_free(gs_tarout_t *o)
{
	if (!o)
		return;
	if (o->a) {
		/* close even after a fatal error: it is what frees the write
		 * buffer (libarchive 3.6 leaks it when freed in the FATAL
		 * state); the end-of-archive it may write goes to a file that
		 * is removed just below */
		archive_write_close(o->a);
		archive_write_free(o->a);
		o->a = NULL;
	}
	gs_output_discard(&o->out);
	o->fd = -1;
	gs_error_release(&o->werr);
	free(o);
}

int gs_tarout_open(const char *out_path, gs_tarout_t **out, gs_error_t *err)
{
	gs_tarout_t *o = xcalloc(1, sizeof(*o));
	o->final = out_path;
	o->out.fd = -1;
	if (gs_output_open(out_path, &o->out, err) < 0) {
		gs_error_wrap(err, "writing '%s'", out_path);
		goto fail;
	}
	o->fd = o->out.fd;
	o->a = archive_write_new();
	if (!o->a)
		abort();
	/* 10240-byte blocks for fewer write() calls, but no padding after the
	 * end-of-archive blocks */
	if (archive_write_set_format_pax_restricted(o->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(o->a, 10240) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(o->a, 1) != ARCHIVE_OK ||
	    archive_write_open(o->a, o, NULL, out_write_cb, NULL) != ARCHIVE_OK) {
		out_fail(o, err);
		goto fail;
	}
	*out = o;
	return 0;
fail:
	gs_tarout_free(o);
	return -1;
}

int gs_tarout_commit(gs_tarout_t *o, gs_error_t *err)
{
	if (archive_write_close(o->a) != ARCHIVE_OK)
		return out_fail(o, err);
	archive_write_free(o->a);
	o->a = NULL;
	int r = gs_output_commit(&o->out, err);
	o->fd = -1;
	return r;
}

int gs_tarout_header(gs_tarout_t *o, const char *name, gs_tarout_type_t type, uint64_t size,
		     gs_error_t *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, name);
	if (type == GS_TAROUT_DIR) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)size);
	}
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	int r = archive_write_header(o->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return out_fail(o, err);
	return 0;
}

int gs_tarout_data(gs_tarout_t *o, const void *buf, size_t len, gs_error_t *err)
{
	la_ssize_t w = archive_write_data(o->a, buf, len);
	if (w < 0)
		return out_fail(o, err);
	if ((size_t)w != len)
		return gs_error_set(err, 0, "writing '%s': entry is larger than its header says",
				    o->final);
	return 0;
}

int gs_tarout_add_mem(gs_tarout_t *o, const char *name, const void *data, size_t len,
		      gs_error_t *err)
{
	if (gs_tarout_header(o, name, GS_TAROUT_FILE, len, err) < 0)
		return -1;
	return len ? gs_tarout_data(o, data, len, err) : 0;
}
