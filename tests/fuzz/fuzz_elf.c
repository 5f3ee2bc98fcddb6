/* libFuzzer harness: gs_elf_inspect_mem() on arbitrary bytes, then
 * gs_elf_check_platform() against a few platform rows.  Everything is
 * released on every path (LeakSanitizer runs at exit). */
#include <stddef.h>
#include <stdint.h>

#include "gsimage/elf/verify.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const platforms[] = {
	"linux/amd64", "linux/arm64", "linux/386", "linux/ppc64le",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gs_elf_report_t report = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;

	if (gs_elf_inspect_mem(data, size, &report, &err) < 0) {
		gs_error_release(&err);
		gs_elf_report_release(&report);
		return 0;
	}
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		const gs_platform_t *p = gs_platform_find(platforms[i]);
		if (!p)
			continue;
		(void)gs_elf_machine_matches(&report, p);
		(void)gs_elf_check_platform(&report, p, &err);
		gs_error_release(&err);
	}
	(void)gs_elf_type_name(report.type);
	(void)gs_elf_linkage_name(report.linkage);
	(void)gs_elf_machine_name(report.machine);
	gs_elf_report_release(&report);
	return 0;
}
