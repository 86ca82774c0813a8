module example.com/hello

go 1.19

require github.com/coreos/go-systemd/v22 v22.5.0

// Debian's golang-github-coreos-go-systemd-dev, so that it builds offline.
// Elsewhere, drop this line and let `go mod tidy` fetch the module.
replace github.com/coreos/go-systemd/v22 => /usr/share/gocode/src/github.com/coreos/go-systemd
