/* Why a cgo build failed, in one line, when the cause is a C library that
 * the toolchain does not have: musl (through zig cc or musl-gcc) brings
 * only the C library itself, so a cgo package that wraps a system library
 * (libpcap, libxml2, libssl...) fails with a missing header or a missing
 * -l library.  A pure function of go build's standard error. */
#ifndef GSIMAGE_TOOLCHAIN_CFAIL_H
#define GSIMAGE_TOOLCHAIN_CFAIL_H

/* When go_build_stderr shows a missing C header ("fatal error: 'pcap.h'
 * file not found", "pcap.h: No such file or directory") or a missing C
 * library (zig's "unable to find Static|Dynamic system library 'pcap'",
 * lld's "unable to find library -lpcap", GNU ld's "cannot find -lpcap"),
 * return a one-line explanation naming the library, the cgo package when
 * go printed it, and what to do; NULL otherwise (or for NULL input).  The
 * result belongs to the caller (free()).  It has no newline and no
 * "gsimage: error: " prefix. */
char *gs_cfail_missing(const char *go_build_stderr);

#endif
