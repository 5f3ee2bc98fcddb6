package main

import "fmt"

func main() { fmt.Println("impl:", impl()) }
