package main

// A deliberate compile error: the tests check Go's message reaches the user.
func main() {
	undefinedFunction()
}
