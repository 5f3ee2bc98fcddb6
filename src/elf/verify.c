/* Static-ness verifier.  The ELF header and the extents of the header tables
 * are checked by hand first, so that truncated and corrupt input gets a
 * precise message and libelf only ever sees tables that lie inside the
 * buffer; libelf (gelf_*) then reads the program headers, sections and the
 * dynamic section in the file's own class and byte order. */
#include "gsimage/elf/verify.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/elf/buildinfo.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

static inline void gs_cleanup_elfp(Elf **e)
{
	if (*e)
		elf_end(*e);
}
#define cleanup_elf __attribute__((cleanup(gs_cleanup_elfp)))

#define GO_BUILDINFO_MAGIC "\xff Go buildinf:"
#define GO_BUILDINFO_ALIGN 16

/* ---- raw header access (before libelf) ---------------------------------- */

typedef struct raw_ehdr {
	int is64, be;
	uint64_t phoff, shoff;
	unsigned phentsize, phnum, shentsize, shnum;
} raw_ehdr_t;

static uint64_t rd(const unsigned char *p, size_t n, int be)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[be ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

/* Does [off, off + size) lie inside a buffer of len bytes? */
static int in_bounds(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* off + size, saturating: only ever printed. */
static uint64_t end_of(uint64_t off, uint64_t size)
{
	return off > UINT64_MAX - size ? UINT64_MAX : off + size;
}

/* what: "section headers end", "segment 3 ends"... */
static int truncated(gs_error_t *err, const char *what, uint64_t end, size_t len)
{
	return gs_error_set(err, 0, "truncated ELF file (%s at offset %llu, file has %zu bytes)",
			    what, (unsigned long long)end, len);
}

/* Identification, header and the two header tables. */
static int check_raw(const unsigned char *b, size_t len, raw_ehdr_t *h, gs_error_t *err)
{
	if (len == 0)
		return gs_error_set(err, 0, "empty file");
	if (memcmp(b, ELFMAG, len < SELFMAG ? len : SELFMAG) != 0)
		return gs_error_set(err, 0, "not an ELF file");
	if (len < EI_NIDENT)
		return gs_error_set(err, 0,
				    "truncated ELF file (%zu bytes, shorter than the ELF identification)",
				    len);
	if (b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64)
		return gs_error_set(err, 0, "corrupt ELF header: invalid class %u", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB && b[EI_DATA] != ELFDATA2MSB)
		return gs_error_set(err, 0, "corrupt ELF header: invalid byte order %u", b[EI_DATA]);
	if (b[EI_VERSION] != EV_CURRENT)
		return gs_error_set(err, 0, "corrupt ELF header: unsupported version %u",
				    b[EI_VERSION]);

	h->is64 = b[EI_CLASS] == ELFCLASS64;
	h->be = b[EI_DATA] == ELFDATA2MSB;
	size_t ehsize = h->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = h->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t shsize = h->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (len < ehsize)
		return gs_error_set(err, 0, "truncated ELF file (%zu bytes, the ELF header needs %zu)",
				    len, ehsize);

	if (h->is64) {
		h->phoff = rd(b + offsetof(Elf64_Ehdr, e_phoff), 8, h->be);
		h->shoff = rd(b + offsetof(Elf64_Ehdr, e_shoff), 8, h->be);
		h->phentsize = rd(b + offsetof(Elf64_Ehdr, e_phentsize), 2, h->be);
		h->phnum = rd(b + offsetof(Elf64_Ehdr, e_phnum), 2, h->be);
		h->shentsize = rd(b + offsetof(Elf64_Ehdr, e_shentsize), 2, h->be);
		h->shnum = rd(b + offsetof(Elf64_Ehdr, e_shnum), 2, h->be);
	} else {
		h->phoff = rd(b + offsetof(Elf32_Ehdr, e_phoff), 4, h->be);
		h->shoff = rd(b + offsetof(Elf32_Ehdr, e_shoff), 4, h->be);
		h->phentsize = rd(b + offsetof(Elf32_Ehdr, e_phentsize), 2, h->be);
		h->phnum = rd(b + offsetof(Elf32_Ehdr, e_phnum), 2, h->be);
		h->shentsize = rd(b + offsetof(Elf32_Ehdr, e_shentsize), 2, h->be);
		h->shnum = rd(b + offsetof(Elf32_Ehdr, e_shnum), 2, h->be);
	}

	/* Section headers first: with e_shnum == 0 or e_phnum == PN_XNUM the
	 * real counts live in section header 0. */
	uint64_t shnum = h->shnum;
	if (h->shoff != 0) {
		if (h->shentsize != shsize)
			return gs_error_set(err, 0,
					    "corrupt ELF header: section header size %u, expected %zu",
					    h->shentsize, shsize);
		if (!in_bounds(h->shoff, shsize, len))
			return truncated(err, "section headers end", end_of(h->shoff, shsize), len);
		if (shnum == 0)
			shnum = h->is64 ? rd(b + h->shoff + offsetof(Elf64_Shdr, sh_size), 8, h->be)
					: rd(b + h->shoff + offsetof(Elf32_Shdr, sh_size), 4, h->be);
		if (shnum > (len - h->shoff) / shsize)
			return truncated(err, "section headers end",
					 shnum > UINT64_MAX / shsize ? UINT64_MAX
								     : end_of(h->shoff, shnum * shsize),
					 len);
	}

	uint64_t phnum = h->phnum;
	if (phnum == PN_XNUM) {
		if (h->shoff == 0)
			return gs_error_set(err, 0,
					    "corrupt ELF header: extended program header count without section headers");
		phnum = h->is64 ? rd(b + h->shoff + offsetof(Elf64_Shdr, sh_info), 4, h->be)
				: rd(b + h->shoff + offsetof(Elf32_Shdr, sh_info), 4, h->be);
	}
	if (phnum > 0) {
		if (h->phentsize != phsize)
			return gs_error_set(err, 0,
					    "corrupt ELF header: program header size %u, expected %zu",
					    h->phentsize, phsize);
		if (h->phoff > len || phnum > (len - h->phoff) / phsize)
			return truncated(err, "program headers end",
					 end_of(h->phoff, phnum * phsize), len);
	}
	return 0;
}

/* ---- helpers on a libelf handle ----------------------------------------- */

static int libelf_error(gs_error_t *err, const char *what)
{
	const char *msg = elf_errmsg(-1);
	return gs_error_set(err, 0, "%s: %s", what, msg ? msg : "unknown libelf error");
}

/* File offset of virtual address addr, with *avail bytes of file data from
 * there to the end of its PT_LOAD segment; -1 when no segment maps it. */
static int64_t vaddr_to_offset(const GElf_Phdr *ph, size_t nph, uint64_t addr, uint64_t *avail)
{
	for (size_t i = 0; i < nph; i++) {
		if (ph[i].p_type != PT_LOAD || addr < ph[i].p_vaddr ||
		    addr - ph[i].p_vaddr >= ph[i].p_filesz)
			continue;
		*avail = ph[i].p_filesz - (addr - ph[i].p_vaddr);
		return (int64_t)(ph[i].p_offset + (addr - ph[i].p_vaddr));
	}
	return -1;
}

/* Push the NUL-terminated string at strtab[off] (strtab has size bytes). */
static int push_dynstr(gs_strvec_t *sv, const char *strtab, uint64_t size, uint64_t off,
		       gs_error_t *err)
{
	if (off >= size)
		return gs_error_set(err, 0,
				    "corrupt dynamic section: DT_NEEDED offset %llu outside the string table",
				    (unsigned long long)off);
	size_t n = strnlen(strtab + off, size - off);
	if (n == size - off)
		return gs_error_set(err, 0,
				    "corrupt dynamic section: DT_NEEDED string not terminated");
	gs_strvec_push(sv, strtab + off);
	return 0;
}

/* The dynamic tags that say how the loader binds: DT_FLAGS, DT_FLAGS_1 and
 * the older DT_BIND_NOW. */
typedef struct dyn_flags {
	uint64_t flags, flags_1;
	int bind_now;
} dyn_flags_t;

static void note_flag(const GElf_Dyn *dyn, dyn_flags_t *f)
{
	if (dyn->d_tag == DT_FLAGS)
		f->flags |= dyn->d_un.d_val;
	else if (dyn->d_tag == DT_FLAGS_1)
		f->flags_1 |= dyn->d_un.d_val;
	else if (dyn->d_tag == DT_BIND_NOW)
		f->bind_now = 1;
}

/* DT_NEEDED (and the flags) from the SHT_DYNAMIC section, its strings from
 * sh_link. */
static int needed_from_section(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, gs_strvec_t *out,
			       dyn_flags_t *flags, gs_error_t *err)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data)
		return libelf_error(err, "cannot read the dynamic section");
	size_t entsize = gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT);
	size_t n = entsize ? data->d_size / entsize : 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(data, (int)i, &dyn))
			return libelf_error(err, "cannot read the dynamic section");
		if (dyn.d_tag == DT_NULL)
			break;
		note_flag(&dyn, flags);
		if (dyn.d_tag != DT_NEEDED)
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
		if (!name)
			return libelf_error(err, "corrupt dynamic section: bad DT_NEEDED name");
		gs_strvec_push(out, name);
	}
	return 0;
}

