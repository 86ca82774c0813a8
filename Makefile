# tinyhold: a static PID 1 that holds the sockets and restarts the app.
VERSION ?= 0.1.0
PREFIX  ?= /usr/local

ifeq ($(origin CC),default)
CC := $(if $(shell command -v musl-gcc),musl-gcc,cc)
endif
WARN    = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
          -Wvla -Wcast-qual -Wnull-dereference
CFLAGS ?= -Os -g
# Hardening that fits a static binary: stack canaries, fortified libc calls
# (glibc; musl ignores it), read-only relocations.
HARDEN  = -fstack-protector-strong -D_FORTIFY_SOURCE=2
HARDEN_LD = -Wl,-z,relro,-z,now
# Size: drop unused functions, unwind tables (C, no exceptions), page padding.
SMALL   = -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
SMALL_LD = -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none
CFLAGS += -std=c11 -D_GNU_SOURCE -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN) $(HARDEN) $(SMALL)
# Stripped: the debug info stays in build/*.o; `make LDFLAGS=` keeps it in the binary.
LDFLAGS ?= -s
SRCS    = $(wildcard init/*.c)
OBJS    = $(patsubst init/%.c,build/%.o,$(SRCS))
LIBOBJS = $(filter-out build/main.o,$(OBJS))

.PHONY: all test unit install clean demo asan

all: tinyhold

build/%.o: init/%.c init/*.h | build
	$(CC) $(CFLAGS) -c -o $@ $<

build:
	mkdir -p build

tinyhold: $(OBJS)
	$(CC) $(CFLAGS) -static $(LDFLAGS) $(HARDEN_LD) $(SMALL_LD) -o $@ $(OBJS)

install: tinyhold
	install -D -m 0755 tinyhold $(DESTDIR)$(PREFIX)/bin/tinyhold

clean:
	rm -rf build tinyhold examples/demo-server tests/bin/*.bin

# ---- demo, tests -----------------------------------------------------------
EXAMPLE_CC := $(if $(shell command -v musl-gcc),musl-gcc,cc)
HELPERS = $(patsubst tests/bin/%.c,tests/bin/%.bin,$(wildcard tests/bin/*.c))
UNIT_TESTS = $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/*.c))

examples/demo-server: examples/demo-server.c
	$(EXAMPLE_CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/bin/%.bin: tests/bin/%.c
	$(EXAMPLE_CC) -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

build/unit/%: tests/unit/%.c $(LIBOBJS:build/%.o=init/%.c) init/*.h
	@mkdir -p build/unit
	cc -O1 -g -std=c11 -D_GNU_SOURCE $(WARN) -Iinit -fsanitize=address,undefined \
		-o $@ $< $(filter-out init/main.c,$(SRCS))

demo: tinyhold examples/demo-server
	@echo "tinyhold: try: curl localhost:8080/   curl localhost:8080/crash   (Ctrl-C stops)"
	./tinyhold -p 8080 -- examples/demo-server

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# TINYHOLD=path runs the suite against another build (make asan first).
test: tinyhold examples/demo-server $(HELPERS) unit
	@file tinyhold | grep -q 'statically linked' || { echo "tinyhold is not static"; exit 1; }
	bats $(BATS_FLAGS) tests/

# The same sources with ASan+UBSan (glibc cc, dynamic): TINYHOLD=build/asan/tinyhold make test
asan: build/asan/tinyhold
build/asan/tinyhold: $(SRCS) init/*.h
	@mkdir -p build/asan
	cc -O1 -g -std=c11 -D_GNU_SOURCE -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN) \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-o $@ $(SRCS)
