// Command hello is the smallest Go program gsimage's tests build and inspect.
package main

import "fmt"

func main() {
	fmt.Println("hello from gsimage")
}
