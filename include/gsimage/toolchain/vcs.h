/* Version-control facts for the standard image annotations: the commit and
 * the public source URL of the repository a package lives in. */
#ifndef GSIMAGE_TOOLCHAIN_VCS_H
#define GSIMAGE_TOOLCHAIN_VCS_H

typedef struct gs_vcs_info {
	char *revision; /* full commit hash, or NULL */
	char *source;   /* remote URL without credentials, or NULL */
	char *version;  /* tag exactly at HEAD, or NULL */
} gs_vcs_info_t;

/* Ask git about dir.  Not being in a repository, or git missing, is not an
 * error: the fields stay NULL. */
void gs_vcs_info_read(const char *dir, gs_vcs_info_t *info);
void gs_vcs_info_release(gs_vcs_info_t *info);

/* A remote URL fit to publish: network URLs with any user:password@
 * removed; NULL for local paths and file:// URLs (host paths must not reach
 * the image).  Owned. */
char *gs_vcs_public_url(const char *url);

#endif
