//go:build arm64 && cgo

package main

// static int c_answer(void) { return 42; }
import "C"

import "fmt"

func impl() string { return fmt.Sprint("c ", int(C.c_answer())) }
