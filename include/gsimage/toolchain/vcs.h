/* Version-control facts for the standard image annotations: the commit and
 * the public source URL of the repository a package lives in. */
#ifndef GSIMAGE_TOOLCHAIN_VCS_H
#define GSIMAGE_TOOLCHAIN_VCS_H

typedef struct gs_vcs_info {
	char *revision; /* full commit hash, or NULL */
	char *source;   /* gs_remote_url_public() of origin, or NULL */
	char *version;  /* tag exactly at HEAD, or NULL */
	char *warning;  /* why source is NULL though there is a remote, or NULL */
} gs_vcs_info_t;

/* Ask git about dir.  Not being in a repository, or git missing, is not an
 * error: the fields stay NULL. */
void gs_vcs_info_read(const char *dir, gs_vcs_info_t *info);
void gs_vcs_info_release(gs_vcs_info_t *info);

#endif
