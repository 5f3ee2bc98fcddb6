#include "gsimage/oci/pgzip.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/util/xalloc.h"

#define MAX_THREADS 8

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

/* One block on its way through: filled by the writer, compressed by a
 * worker (or the writer), emitted in sequence order by whichever thread
 * finishes the next one. */
struct slot {
	enum slot_state state;
	unsigned long seq;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len;
};

struct gs_pgzip {
	int level;
	gs_pgzip_out_fn out;
	void *out_ctx;
	int failed;          /* out() said stop */
	gs_error_t out_err;  /* what it said, until the writer takes it */
	int emitting;        /* a thread is in out(): emission is one at a time */

	pthread_mutex_t lock;
	pthread_cond_t work;  /* a slot became READY, or stopping */
	pthread_cond_t done;  /* a slot became DONE */
	pthread_t threads[MAX_THREADS];
	int n_threads;
	int stopping;

	struct slot *slots;
	int n_slots;
	struct slot *filling;    /* the block being filled, or NULL */
	unsigned long next_seq;  /* given to the next filled block */
	unsigned long emit_seq;  /* the next block to emit */
	size_t out_cap;
};

/* Incompressible input (already-compressed or random data) would cost a
 * full compression only for libdeflate to fall back to stored blocks.  A
 * block is probed first: PROBE_WINDOWS windows of PROBE_BYTES, spread
 * evenly over it, each compressed at level 1; if none of them shrinks by
 * at least 1/PROBE_MIN_GAIN of its size, the block is stored (level 0).
 * The probe stops at the first window that compresses, so compressible
 * input pays for one small window.  The decision depends on the block's
 * bytes only, so the output stays independent of the number of threads. */
#define PROBE_WINDOWS 4
#define PROBE_BYTES 4096
#define PROBE_MIN_GAIN 32

static int incompressible(const char *in, size_t len)
{
	if (len < (size_t)PROBE_WINDOWS * PROBE_BYTES * 2)
		return 0; /* small: compressing it costs little anyway */
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
	if (!c)
		abort();
	char out[PROBE_BYTES];
	size_t stride = (len - PROBE_BYTES) / (PROBE_WINDOWS - 1);
	int stored = 1;
	for (int i = 0; i < PROBE_WINDOWS && stored; i++) {
		/* 0: did not fit in PROBE_BYTES less the minimum gain */
		if (libdeflate_deflate_compress(c, in + (size_t)i * stride, PROBE_BYTES, out,
						PROBE_BYTES - PROBE_BYTES / PROBE_MIN_GAIN) != 0)
			stored = 0;
	}
	libdeflate_free_compressor(c);
	return stored;
}

static size_t compress_block(int level, const char *in, size_t len, char *out, size_t cap)
{
	if (level > 0 && incompressible(in, len))
		level = 0;
	/* A compressor per call keeps workers independent; allocation is
	 * small next to compressing a megabyte. */
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c)
		abort();
	size_t n = libdeflate_gzip_compress(c, in, len, out, cap);
	libdeflate_free_compressor(c);
	if (n < 10)
		abort(); /* cap is libdeflate's own bound: cannot happen */
	out[9] = 3; /* OS: Unix, not libdeflate's "unknown" (no header CRC to fix) */
	return n;
}

/* Hand finished blocks to out() in order, as long as the next one is
 * finished and no other thread is at it: whichever thread finishes a block
 * (a worker, or the writer) emits it, so hashing and writing the output run
 * beside the writer's own work, on another core.  Called with the lock
 * held; drops it while in out(). */
static void emit_ready(gs_pgzip_t *z)
{
	while (!z->emitting) {
		struct slot *s = NULL;
		for (int i = 0; i < z->n_slots && !s; i++)
			if (z->slots[i].state == SLOT_DONE && z->slots[i].seq == z->emit_seq)
				s = &z->slots[i];
		if (!s)
			return;
		int skip = z->failed; /* after a failure, output is dropped */
		z->emitting = 1;
		pthread_mutex_unlock(&z->lock);
		int r = skip ? 0 : z->out(z->out_ctx, s->out, s->out_len, &z->out_err);
		pthread_mutex_lock(&z->lock);
		if (r < 0)
			z->failed = 1;
		s->state = SLOT_FREE;
		z->emit_seq++;
		z->emitting = 0;
		pthread_cond_broadcast(&z->done);
	}
}

/* Compress one READY block on the calling thread, then emit what is ready;
 * 0 when there was no block.  Called with the lock held; drops it while
 * compressing. */
static int help_one(gs_pgzip_t *z)
{
	struct slot *s = NULL;
	for (int i = 0; i < z->n_slots && !s; i++)
		if (z->slots[i].state == SLOT_READY)
			s = &z->slots[i];
	if (!s)
		return 0;
	s->state = SLOT_BUSY;
	pthread_mutex_unlock(&z->lock);
	s->out_len = compress_block(z->level, s->in, s->in_len, s->out, z->out_cap);
	pthread_mutex_lock(&z->lock);
	s->state = SLOT_DONE;
	emit_ready(z);
	pthread_cond_broadcast(&z->done);
	return 1;
}

static void *worker(void *arg)
{
	gs_pgzip_t *z = arg;
	pthread_mutex_lock(&z->lock);
	for (;;) {
		if (help_one(z))
			continue;
		if (z->stopping)
			break;
		pthread_cond_wait(&z->work, &z->lock);
	}
	pthread_mutex_unlock(&z->lock);
	return NULL;
}

