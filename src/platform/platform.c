#include "gsimage/platform/platform.h"

#include <elf.h>
#include <string.h>
#include <sys/utsname.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

/* Each row is a platform both Go (gc) and zig 0.11's musl support.
 * linux/s390x is absent: zig 0.11's lld cannot link s390x ("unknown
 * emulation: elf64_s390"), so cgo binaries for it cannot be made. */
static const gs_platform_t platforms[] = {
	{"linux/amd64", "linux", "amd64", NULL, "amd64", NULL, "x86_64-linux-musl",
	 EM_X86_64, 64, 0, "qemu-x86_64-static"},
	{"linux/arm64/v8", "linux", "arm64", "v8", "arm64", NULL, "aarch64-linux-musl",
	 EM_AARCH64, 64, 0, "qemu-aarch64-static"},
	{"linux/arm/v7", "linux", "arm", "v7", "arm", "7", "arm-linux-musleabihf",
	 EM_ARM, 32, 0, "qemu-arm-static"},
	{"linux/riscv64", "linux", "riscv64", NULL, "riscv64", NULL, "riscv64-linux-musl",
	 EM_RISCV, 64, 0, "qemu-riscv64-static"},
	{"linux/ppc64le", "linux", "ppc64le", NULL, "ppc64le", NULL, "powerpc64le-linux-musl",
	 EM_PPC64, 64, 0, "qemu-ppc64le-static"},
	{"linux/386", "linux", "386", NULL, "386", NULL, "x86-linux-musl",
	 EM_386, 32, 0, "qemu-i386-static"},
};

#define N_PLATFORMS (sizeof platforms / sizeof platforms[0])

const gs_platform_t *gs_platform_table(size_t *count)
{
	*count = N_PLATFORMS;
	return platforms;
}

const gs_platform_t *gs_platform_find(const char *name)
{
	for (size_t i = 0; i < N_PLATFORMS; i++) {
		const gs_platform_t *p = &platforms[i];
		if (strcmp(name, p->name) == 0)
			return p;
		/* "linux/arm64" is the usual spelling of linux/arm64/v8. */
		size_t base = strlen(p->os) + 1 + strlen(p->arch);
		if (p->variant && strlen(name) == base && strncmp(name, p->name, base) == 0)
			return p;
	}
	return NULL;
}

const gs_platform_t *gs_platform_host(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	static const struct {
		const char *machine, *platform;
	} map[] = {
		{"x86_64", "linux/amd64"}, {"aarch64", "linux/arm64"},
		{"armv7l", "linux/arm/v7"}, {"riscv64", "linux/riscv64"},
		{"ppc64le", "linux/ppc64le"},
		{"i686", "linux/386"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(u.machine, map[i].machine) == 0)
			return gs_platform_find(map[i].platform);
	return NULL;
}

char *gs_platform_supported_list(void)
{
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	for (size_t i = 0; i < N_PLATFORMS; i++)
		gs_strvec_push(&names, platforms[i].name);
	return gs_strvec_join(&names, ", ");
}

int gs_platform_parse_list(const char *list, const gs_platform_t **out, size_t max,
			   size_t *count, gs_error_t *err)
{
	*count = 0;
	if (strcmp(list, "all") == 0) {
		for (size_t i = 0; i < N_PLATFORMS && i < max; i++)
			out[(*count)++] = &platforms[i];
		return 0;
	}
	cleanup_strvec gs_strvec_t items = GS_STRVEC_INIT;
	gs_strvec_split(&items, list, ',');
	for (size_t i = 0; i < items.n; i++) {
		const char *item = items.v[i];
		if (*item == '\0')
			return gs_error_usage(err, "empty platform in '--platform %s'; give a "
					      "comma-separated list such as linux/amd64,linux/arm64",
					      list);
		const gs_platform_t *p = gs_platform_find(item);
		if (!p) {
			cleanup_free char *supported = gs_platform_supported_list();
			return gs_error_usage(err, "unsupported platform '%s'; supported: %s, all",
					      item, supported);
		}
		for (size_t j = 0; j < *count; j++)
			if (out[j] == p)
				return gs_error_usage(err, "platform %s given twice in '--platform %s'; "
						      "give each platform once", p->name, list);
		if (*count >= max)
			return gs_error_usage(err, "too many platforms in '--platform'");
		out[(*count)++] = p;
	}
	/* Table order, whatever order they were given in: the same platforms
	 * make the same image index (an insertion sort of a handful). */
	for (size_t i = 1; i < *count; i++)
		for (size_t j = i; j > 0 && out[j] < out[j - 1]; j--) {
			const gs_platform_t *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return 0;
}

char *gs_platform_suffix(const gs_platform_t *p)
{
	if (p->variant)
		return x_asprintf("%s-%s-%s", p->os, p->arch, p->variant);
	return x_asprintf("%s-%s", p->os, p->arch);
}