/* DT_NEEDED (and the flags) from the PT_DYNAMIC segment (no section
 * headers): DT_STRTAB is an address, mapped to a file offset through the
 * PT_LOAD segments. */
static int needed_from_segment(Elf *elf, const unsigned char *buf, size_t len,
			       const GElf_Phdr *dynph, const GElf_Phdr *ph, size_t nph,
			       gs_strvec_t *out, dyn_flags_t *flags, gs_error_t *err)
{
	if (dynph->p_filesz == 0)
		return 0;
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)dynph->p_offset, dynph->p_filesz,
					      ELF_T_DYN);
	if (!data)
		return libelf_error(err, "cannot read the dynamic segment");
	size_t entsize = gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT);
	size_t n = entsize ? data->d_size / entsize : 0;

	uint64_t strtab = 0, strsz = 0;
	int have_strtab = 0;
	uint64_t *needed = xcalloc(n ? n : 1, sizeof *needed);
	size_t nneeded = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(data, (int)i, &dyn)) {
			free(needed);
			return libelf_error(err, "cannot read the dynamic segment");
		}
		if (dyn.d_tag == DT_NULL)
			break;
		note_flag(&dyn, flags);
		if (dyn.d_tag == DT_NEEDED)
			needed[nneeded++] = dyn.d_un.d_val;
		else if (dyn.d_tag == DT_STRTAB)
			strtab = dyn.d_un.d_ptr, have_strtab = 1;
		else if (dyn.d_tag == DT_STRSZ)
			strsz = dyn.d_un.d_val;
	}
	int ret = 0;
	if (nneeded > 0) {
		uint64_t avail = 0;
		int64_t off = have_strtab ? vaddr_to_offset(ph, nph, strtab, &avail) : -1;
		if (off < 0 || (uint64_t)off >= len) {
			ret = gs_error_set(err, 0,
					   "corrupt dynamic section: DT_STRTAB not in the file");
		} else {
			/* The table ends at DT_STRSZ, its segment or the file,
			 * whichever comes first. */
			uint64_t size = strsz ? strsz : avail;
			if (size > avail)
				size = avail;
			if (size > len - (uint64_t)off)
				size = len - (uint64_t)off;
			for (size_t i = 0; i < nneeded && ret == 0; i++)
				ret = push_dynstr(out, (const char *)buf + off, size, needed[i], err);
		}
	}
	free(needed);
	return ret;
}

