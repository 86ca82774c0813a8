# tinyhold: a static PID 1 that holds the sockets and restarts the app.
VERSION ?= 0.1.0
PREFIX  ?= /usr/local

ifeq ($(origin CC),default)
CC := $(if $(shell command -v musl-gcc),musl-gcc,cc)
endif
WARN    = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
          -Wvla -Wcast-qual -Wnull-dereference
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN)
LDFLAGS ?=
SRCS    = $(wildcard init/*.c)
OBJS    = $(patsubst init/%.c,build/%.o,$(SRCS))
LIBOBJS = $(filter-out build/main.o,$(OBJS))

.PHONY: all test unit install clean demo

all: tinyhold

build/%.o: init/%.c init/*.h | build
	$(CC) $(CFLAGS) -c -o $@ $<

build:
	mkdir -p build

tinyhold: $(OBJS)
	$(CC) $(CFLAGS) -static $(LDFLAGS) -o $@ $(OBJS)

install: tinyhold
	install -D -m 0755 tinyhold $(DESTDIR)$(PREFIX)/bin/tinyhold

clean:
	rm -rf build tinyhold
