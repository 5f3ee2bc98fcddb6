/* Static-ness verifier (libelf).  It reports findings; callers decide what
 * is acceptable and how to word it. */
#ifndef GSIMAGE_ELF_VERIFY_H
#define GSIMAGE_ELF_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef enum gs_elf_linkage {
	GS_ELF_STATIC,     /* no PT_INTERP, no PT_DYNAMIC */
	GS_ELF_STATIC_PIE, /* ET_DYN + PT_DYNAMIC, no PT_INTERP, no DT_NEEDED */
	GS_ELF_DYNAMIC,    /* PT_INTERP or DT_NEEDED */
} gs_elf_linkage_t;

typedef struct gs_elf_report {
	gs_elf_linkage_t linkage;
	int elf_class;      /* 32 or 64 */
	int big_endian;
	int machine;        /* e_machine */
	int type;           /* e_type: ET_EXEC or ET_DYN */
	char *interp;       /* PT_INTERP contents, or NULL */
	gs_strvec_t needed; /* DT_NEEDED entries, in order */
	int has_dynamic;    /* a PT_DYNAMIC segment is present */
	int stripped;       /* no .symtab section */
	uint64_t size;      /* file size in bytes */
	char *go_version;   /* from Go build info ("go1.19.8"), or NULL */
	char *go_path;      /* main package path, or NULL */
	char *go_module;    /* main module path, or NULL */
} gs_elf_report_t;

#define GS_ELF_REPORT_INIT {0}

/* Inspect an ELF image held in memory.  Non-ELF, empty and truncated input
 * returns -1 with a message saying which ("not an ELF file", "truncated ELF
 * file: ..."); never reads past len. */
int gs_elf_inspect_mem(const void *buf, size_t len, gs_elf_report_t *report, gs_error_t *err);

/* Inspect a file (mapped read-only).  Directories, empty files and unreadable
 * files get a clear error naming the problem (the caller adds the path). */
int gs_elf_inspect_file(const char *path, gs_elf_report_t *report, gs_error_t *err);

void gs_elf_report_release(gs_elf_report_t *report);

/* "static", "static-pie", "dynamic" */
const char *gs_elf_linkage_name(gs_elf_linkage_t linkage);

/* "x86-64", "AArch64", "ARM", "RISC-V", "PowerPC64", "S/390", "Intel 80386",
 * or "machine <n>" for others (static buffer for unknown ones: not reentrant). */
const char *gs_elf_machine_name(int machine);

#endif