/* Go build info at file offset sec_off when ph is NULL; otherwise search the
 * writable PT_LOAD segments for its magic, 16-byte aligned in memory as the
 * Go linker places it. */
static void find_buildinfo(const unsigned char *buf, size_t len, uint64_t sec_off,
			   const GElf_Phdr *ph, size_t nph, gs_elf_report_t *r)
{
	gs_go_buildinfo_t bi;
	int found = 0;
	if (!ph) {
		if (sec_off < len)
			found = gs_go_buildinfo_parse(buf + sec_off, len - sec_off, &bi);
	}
	for (size_t i = 0; ph && i < nph && !found; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W) || ph[i].p_offset >= len)
			continue;
		uint64_t start = ph[i].p_offset;
		uint64_t end = ph[i].p_filesz > len - start ? len : start + ph[i].p_filesz;
		uint64_t skew = (GO_BUILDINFO_ALIGN - ph[i].p_vaddr % GO_BUILDINFO_ALIGN) %
				GO_BUILDINFO_ALIGN;
		for (uint64_t o = start + skew; o < end && end - o >= 32 && !found;
		     o += GO_BUILDINFO_ALIGN)
			if (memcmp(buf + o, GO_BUILDINFO_MAGIC, 14) == 0)
				found = gs_go_buildinfo_parse(buf + o, len - o, &bi);
	}
	if (!found)
		return;
	r->go_version = bi.version;
	r->go_path = bi.path;
	r->go_module = bi.module;
}

