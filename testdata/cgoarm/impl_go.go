//go:build !(arm64 && cgo)

package main

func impl() string { return "pure go" }
