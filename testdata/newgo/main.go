// newgo needs a newer Go than the machine's: its go.mod asks for 1.27.3,
// which the go command fetches through the module proxy (GOTOOLCHAIN).
package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Println("newgo built by", runtime.Version()) }
