// sqlitebench is the SQLite-sized cgo test program for `make bench`: a
// thin Go main over the SQLite amalgamation, called directly through cgo
// (no driver, no database/sql).  The amalgamation is not in this
// directory: tests/bench/fetch-sqlite fetches a pinned copy, and the
// bench copies this package to a temporary directory and puts sqlite3.c
// and sqlite3.h beside main.go.
//
// With no argument it runs a small self-test and prints "selftest ok";
// "bench N" loads N rows into an in-memory database and prints the
// throughput of each step in thousands of rows per second:
//
//	insert     N prepared INSERTs in one transaction
//	index      CREATE INDEX over the N rows
//	lookup     N point queries through that index
//	aggregate  GROUP BY over a string expression (a full scan and a sort)
package main

/*
#cgo CFLAGS: -DSQLITE_THREADSAFE=1 -DSQLITE_DQS=0 -DSQLITE_DEFAULT_MEMSTATUS=0
#cgo CFLAGS: -DSQLITE_DEFAULT_WAL_SYNCHRONOUS=1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
#cgo CFLAGS: -DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_SHARED_CACHE
#cgo CFLAGS: -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_TEMP_STORE=2
#cgo LDFLAGS: -lm
#include <stdlib.h>
#include "sqlite3.h"

// SQLITE_TRANSIENT is a cast macro cgo cannot express.
static int bind_text(sqlite3_stmt *s, int i, const char *p, int n)
{
	return sqlite3_bind_text(s, i, p, n, SQLITE_TRANSIENT);
}
*/
import "C"

import (
	"os"
	"strconv"
	"time"
	"unsafe"
)

