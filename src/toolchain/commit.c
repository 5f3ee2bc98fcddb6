#include "gsimage/toolchain/commit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/toolchain/cfail.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

int gs_commit_lock_key(const char *dir, const gs_progress_t *progress, gs_lock_t *l,
		       gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(dir, "lock");
	for (;;) {
		if (gs_fs_mkdir_p(dir, 0755, err) < 0)
			return -1;
		int r = gs_lock_path(l, path, GS_LOCK_TRY, err);
		if (r == 1) {
			gs_progress(progress, "waiting for another gsimage building the same binary (%s)",
				    dir);
			r = gs_lock_path(l, path, GS_LOCK_EXCLUSIVE, err);
		}
		if (r < 0)
			return -1;
		/* gc --cache removes a key's directory under its lock: what we
		 * hold must still be the lock file at path */
		struct stat held, now;
		if (fstat(l->fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			break;
		gs_lock_release(l);
	}
	futimens(l->fd, NULL); /* used now: gc --cache keeps it */
	return 0;
}

/* ---- the record of a kept output ------------------------------------------ */

#define RECORD_MAGIC "gsimage-output-v1"

/* The sha256 of the file at fd (lowercase hex, owned), or NULL. */
static char *sha256_fd(int fd)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	static __thread unsigned char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			EVP_DigestUpdate(ctx, buf, (size_t)n);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok = n == 0 && EVP_DigestFinal_ex(ctx, md, &len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return NULL;
	char *hex = xmalloc(2 * len + 1);
	for (unsigned int i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return hex;
}

/* "<magic>\n<size> <sha256>\n<identity>\n" */
struct record {
	uintmax_t size;
	char sha256[65];
	char *identity;
};

static int record_read(const char *sum_path, struct record *r)
{
	cleanup_free char *text = NULL;
	gs_error_t ignored = GS_ERROR_INIT;
	int ok = gs_fs_read_file(sum_path, &text, NULL, &ignored) == 0;
	gs_error_release(&ignored);
	if (!ok)
		return 0;
	char *l2 = strchr(text, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
	char *end = l3 ? strchr(l3 + 1, '\n') : NULL;
	if (!end || end[1] != '\0' || strncmp(text, RECORD_MAGIC "\n", sizeof RECORD_MAGIC) != 0)
		return 0;
	*l3 = *end = '\0';
	int used = 0;
	if (sscanf(l2 + 1, "%ju %64[0-9a-f]%n", &r->size, r->sha256, &used) != 2 ||
	    l2[1 + used] != '\0' || strlen(r->sha256) != 64)
		return 0;
	r->identity = xstrdup(l3 + 1);
	return 1;
}

static void record_write(const char *sum_path, off_t size, const char *sha256, const char *id)
{
	if (strchr(id, '\n'))
		return;
	cleanup_free char *text = x_asprintf(RECORD_MAGIC "\n%ju %s\n%s\n", (uintmax_t)size,
					     sha256, id);
	gs_error_t ignored = GS_ERROR_INIT;
	gs_fs_write_atomic(sum_path, text, strlen(text), 0644, &ignored);
	gs_error_release(&ignored);
}

static char *sum_path_of(const char *path)
{
	return x_asprintf("%s.sum", path);
}

int gs_commit_check_kept(const char *path, char **warning)
{
	*warning = NULL;
	cleanup_free char *sum = sum_path_of(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		if (errno == ENOENT)
			unlink(sum); /* nothing kept: nothing recorded */
		return 0;
	}
	struct record r = {0};
	int have = record_read(sum, &r);
	cleanup_free char *id = gs_fs_identity(&st);
	/* The same file, unwritten since it was recorded: a write changes
	 * its ctime, which no user can set. */
	int trusted = have && strcmp(id, r.identity) == 0;
	int same_content = trusted;
	if (have && !trusted && S_ISREG(st.st_mode) && (uintmax_t)st.st_size == r.size) {
		cleanup_free char *hex = sha256_fd(fd);
		same_content = hex && strcmp(hex, r.sha256) == 0;
	}
	close(fd);
	free(r.identity);
	if (same_content) {
		if (!trusted) /* copied, or touched: the record follows it */
			record_write(sum, st.st_size, r.sha256, id);
		return 1;
	}
	if (have)
		*warning = x_asprintf("the cached binary '%s' is not the one gsimage built (its "
				      "size or sha256 differs from the record); building it again",
				      path);
	unlink(path);
	unlink(sum);
	return 0;
}

/* Do two identities name the same file with the same size (device,
 * inode, mode, size: the fields before the times)? */
static int same_file(const char *a, const char *b)
{
	const char *ea = a, *eb = b;
	for (int i = 0; i < 4 && ea && eb; i++) {
		ea = strchr(ea + (i > 0), ':');
		eb = strchr(eb + (i > 0), ':');
	}
	return ea && eb && ea - a == eb - b && strncmp(a, b, (size_t)(ea - a)) == 0;
}

void gs_commit_record(const char *path, int verified)
{
	cleanup_free char *sum = sum_path_of(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	cleanup_free char *id = gs_fs_identity(&st);
	struct record old = {0};
	int have = record_read(sum, &old);
	int unchanged = have && strcmp(old.identity, id) == 0;
	/* go touches an up-to-date output (a new mtime and ctime, the same
	 * file): checked before go ran, it needs no second hash. */
	int touched = have && verified && same_file(old.identity, id);
	free(old.identity);
	cleanup_free char *hex = unchanged ? NULL : touched ? xstrdup(old.sha256) : sha256_fd(fd);
	close(fd);
	if (unchanged || !hex)
		return;
	record_write(sum, st.st_size, hex, id);
}

/* ---- the end of one build ------------------------------------------------- */

/* Go's failure, in the fewest lines that say it. */
static int go_failed(const gs_platform_t *p, gs_run_t *run, gs_error_t *err)
{
	if (run->rc < 0) {
		gs_error_release(err);
		*err = run->err; /* moved */
		run->err = (gs_error_t)GS_ERROR_INIT;
		return gs_error_wrap(err, "compiling for %s", p->name);
	}
	/* A C library that musl and zig cc lack: one line that names it. */
	cleanup_free char *cmsg = gs_cfail_missing(run->errout);
	if (cmsg)
		return gs_error_set(err, 0, "%s (building for %s)", cmsg, p->name);
	/* A one-line complaint (go's build cache, a missing module) goes into
	 * the error line itself. */
	if (run->errout && gs_proc_says_one_line(run->errout)) {
		cleanup_free char *why = gs_proc_first_line(run->errout);
		return gs_error_set(err, 0, "go build failed for %s: %s", p->name, why);
	}
	gs_error_set_detail(err, run->errout);
	return gs_error_set(err, 0, "go build failed for %s (exit status %d); Go's output is "
			    "above", p->name, run->status);
}

/* With tmp == final (a stable output), go wrote the final path itself (it
 * skips the link when that binary is up to date), the check runs on it, and
 * a refused binary is removed. */
int gs_commit_one(const gs_compile_opts_t *o, size_t index, gs_plan_job_t *j, gs_run_t *run,
		  int verified, gs_lock_t *key_lock, gs_compiled_t *bin, gs_error_t *err)
{
	const gs_platform_t *p = j->platform;
	if (run->rc < 0 || run->status != 0) {
		unlink(j->tmp);
		return go_failed(p, run, err);
	}
	if (j->marker && access(j->marker, F_OK) != 0) {
		gs_error_t ignored = GS_ERROR_INIT;
		gs_fs_write_atomic(j->marker, "", 0, 0644, &ignored); /* a progress hint */
		gs_error_release(&ignored);
	}
	if (o->check && o->check(o->check_ctx, index, j->tmp, p, &bin->build_id, err) < 0) {
		unlink(j->tmp);
		return -1;
	}
	if (strcmp(j->tmp, j->final) != 0 && rename(j->tmp, j->final) < 0) {
		int e = errno;
		unlink(j->tmp);
		free(bin->build_id);
		bin->build_id = NULL;
		return gs_error_set(err, e, "renaming '%s' to '%s'", j->tmp, j->final);
	}
	if (o->stable_output)
		gs_commit_record(j->final, verified);
	else if (o->outputs_are_temporary)
		gs_tempfile_register(j->final);
	bin->platform = p;
	bin->cgo = j->cgo.cgo;
	bin->path = j->final;
	j->final = NULL;
	gs_lock_move(&bin->lock, key_lock);
	return 0;
}