/* The Go build ID: a note named "Go" of type 4 in a PT_NOTE segment, where
 * go's linker puts it (with or without section headers). */
#define GO_NOTE_BUILD_ID 4

static void find_go_build_id(Elf *elf, const GElf_Phdr *ph, size_t nph, gs_elf_report_t *r)
{
	for (size_t i = 0; i < nph && !r->go_build_id; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz == 0)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph[i].p_offset, ph[i].p_filesz,
						   ph[i].p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, next;
		while (d && off < d->d_size &&
		       (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			const char *name = (const char *)d->d_buf + name_off;
			if (nh.n_type == GO_NOTE_BUILD_ID && nh.n_namesz >= 2 &&
			    memcmp(name, "Go", 2) == 0 && (nh.n_namesz == 2 || name[2] == '\0')) {
				r->go_build_id = xstrndup((const char *)d->d_buf + desc_off,
							  nh.n_descsz);
				break;
			}
			off = next;
		}
	}
}

/* ---- public API --------------------------------------------------------- */

int gs_go_build_id_is_content_id(const char *id)
{
	static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	if (!id)
		return 0;
	for (int part = 0; part < 4; part++) {
		if (strspn(id, b64url) != 20)
			return 0;
		id += 20;
		if (*id != (part < 3 ? '/' : '\0'))
			return 0;
		id++;
	}
	return 1;
}

