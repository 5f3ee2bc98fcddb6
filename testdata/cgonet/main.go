// cgonet is the cgo test program: its own C function, plus the standard
// library's cgo users (net's resolver and os/user), all linked statically.
package main

/*
static int gs_answer(int a, int b) { return a * b; }
*/
import "C"

import (
	"fmt"
	"net"
	"os"
	"os/user"
)

func main() {
	fmt.Printf("cgo: 6*7=%d\n", int(C.gs_answer(6, 7)))

	addrs, err := net.LookupHost("localhost")
	if err != nil {
		fmt.Printf("lookup localhost: error: %v\n", err)
	} else {
		fmt.Printf("lookup localhost: ok %v\n", addrs)
	}

	u, err := user.Current()
	if err != nil {
		fmt.Printf("user: error: %v\n", err)
	} else {
		fmt.Printf("user: uid=%s name=%s\n", u.Uid, u.Username)
	}
	if len(os.Args) > 1 {
		fmt.Printf("args: %v\n", os.Args[1:])
	}
}
