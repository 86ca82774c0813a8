// A net/http server that takes its socket from tinyhold (fd 3), or listens on
// :8080 by itself when started without tinyhold.
//
//	go build -o hello && tinyhold -p 8080 -- ./hello
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go, restart %s\n", os.Getenv("TINYHOLD_RESTARTS"))
	})
	// README snippet begin
	var ln net.Listener
	var err error
	if os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		ln, err = net.FileListener(os.NewFile(3, "listener"))
	} else {
		ln, err = net.Listen("tcp", ":8080")
	}
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.Serve(ln, handler))
	// README snippet end
}
