/* What `build --sign-key`, `sign` and `verify-image` share: where the key
 * and its passphrase come from. */
#ifndef GSIMAGE_CLI_SIGN_H
#define GSIMAGE_CLI_SIGN_H

#include "gsimage/pipeline/sign.h"
#include "gsimage/util/error.h"

/* The key to sign with: flag (may be NULL), else GSIMAGE_SIGN_KEY, else
 * none (*key = NULL, 0 returned).  The passphrase of an encrypted key comes
 * from GSIMAGE_SIGN_PASSWORD, else COSIGN_PASSWORD (as cosign reads it),
 * else a prompt on the terminal. */
int gs_cli_sign_key(const char *flag, gs_sign_key_t **key, gs_error_t *err);

#endif