gs_pgzip_t *gs_pgzip_new(int level, int threads, gs_pgzip_out_fn out, void *out_ctx)
{
	gs_pgzip_t *z = xcalloc(1, sizeof *z);
	z->level = level < 0 ? GS_PGZIP_DEFAULT_LEVEL : level;
	z->out = out;
	z->out_ctx = out_ctx;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;

	/* room for the level's output and for a stored block's */
	for (int lv = 0; lv <= z->level; lv += z->level ? z->level : 1) {
		struct libdeflate_compressor *c = libdeflate_alloc_compressor(lv);
		if (!c)
			abort();
		size_t cap = libdeflate_gzip_compress_bound(c, GS_PGZIP_BLOCK);
		if (cap > z->out_cap)
			z->out_cap = cap;
		libdeflate_free_compressor(c);
	}

	/* Two blocks per thread keep every worker busy while the writer fills
	 * the next one and finished ones wait for their turn to be emitted. */
	z->n_slots = threads * 2;
	z->slots = xcalloc((size_t)z->n_slots, sizeof *z->slots);
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	/* With one thread the writer compresses inline: no workers at all. */
	if (threads > 1)
		for (int i = 0; i < threads; i++)
			if (pthread_create(&z->threads[z->n_threads], NULL, worker, z) == 0)
				z->n_threads++;
	return z;
}

/* The error of a failed out(), moved to the writer's err.  Called with the
 * lock held, once z->failed is set. */
static int take_failure(gs_pgzip_t *z, gs_error_t *err)
{
	if (z->out_err.msg) {
		gs_error_release(err);
		*err = z->out_err;
		z->out_err = (gs_error_t)GS_ERROR_INIT;
	}
	else if (!err->msg)
		/* taken by an earlier call, or the sink failed without a word */
		gs_error_set(err, 0, "writing compressed layer data failed");
	return -1;
}

/* Wait until something changes: compress a waiting block here if there is
 * one (and emit), else emit, else sleep until a block is done or emitted.
 * Called with the lock held. */
static void wait_progress(gs_pgzip_t *z)
{
	unsigned long seq = z->emit_seq;
	if (help_one(z))
		return;
	emit_ready(z);
	if (z->emit_seq == seq)
		pthread_cond_wait(&z->done, &z->lock);
}

/* Hand the filled block to a worker (or compress it here). */
static void submit(gs_pgzip_t *z)
{
	struct slot *s = z->filling;
	z->filling = NULL;
	if (z->n_threads == 0) {
		pthread_mutex_unlock(&z->lock);
		s->out_len = compress_block(z->level, s->in, s->in_len, s->out, z->out_cap);
		pthread_mutex_lock(&z->lock);
		s->state = SLOT_DONE;
		emit_ready(z);
		return;
	}
	s->state = SLOT_READY;
	pthread_cond_signal(&z->work);
}

/* A free slot to fill, waiting (and helping) until one is. */
static struct slot *free_slot(gs_pgzip_t *z)
{
	for (;;) {
		for (int i = 0; i < z->n_slots; i++) {
			struct slot *s = &z->slots[i];
			if (s->state == SLOT_FREE) {
				if (!s->in) {
					s->in = xmalloc(GS_PGZIP_BLOCK);
					s->out = xmalloc(z->out_cap);
				}
				s->seq = z->next_seq++;
				s->in_len = 0;
				s->state = SLOT_BUSY; /* owned by the writer while filling */
				return s;
			}
		}
		wait_progress(z);
	}
}

int gs_pgzip_write(gs_pgzip_t *z, const void *data, size_t len, gs_error_t *err)
{
	const char *p = data;
	pthread_mutex_lock(&z->lock);
	while (len > 0 && !z->failed) {
		if (!z->filling)
			z->filling = free_slot(z);
		struct slot *s = z->filling;
		size_t n = GS_PGZIP_BLOCK - s->in_len;
		if (n > len)
			n = len;
		/* the writer owns the filling slot: copy without the lock */
		pthread_mutex_unlock(&z->lock);
		memcpy(s->in + s->in_len, p, n);
		pthread_mutex_lock(&z->lock);
		s->in_len += n;
		p += n;
		len -= n;
		if (s->in_len == GS_PGZIP_BLOCK)
			submit(z);
	}
	int r = z->failed ? take_failure(z, err) : 0;
	pthread_mutex_unlock(&z->lock);
	return r;
}

int gs_pgzip_finish(gs_pgzip_t *z, gs_error_t *err)
{
	pthread_mutex_lock(&z->lock);
	/* An empty stream is still one (empty) gzip member. */
	if (!z->filling && z->next_seq == 0 && !z->failed)
		z->filling = free_slot(z);
	if (z->filling && z->filling->in_len == 0 && z->next_seq > 1) {
		z->filling->state = SLOT_FREE; /* nothing in it: drop the block */
		z->next_seq--;
		z->filling = NULL;
	}
	if (z->filling)
		submit(z);
	while (z->emit_seq < z->next_seq)
		wait_progress(z);
	int r = z->failed ? take_failure(z, err) : 0;
	pthread_mutex_unlock(&z->lock);
	return r;
}

void gs_pgzip_free(gs_pgzip_t *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->lock);
	z->stopping = 1;
	z->failed = 1; /* whatever the workers still finish is dropped */
	pthread_cond_broadcast(&z->work);
	pthread_mutex_unlock(&z->lock);
	for (int i = 0; i < z->n_threads; i++)
		pthread_join(z->threads[i], NULL);
	for (int i = 0; i < z->n_slots; i++) {
		free(z->slots[i].in);
		free(z->slots[i].out);
	}
	free(z->slots);
	gs_error_release(&z->out_err);
	pthread_mutex_destroy(&z->lock);
	pthread_cond_destroy(&z->work);
	pthread_cond_destroy(&z->done);
	free(z);
}

const char *gs_pgzip_version(void)
{
	return "pgzip-4 libdeflate " LIBDEFLATE_VERSION_STRING;
}
