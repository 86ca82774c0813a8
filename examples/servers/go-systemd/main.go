// A net/http server on the socket of go-systemd's activation.Listeners(),
// which reads LISTEN_FDS and LISTEN_PID as systemd and tinyhold set them.
//
//	go build -o hello && tinyhold -p 8080 -- ./hello
package main

// README snippet begin
import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/coreos/go-systemd/v22/activation"
)

func main() {
	listeners, err := activation.Listeners()
	if err != nil || len(listeners) == 0 {
		log.Fatalf("no socket in LISTEN_FDS (%v): start me under tinyhold -p", err)
	}
	log.Fatal(http.Serve(listeners[0], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go-systemd, restart %s\n", os.Getenv("TINYHOLD_RESTARTS"))
	})))
}

// README snippet end
