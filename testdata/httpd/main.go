// httpd is a small HTTPS-capable web server: a realistic ~5 MB static Go
// binary for the packaging benchmark (net/http and crypto/tls linked in).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	cert := flag.String("cert", "", "TLS certificate (PEM); plain HTTP when empty")
	key := flag.String("key", "", "TLS key (PEM)")
	flag.Parse()

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from gsimage over %s\n", r.Proto)
	})
	srv := &http.Server{Addr: *addr, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	if *cert != "" {
		log.Fatal(srv.ListenAndServeTLS(*cert, *key))
	}
	log.Fatal(srv.ListenAndServe())
}
