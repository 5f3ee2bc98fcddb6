// Package notmain is a library, not a program.
package notmain

// Answer is here so the package is not empty.
const Answer = 42
