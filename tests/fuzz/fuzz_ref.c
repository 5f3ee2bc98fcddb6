/* libFuzzer harness: gs_ref_parse() on a NUL-terminated copy of the input.
 * Invariants on success: full and name are set, and name parses again to
 * the same full name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/ref.h"
#include "gsimage/util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gs_ref_t ref = GS_REF_INIT;
	gs_error_t err = GS_ERROR_INIT;
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	if (gs_ref_parse(s, &ref, &err) < 0) {
		gs_error_release(&err);
		gs_ref_release(&ref);
		free(s);
		return 0;
	}
	if (!ref.full || !ref.name || !ref.registry || !ref.path || !ref.tag)
		abort();

	gs_ref_t again = GS_REF_INIT;
	if (gs_ref_parse(ref.name, &again, &err) < 0)
		abort(); /* name must be a valid reference itself */
	if (strcmp(again.full, ref.full) != 0 || strcmp(again.name, ref.name) != 0)
		abort(); /* and normalise to the same thing */

	gs_ref_release(&again);
	gs_ref_release(&ref);
	gs_error_release(&err);
	free(s);
	return 0;
}
