/* Static-ness verifier (libelf).  It reports findings; callers decide what
 * is acceptable and how to word it. */
#ifndef GSIMAGE_ELF_VERIFY_H
#define GSIMAGE_ELF_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef enum gs_elf_linkage {
	GS_ELF_STATIC,     /* no PT_INTERP, no DT_NEEDED, and no PT_DYNAMIC
			      unless ET_EXEC (the kernel ignores it then) */
	GS_ELF_STATIC_PIE, /* ET_DYN + PT_DYNAMIC, no PT_INTERP, no DT_NEEDED */
	GS_ELF_DYNAMIC,    /* PT_INTERP or DT_NEEDED */
} gs_elf_linkage_t;

/* RELRO as the ELF file asks for it: PT_GNU_RELRO alone is partial, with
 * BIND_NOW it is full.  (Whether it is applied at run time is the C
 * runtime's business: musl's static-pie start code does not mprotect it.) */
typedef enum gs_elf_relro {
	GS_ELF_RELRO_NONE,
	GS_ELF_RELRO_PARTIAL,
	GS_ELF_RELRO_FULL,
} gs_elf_relro_t;

typedef struct gs_elf_report {
	gs_elf_linkage_t linkage;
	int elf_class;      /* 32 or 64 */
	int big_endian;
	int machine;        /* e_machine */
	int type;           /* e_type: ET_EXEC or ET_DYN (ET_REL, ET_CORE... are
			       reported as they are; check_platform rejects them) */
	char *interp;       /* PT_INTERP contents, or NULL */
	gs_strvec_t needed; /* DT_NEEDED entries, in order */
	int has_dynamic;    /* a PT_DYNAMIC segment is present */
	int stripped;       /* no SHT_SYMTAB (.symtab) section */
	int pie;            /* a position-independent executable: ET_DYN with
			       DF_1_PIE, an interpreter, or static-pie linkage */
	gs_elf_relro_t relro;
	int bind_now;       /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
	uint64_t size;      /* file size in bytes */
	uint64_t entry;     /* e_entry: 0 in a shared library (ld -shared) */
	char *go_version;   /* from Go build info ("go1.19.8"), or NULL */
	char *go_path;      /* main package path, or NULL */
	char *go_module;    /* main module path, or NULL */
	char *go_build_id;  /* the Go build ID note (what `go tool buildid`
			       prints: it changes with the content), or NULL */
} gs_elf_report_t;

#define GS_ELF_REPORT_INIT {0}

/* Inspect an ELF image held in memory (32- or 64-bit, either byte order).
 * Fills *report (which must be empty: GS_ELF_REPORT_INIT or released); its
 * strings belong to the report, free them with gs_elf_report_release().
 * Non-ELF, empty, truncated and corrupt input returns -1 with *report left
 * empty and a message saying which: "empty file", "not an ELF file",
 * "truncated ELF file (section headers end at offset 9000, file has 4096
 * bytes)", "corrupt ELF header: invalid class 7", "corrupt dynamic section:
 * ...", or libelf's own message.  Never reads past len, never writes to buf
 * (libelf is used in ELF_C_READ_MMAP mode, which only reads). */
int gs_elf_inspect_mem(const void *buf, size_t len, gs_elf_report_t *report, gs_error_t *err);

/* Inspect a file, mapped read-only (read into memory if it cannot be
 * mapped).  It is opened non-blocking, so a FIFO or a device never blocks
 * the caller.  "cannot open: <strerror>", "is a directory", "not a regular
 * file (a FIFO)" (or a socket, a character device, a block device) and
 * "empty file" are reported without the path: the caller adds it. */
int gs_elf_inspect_file(const char *path, gs_elf_report_t *report, gs_error_t *err);

/* Is id a build ID go computed: four '/'-separated parts of 20 base64url
 * characters, hashes of the build's inputs and of its output?  One set
 * with -ldflags=-buildid=... can be anything and stays the same whatever
 * the content, so it names nothing. */
int gs_go_build_id_is_content_id(const char *id);

void gs_elf_report_release(gs_elf_report_t *report);

/* Is the binary described by r a static (or static-pie) executable that
 * runs on platform p (e_machine, ELF class and byte order all match)?
 * Returns 0 when it is; otherwise -1 with err set to the first problem, in
 * this order:
 *   "not an executable (ELF type relocatable)"
 *   "built for AArch64, not x86-64 (linux/amd64)"
 *   "built for 32-bit x86-64, not 64-bit x86-64 (linux/amd64)"
 *   "built for big-endian PowerPC64, not little-endian PowerPC64 (linux/ppc64le)"
 *   "dynamically linked: interpreter '/lib/ld-musl-x86_64.so.1', needs libc.so, libfoo.so"
 * Pure: no I/O; callers (compile, verify) add the file name. */
int gs_elf_check_platform(const gs_elf_report_t *r, const gs_platform_t *p, gs_error_t *err);

/* The one check every binary passes before it goes into an image (compile
 * and pack both call it): inspect path, take its platform (want, or when
 * want is NULL the table row whose machine, class and byte order it has)
 * and check it with gs_elf_check_platform().  On success *platform is set;
 * *report is filled whenever inspecting worked (release it either way).
 * Messages leave out the path (the caller adds it), e.g. "built for S/390,
 * which gsimage has no platform for". */
int gs_elf_verify_file(const char *path, const gs_platform_t *want, gs_elf_report_t *report,
		       const gs_platform_t **platform, gs_error_t *err);

/* Does r's machine, class and byte order match p?  (The part of
 * gs_elf_check_platform() that verify reports separately.) */
int gs_elf_machine_matches(const gs_elf_report_t *r, const gs_platform_t *p);

/* One file's outcome, as `gsimage verify --json` prints it. */
typedef struct gs_elf_result {
	const char *file;              /* as given on the command line */
	const gs_elf_report_t *report; /* NULL when inspecting it failed */
	const char *error;             /* why inspecting failed, or NULL */
} gs_elf_result_t;

/* A JSON array (2-space indent, keys in this order, no trailing newline)
 * with one object per result:
 *   {"file", "linkage" ("static"|"static-pie"|"dynamic"), "machine" ("x86-64"),
 *    "class" (32|64), "byte_order" ("little"|"big"), "interpreter",
 *    "needed" [...], "static" (bool: static or static-pie),
 *    "machine_ok" (bool: machine, class and byte order match p),
 *    "ok" (bool: gs_elf_check_platform() accepts it), "size", "stripped",
 *    "pie" (bool), "relro" ("none"|"partial"|"full"), "bind_now" (bool),
 *    "go_version", "go_path", "go_module",
 *    "error" (the inspection error, else the gs_elf_check_platform()
 *             message, else null)}
 * Fields a failed inspection cannot know are null.  Owned by the caller. */
char *gs_elf_results_json(const gs_elf_result_t *results, size_t n, const gs_platform_t *p);

/* "executable", "shared object" (ET_DYN), "relocatable", "core", or
 * "type <n>" (static buffer for unknown ones: not reentrant). */
const char *gs_elf_type_name(int type);

/* "none", "partial", "full" */
const char *gs_elf_relro_name(gs_elf_relro_t relro);

/* "static", "static-pie", "dynamic" */
const char *gs_elf_linkage_name(gs_elf_linkage_t linkage);

/* "x86-64", "AArch64", "ARM", "RISC-V", "PowerPC64", "S/390", "Intel 80386",
 * or "machine <n>" for others (static buffer for unknown ones: not reentrant). */
const char *gs_elf_machine_name(int machine);

#endif