static int inspect(const unsigned char *buf, size_t len, gs_elf_report_t *r, gs_error_t *err)
{
	raw_ehdr_t raw = {0};
	if (check_raw(buf, len, &raw, err) < 0)
		return -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return libelf_error(err, "cannot initialize libelf");
	/* elf_memory() reads in ELF_C_READ_MMAP mode: libelf copies whatever it
	 * has to convert and never writes to the image, so casting away const
	 * is safe (file buffers are even mapped PROT_READ). */
	cleanup_elf Elf *elf = elf_memory((char *)buf, len);
	if (!elf)
		return libelf_error(err, "cannot read ELF file");
	if (elf_kind(elf) != ELF_K_ELF)
		return gs_error_set(err, 0, "not an ELF file");

	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return libelf_error(err, "cannot read the ELF header");
	r->elf_class = raw.is64 ? 64 : 32;
	r->big_endian = raw.be;
	r->machine = eh.e_machine;
	r->type = eh.e_type;
	r->entry = eh.e_entry;
	r->size = len;

	/* Program headers. */
	size_t nph = 0;
	if (elf_getphdrnum(elf, &nph) < 0)
		return libelf_error(err, "cannot read the program headers");
	cleanup_free GElf_Phdr *ph = xcalloc(nph ? nph : 1, sizeof *ph);
	const GElf_Phdr *dynph = NULL;
	int have_relro = 0;
	for (size_t i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph[i]))
			return libelf_error(err, "cannot read the program headers");
		const GElf_Phdr *p = &ph[i];
		if (p->p_type != PT_NULL && p->p_filesz > 0 && !in_bounds(p->p_offset, p->p_filesz, len)) {
			char what[48];
			snprintf(what, sizeof what, "segment %zu ends", i);
			return truncated(err, what, end_of(p->p_offset, p->p_filesz), len);
		}
		if (p->p_type == PT_INTERP && !r->interp) {
			if (p->p_filesz == 0) {
				r->interp = xstrdup("");
			} else {
				const char *s = (const char *)buf + p->p_offset;
				r->interp = xstrndup(s, strnlen(s, p->p_filesz));
			}
		} else if (p->p_type == PT_DYNAMIC && !dynph) {
			dynph = p;
		} else if (p->p_type == PT_GNU_RELRO) {
			have_relro = 1;
		}
	}
	r->has_dynamic = dynph != NULL;

	/* Sections. */
	size_t nsec = 0, shstrndx = 0;
	if (elf_getshdrnum(elf, &nsec) < 0)
		return libelf_error(err, "cannot read the section headers");
	int have_names = nsec > 0 && elf_getshdrstrndx(elf, &shstrndx) == 0;
	int have_symtab = 0, have_bi = 0;
	uint64_t bi_off = 0;
	Elf_Scn *dynscn = NULL;
	GElf_Shdr dynsh = {0};
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return libelf_error(err, "cannot read the section headers");
		if (sh.sh_type != SHT_NOBITS && sh.sh_size > 0 &&
		    !in_bounds(sh.sh_offset, sh.sh_size, len)) {
			char what[48];
			snprintf(what, sizeof what, "section %zu ends", elf_ndxscn(scn));
			return truncated(err, what, end_of(sh.sh_offset, sh.sh_size), len);
		}
		if (sh.sh_type == SHT_SYMTAB)
			have_symtab = 1;
		else if (sh.sh_type == SHT_DYNAMIC && !dynscn)
			dynscn = scn, dynsh = sh;
		const char *name = have_names ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (name && !have_bi && strcmp(name, ".go.buildinfo") == 0 &&
		    sh.sh_type != SHT_NOBITS) {
			have_bi = 1;
			bi_off = sh.sh_offset;
		}
	}
	r->stripped = !have_symtab;

	/* Dynamic dependencies: what the loader would use is PT_DYNAMIC; the
	 * section, when there is one, is the same data with a known string
	 * table. */
	dyn_flags_t flags = {0};
	if (dynph) {
		int ret = dynscn ? needed_from_section(elf, dynscn, &dynsh, &r->needed, &flags, err)
				 : needed_from_segment(elf, buf, len, dynph, ph, nph, &r->needed,
						       &flags, err);
		if (ret < 0)
			return -1;
	}

	if (r->interp || r->needed.n > 0)
		r->linkage = GS_ELF_DYNAMIC;
	else if (r->has_dynamic && r->type == ET_DYN)
		r->linkage = GS_ELF_STATIC_PIE;
	else
		r->linkage = GS_ELF_STATIC;

	/* Hardening, as checksec words it.  A static-pie linked before
	 * binutils 2.31 has no DF_1_PIE, hence the linkage. */
	r->bind_now = flags.bind_now || (flags.flags & DF_BIND_NOW) || (flags.flags_1 & DF_1_NOW);
	r->pie = r->type == ET_DYN && ((flags.flags_1 & DF_1_PIE) || r->interp ||
				       r->linkage == GS_ELF_STATIC_PIE);
	r->relro = !have_relro ? GS_ELF_RELRO_NONE
		   : r->bind_now ? GS_ELF_RELRO_FULL
				 : GS_ELF_RELRO_PARTIAL;

	/* By section; without section headers, in the data segments.  (With
	 * sections but no .go.buildinfo it is not a gc-built Go binary.) */
	if (have_bi)
		find_buildinfo(buf, len, bi_off, NULL, 0, r);
	else if (nsec == 0)
		find_buildinfo(buf, len, 0, ph, nph, r);
	find_go_build_id(elf, ph, nph, r);
	return 0;
}

