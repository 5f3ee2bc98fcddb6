/* "DIR[:REF]" arguments: an OCI layout directory and, optionally, a tag in
 * it (inspect, and the commands that read a layout). */
#ifndef GSIMAGE_PIPELINE_TARGET_H
#define GSIMAGE_PIPELINE_TARGET_H

/* Split arg into *dir and *ref (NULL when none; both owned).  REF may hold
 * colons and slashes of its own (registry.example.com:5000/team/app:1), so
 * the split is at the first colon whose left side is an existing directory;
 * a whole argument that is a directory has no REF; otherwise the first
 * colon splits. */
void gs_target_split(const char *arg, char **dir, char **ref);

#endif
