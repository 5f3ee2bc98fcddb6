// Command tlsserver is the HTTPS server of gsimage's TLS test: it listens on
// 127.0.0.1 on a free port, writes the port to PORTFILE and answers every
// request with "hello over tls".
//
//	tlsserver CERT KEY PORTFILE
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: tlsserver CERT KEY PORTFILE")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	tmp := os.Args[3] + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, os.Args[3]); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello over tls")
	})
	log.Fatal(http.ServeTLS(ln, nil, os.Args[1], os.Args[2]))
}