int gs_elf_inspect_mem(const void *buf, size_t len, gs_elf_report_t *report, gs_error_t *err)
{
	memset(report, 0, sizeof *report);
	if (len > 0 && !buf)
		return gs_error_set(err, 0, "no data");
	int ret = inspect(buf, len, report, err);
	if (ret < 0)
		gs_elf_report_release(report);
	return ret;
}

/* What a file that is not a regular one is, for "not a regular file (...)". */
static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
							     : "an unknown file type";
}

int gs_elf_inspect_file(const char *path, gs_elf_report_t *report, gs_error_t *err)
{
	memset(report, 0, sizeof *report);
	/* O_NONBLOCK: open() of a FIFO with no writer (or of some devices)
	 * would wait forever; a regular file ignores the flag.  O_NOCTTY: a
	 * terminal named here must not become our controlling one. */
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		/* A socket cannot be opened at all (ENXIO): say what it is. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return gs_error_set(err, 0, "not a regular file (%s)", file_kind(st.st_mode));
		return gs_error_set(err, e, "cannot open");
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return gs_error_set(err, errno, "cannot stat");
	if (S_ISDIR(st.st_mode))
		return gs_error_set(err, 0, "is a directory");
	if (!S_ISREG(st.st_mode))
		return gs_error_set(err, 0, "not a regular file (%s)", file_kind(st.st_mode));
	if (st.st_size == 0)
		return gs_error_set(err, 0, "empty file"); /* mmap of 0 bytes fails */
	if ((uint64_t)st.st_size > SIZE_MAX)
		return gs_error_set(err, 0, "file too large");
	size_t len = (size_t)st.st_size;

	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		int ret = gs_elf_inspect_mem(map, len, report, err);
		munmap(map, len);
		return ret;
	}

	/* Some filesystems cannot map: read it instead. */
	cleanup_free unsigned char *data = xmalloc(len);
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gs_error_set(err, errno, "cannot read");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return gs_elf_inspect_mem(data, got, report, err);
}

void gs_elf_report_release(gs_elf_report_t *r)
{
	free(r->interp);
	gs_strvec_release(&r->needed);
	free(r->go_version);
	free(r->go_path);
	free(r->go_module);
	free(r->go_build_id);
	memset(r, 0, sizeof *r);
}

/* ---- names and the platform check --------------------------------------- */

const char *gs_elf_linkage_name(gs_elf_linkage_t linkage)
{
	switch (linkage) {
	case GS_ELF_STATIC:
		return "static";
	case GS_ELF_STATIC_PIE:
		return "static-pie";
	case GS_ELF_DYNAMIC:
		return "dynamic";
	}
	return "unknown";
}

const char *gs_elf_relro_name(gs_elf_relro_t relro)
{
	switch (relro) {
	case GS_ELF_RELRO_NONE:
		return "none";
	case GS_ELF_RELRO_PARTIAL:
		return "partial";
	case GS_ELF_RELRO_FULL:
		return "full";
	}
	return "unknown";
}

const char *gs_elf_machine_name(int machine)
{
	static _Thread_local char buf[32];
	switch (machine) {
	case EM_X86_64:
		return "x86-64";
	case EM_AARCH64:
		return "AArch64";
	case EM_ARM:
		return "ARM";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC64:
		return "PowerPC64";
	case EM_PPC:
		return "PowerPC";
	case EM_S390:
		return "S/390";
	case EM_386:
		return "Intel 80386";
	case EM_MIPS:
		return "MIPS";
	case 258: /* EM_LOONGARCH, not in every <elf.h> */
		return "LoongArch";
	}
	snprintf(buf, sizeof buf, "machine %d", machine);
	return buf;
}

