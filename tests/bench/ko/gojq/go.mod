// make bench's public pure-Go program for the ko rows (tests/bench/ko.sh):
// github.com/itchyny/gojq/cmd/gojq.  The bench copies the module's source
// out of the Go module cache (go.sum checks what the proxy served) and
// builds it there; gojq's own go.mod and go.sum pin its dependencies.
// v0.12.20 needs a go-yaml pseudo-version that the proxy does not serve.
module gsimage.bench/gojq

go 1.26

require (
	github.com/itchyny/gojq v0.12.19 // indirect
	github.com/itchyny/timefmt-go v0.1.8 // indirect
)
