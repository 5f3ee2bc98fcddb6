// Command pause is the sandbox process of the CRI tests' pods: it holds the
// pod's namespaces, reaps the children that end up under it as PID 1, and
// exits 0 on SIGTERM or SIGINT, as a kubelet's pause container does.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	fmt.Println("pause: waiting for SIGTERM or SIGINT")
	for s := range sigs {
		if s != syscall.SIGCHLD {
			fmt.Printf("pause: %v, exiting\n", s)
			os.Exit(0)
		}
		reap()
	}
}

// reap collects every child that has exited, so no zombie stays in the pod's
// PID namespace; one SIGCHLD may stand for several children.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