const char *gs_elf_type_name(int type)
{
	static _Thread_local char buf[32];
	switch (type) {
	case ET_EXEC:
		return "executable";
	case ET_DYN:
		return "shared object";
	case ET_REL:
		return "relocatable";
	case ET_CORE:
		return "core";
	case ET_NONE:
		return "none";
	}
	snprintf(buf, sizeof buf, "type %d", type);
	return buf;
}

int gs_elf_machine_matches(const gs_elf_report_t *r, const gs_platform_t *p)
{
	return r->machine == p->elf_machine && r->elf_class == p->elf_class &&
	       !r->big_endian == !p->big_endian;
}

int gs_elf_check_platform(const gs_elf_report_t *r, const gs_platform_t *p, gs_error_t *err)
{
	if (r->type != ET_EXEC && r->type != ET_DYN)
		return gs_error_set(err, 0, "not an executable (ELF type %s)",
				    gs_elf_type_name(r->type));

	if (!gs_elf_machine_matches(r, p)) {
		/* Name only the attributes that differ. */
		char got[64], want[64];
		const char *gm = gs_elf_machine_name(r->machine);
		char gmbuf[32];
		snprintf(gmbuf, sizeof gmbuf, "%s", gm); /* machine_name may reuse its buffer */
		if (r->machine != p->elf_machine) {
			snprintf(got, sizeof got, "%s", gmbuf);
			snprintf(want, sizeof want, "%s", gs_elf_machine_name(p->elf_machine));
		} else if (r->elf_class != p->elf_class) {
			snprintf(got, sizeof got, "%d-bit %s", r->elf_class, gmbuf);
			snprintf(want, sizeof want, "%d-bit %s", p->elf_class, gmbuf);
		} else {
			snprintf(got, sizeof got, "%s-endian %s", r->big_endian ? "big" : "little",
				 gmbuf);
			snprintf(want, sizeof want, "%s-endian %s",
				 p->big_endian ? "big" : "little", gmbuf);
		}
		return gs_error_set(err, 0, "built for %s, not %s (%s)", got, want, p->name);
	}

	if (r->linkage == GS_ELF_DYNAMIC) {
		cleanup_free char *libs = r->needed.n ? gs_strvec_join(&r->needed, ", ") : NULL;
		if (r->interp && libs)
			return gs_error_set(err, 0, "dynamically linked: interpreter '%s', needs %s",
					    r->interp, libs);
		if (r->interp)
			return gs_error_set(err, 0, "dynamically linked: interpreter '%s'",
					    r->interp);
		return gs_error_set(err, 0, "dynamically linked: needs %s", libs ? libs : "");
	}
	/* ET_DYN with no needs, as a static-pie is, but with nowhere to start:
	 * ld -shared leaves e_entry 0 (the kernel would jump to the load
	 * address). */
	if (r->type == ET_DYN && r->entry == 0)
		return gs_error_set(err, 0, "a shared library (ELF shared object with no entry "
				    "point), not a program");
	return 0;
}

int gs_elf_verify_file(const char *path, const gs_platform_t *want, gs_elf_report_t *report,
		       const gs_platform_t **platform, gs_error_t *err)
{
	*platform = NULL;
	if (gs_elf_inspect_file(path, report, err) < 0)
		return -1;
	const gs_platform_t *p = want;
	if (!p) {
		size_t n;
		const gs_platform_t *table = gs_platform_table(&n);
		for (size_t i = 0; !p && i < n; i++)
			if (gs_elf_machine_matches(report, &table[i]))
				p = &table[i];
		if (!p)
			return gs_error_set(err, 0, "built for %s, which gsimage has no platform for",
					    gs_elf_machine_name(report->machine));
	}
	if (gs_elf_check_platform(report, p, err) < 0)
		return -1;
	*platform = p;
	return 0;
}