// say prints its words on one line (fmt alone would add more Go to the
// binary than this whole program has).
func say(words ...string) {
	line := ""
	for i, w := range words {
		if i > 0 {
			line += " "
		}
		line += w
	}
	os.Stdout.WriteString(line + "\n")
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

type db struct{ p *C.sqlite3 }

type stmt struct {
	d *db
	p *C.sqlite3_stmt
}

func fail(d *db, what string) {
	msg := "?"
	if d != nil && d.p != nil {
		msg = C.GoString(C.sqlite3_errmsg(d.p))
	}
	os.Stderr.WriteString("sqlitebench: " + what + ": " + msg + "\n")
	os.Exit(1)
}

func open() *db {
	name := C.CString(":memory:")
	defer C.free(unsafe.Pointer(name))
	d := &db{}
	if C.sqlite3_open(name, &d.p) != C.SQLITE_OK {
		fail(d, "open")
	}
	return d
}

func (d *db) exec(sql string) {
	s := C.CString(sql)
	defer C.free(unsafe.Pointer(s))
	if C.sqlite3_exec(d.p, s, nil, nil, nil) != C.SQLITE_OK {
		fail(d, sql)
	}
}

func (d *db) prepare(sql string) *stmt {
	s := C.CString(sql)
	defer C.free(unsafe.Pointer(s))
	st := &stmt{d: d}
	if C.sqlite3_prepare_v2(d.p, s, -1, &st.p, nil) != C.SQLITE_OK {
		fail(d, sql)
	}
	return st
}

// step returns true for a row, false when done.
func (s *stmt) step() bool {
	switch C.sqlite3_step(s.p) {
	case C.SQLITE_ROW:
		return true
	case C.SQLITE_DONE:
		return false
	}
	fail(s.d, "step")
	return false
}

func (s *stmt) reset()            { C.sqlite3_reset(s.p) }
func (s *stmt) close()            { C.sqlite3_finalize(s.p) }
func (s *stmt) int64(i int) int64 { return int64(C.sqlite3_column_int64(s.p, C.int(i))) }

func (s *stmt) bindInt(i int, v int64) {
	if C.sqlite3_bind_int64(s.p, C.int(i), C.sqlite3_int64(v)) != C.SQLITE_OK {
		fail(s.d, "bind")
	}
}

func (s *stmt) bindFloat(i int, v float64) {
	if C.sqlite3_bind_double(s.p, C.int(i), C.double(v)) != C.SQLITE_OK {
		fail(s.d, "bind")
	}
}

func (s *stmt) bindText(i int, b []byte) {
	if C.bind_text(s.p, C.int(i), (*C.char)(unsafe.Pointer(&b[0])), C.int(len(b))) != C.SQLITE_OK {
		fail(s.d, "bind")
	}
}

// key is row i's pseudo-random key (xorshift64*, the same on every run).
func key(i int, n int) int64 {
	x := uint64(i)*0x9E3779B97F4A7C15 + 1
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	return int64((x * 0x2545F4914F6CDD1D) % uint64(4*n))
}

// text is row k's string column: the key in base 36, padded out to a
// length that depends on the key (8 to 39 bytes).
func text(buf []byte, k int64) []byte {
	buf = strconv.AppendInt(buf[:0], k, 36)
	for n := 8 + int(k%32); len(buf) < n; {
		buf = append(buf, "abcdefghijklmnopqrstuvwxyz"[(int(k)+len(buf))%26])
	}
	return buf
}

type result struct {
	insertSum, lookupHits, groups int64
}

// run loads n rows, indexes them, looks each key up and aggregates;
// report gets each step's name and seconds.
func run(n int, report func(string, float64)) result {
	var r result
	d := open()
	defer C.sqlite3_close(d.p)
	d.exec("PRAGMA temp_store = MEMORY")
	d.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v REAL NOT NULL, s TEXT NOT NULL)")

	t0 := time.Now()
	ins := d.prepare("INSERT INTO t (k, v, s) VALUES (?, ?, ?)")
	d.exec("BEGIN")
	buf := make([]byte, 0, 64)
	for i := 0; i < n; i++ {
		k := key(i, n)
		ins.bindInt(1, k)
		ins.bindFloat(2, float64(k)/7)
		ins.bindText(3, text(buf, k))
		ins.step()
		ins.reset()
		r.insertSum += k
	}
	d.exec("COMMIT")
	ins.close()
	report("insert", time.Since(t0).Seconds())

	t0 = time.Now()
	d.exec("CREATE INDEX t_k ON t (k)")
	report("index", time.Since(t0).Seconds())

	t0 = time.Now()
	q := d.prepare("SELECT count(*), total(v) FROM t WHERE k = ?")
	for i := 0; i < n; i++ {
		q.bindInt(1, key(i*31+7, n))
		q.step()
		r.lookupHits += q.int64(0)
		q.reset()
	}
	q.close()
	report("lookup", time.Since(t0).Seconds())

	t0 = time.Now()
	a := d.prepare("SELECT substr(s, 2, 2) AS g, count(*), sum(k), max(length(s)) " +
		"FROM t GROUP BY g ORDER BY 2 DESC, 1")
	for a.step() {
		r.groups++
	}
	a.close()
	report("aggregate", time.Since(t0).Seconds())
	return r
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bench" {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 1 {
			os.Stderr.WriteString("usage: sqlitebench [bench ROWS]\n")
			os.Exit(2)
		}
		run(n, func(name string, s float64) {
			say(name, strconv.FormatFloat(float64(n)/s/1e3, 'f', 1, 64), "krows/s")
		})
		return
	}
	if len(os.Args) != 1 {
		os.Stderr.WriteString("usage: sqlitebench [bench ROWS]\n")
		os.Exit(2)
	}
	const n = 5000
	r := run(n, func(string, float64) {})
	var want result
	keys := map[int64]int{}
	for i := 0; i < n; i++ {
		k := key(i, n)
		want.insertSum += k
		keys[k]++
	}
	for i := 0; i < n; i++ {
		k := key(i*31+7, n)
		want.lookupHits += int64(keys[k])
	}
	say("sqlite", C.GoString(C.sqlite3_libversion()))
	say("insert sum", itoa(r.insertSum)+", lookup hits", itoa(r.lookupHits)+", groups", itoa(r.groups))
	if r.insertSum != want.insertSum || r.lookupHits != want.lookupHits || r.groups < 2 {
		say("want insert sum", itoa(want.insertSum)+", lookup hits", itoa(want.lookupHits))
		os.Exit(1)
	}
	say("selftest ok")
}
