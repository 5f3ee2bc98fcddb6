// ckit is the C-heavy cgo test program: a small C toolkit (hashes,
// checksums, ciphers, compressors; 26 C files) behind a thin Go main.
// With no argument it runs the kit's self-test; "bench MB" prints the
// throughput of its hot loops, for `make bench`'s size/speed trade-off.
package main

/*
#include <stdlib.h>
#include "ck.h"
*/
import "C"

import (
	"os"
	"strconv"
	"unsafe"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bench" {
		mb, err := strconv.Atoi(os.Args[2])
		if err != nil || mb < 1 {
			os.Stderr.WriteString("usage: ckit [bench MB]\n")
			os.Exit(2)
		}
		names := []string{"sha256", "lz", "chacha20", "checksums", "pixels"}
		for i, n := range names {
			v := float64(C.ck_bench(C.int(i), C.int(mb)))
			os.Stdout.WriteString(n + " " + strconv.FormatFloat(v, 'f', 1, 64) + " MB/s\n")
		}
		return
	}
	const size = 1 << 14
	buf := (*C.char)(C.malloc(size))
	defer C.free(unsafe.Pointer(buf))
	C.ck_selftest(buf, size)
	out := C.GoString(buf)
	os.Stdout.WriteString(out)
	if len(out) < 12 || out[len(out)-12:] != "selftest ok\n" {
		os.Exit(1)
	}
}
