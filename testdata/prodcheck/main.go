// Command prodcheck runs inside a FROM-scratch image and reports, one line
// per check, whether the things production Go programs take for granted
// work there: "NAME: ok DETAIL" or "NAME: FAIL: REASON".
//
//	prodcheck [-data FILE] [HTTPS-URL]
//
// With a URL it also does an HTTPS GET with the default client, so the
// server's chain is verified against the system certificate pool.
package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"
)

func report(name string, detail string, err error) {
	if err != nil {
		fmt.Printf("%s: FAIL: %v\n", name, err)
		return
	}
	fmt.Printf("%s: ok %s\n", name, detail)
}

func main() {
	data := flag.String("data", "/srv/data/hello.txt", "file added to the image with --add")
	flag.Parse()

	report("uid", fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()), nil)

	if u, err := user.Current(); err != nil {
		report("user", "", err)
	} else {
		report("user", fmt.Sprintf("uid=%s name=%s home=%s", u.Uid, u.Username, u.HomeDir), nil)
	}
	if u, err := user.LookupId(strconv.Itoa(os.Getuid())); err != nil {
		report("lookupid", "", err)
	} else {
		report("lookupid", "name="+u.Username, nil)
	}

	if f, err := os.CreateTemp("", "prodcheck-*"); err != nil {
		report("tmp", "", err)
	} else {
		_, werr := f.WriteString("x")
		cerr := f.Close()
		rerr := os.Remove(f.Name())
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = rerr
		}
		report("tmp", f.Name(), werr)
	}

	if home, err := os.UserHomeDir(); err != nil {
		report("home", "", err)
	} else if f, err := os.CreateTemp(home, ".prodcheck-*"); err != nil {
		report("home", "", err)
	} else {
		f.Close()
		report("home", home, os.Remove(f.Name()))
	}

	if pool, err := x509.SystemCertPool(); err != nil {
		report("certs", "", err)
	} else if n := len(pool.Subjects()); n == 0 { //nolint:staticcheck // fine for counting
		report("certs", "", fmt.Errorf("system certificate pool is empty"))
	} else {
		report("certs", fmt.Sprintf("%d", n), nil)
	}

	if b, err := os.ReadFile(*data); err != nil {
		report("data", "", err)
	} else {
		report("data", strings.TrimSpace(string(b)), nil)
	}

	if loc, err := time.LoadLocation("Europe/Berlin"); err != nil {
		report("tz", "", err)
	} else {
		report("tz", loc.String(), nil)
	}

	if addrs, err := net.LookupHost("localhost"); err != nil {
		report("dns", "", err)
	} else {
		report("dns", strings.Join(addrs, ","), nil)
	}

	if flag.NArg() > 0 {
		c := &http.Client{Timeout: 15 * time.Second}
		resp, err := c.Get(flag.Arg(0))
		if err != nil {
			report("https", "", err)
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
		report("https", strings.TrimSpace(string(b)), err)
	}
}
