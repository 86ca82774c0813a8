# tinyhold: a static PID 1 that holds the sockets and restarts the app.
VERSION ?= 0.1.0
PREFIX  ?= /usr/local

ifeq ($(origin CC),default)
CC := $(if $(shell command -v musl-gcc),musl-gcc,cc)
endif
WARN    = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
          -Wvla -Wcast-qual -Wnull-dereference
# -Oz (gcc 12): -Os that also picks the shorter instruction where it is slower;
# nothing here is hot. 992 bytes less than -Os at 805fda5.
CFLAGS ?= -Oz -g
# Hardening that fits a static binary: stack canaries, fortified libc calls
# (glibc; musl ignores it), and with glibc read-only relocations. musl's static
# start-up never mprotect()s the RELRO segment (it stays rw-p: see
# /proc/PID/maps), so with musl, -z relro would only cost bytes (4 KiB pages)
# or 35 KB (arm64's 64 KiB alignment) and promise what it does not do.
HARDEN  = -fstack-protector-strong -D_FORTIFY_SOURCE=2
NORELRO = -Wl,-z,norelro
RELRO   = -Wl,-z,relro,-z,now
HARDEN_LD = $(if $(findstring musl,$(CC)),$(NORELRO),$(RELRO))
# Size: drop unused functions, unwind tables (C, no exceptions), page padding;
# link-time optimisation across modules (3.5 KB: one-caller functions inline
# into their callers; one partition: the same bytes, and gcc no longer notes
# "serial compilation of 2 LTRANS jobs"); no position-independent code, which a static binary
# that is not static-pie loads at a fixed address anyway (0.5 KB); switches as compares,
# not tables of 8-byte addresses in .rodata (1.5 KB: no switch here is hot).
SMALL   = -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
          -flto -flto-partition=one -fno-pie -fno-jump-tables
SMALL_LD = -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none -no-pie
# No build path in the output: the same sources give the same bytes in any directory.
REPRO   = -ffile-prefix-map=$(CURDIR)=.
CFLAGS += -std=c11 -D_GNU_SOURCE -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN) $(HARDEN) $(SMALL) $(REPRO)
# Stripped: the debug info stays in build/*.o; `make LDFLAGS=` keeps it in the binary.
LDFLAGS ?= -s
SRCS    = $(wildcard init/*.c)
OBJS    = $(patsubst init/%.c,build/%.o,$(SRCS))
LIBOBJS = $(filter-out build/main.o,$(OBJS))

.PHONY: all test test-run unit install clean demo demo-run asan

all: tinyhold

build/%.o: init/%.c init/*.h Makefile | build
	$(CC) $(CFLAGS) -c -o $@ $<

build:
	mkdir -p build

tinyhold: $(OBJS)
	$(CC) $(CFLAGS) -static $(LDFLAGS) $(HARDEN_LD) $(SMALL_LD) -o $@ $(OBJS)

install: tinyhold
	install -D -m 0755 tinyhold $(DESTDIR)$(PREFIX)/bin/tinyhold

clean:
	rm -rf build tinyhold examples/demo-server tests/bin/*.bin

# ---- other architectures: make ARCH=arm64 -> build/arm64/tinyhold ---------
# The same static musl binary, cross-built with Debian's gcc-TRIPLET and
# musl-dev:ARCH (.ci/cross-setup.sh installs them). Debian's name for each
# architecture, then its gcc triplet, musl's directory under /usr/lib, the
# qemu-user that runs it (qemu-NAME-static) and the OCI platform. No -z
# max-page-size: arm64 and ppc64el kernels may use 64 KiB pages, and a binary
# aligned for 4 KiB ones would not load there.
# Not built: riscv64 (no musl-dev:riscv64 in Debian 12, a ports architecture).
# mips64el is the one whose kernel has 128 signals (init/sig.c).
ARCHES          = arm64 armhf armel i386 ppc64el s390x mips64el
TRIPLET_arm64   = aarch64-linux-gnu
MUSL_arm64      = aarch64-linux-musl
QEMU_arm64      = aarch64
PLATFORM_arm64  = linux/arm64
TRIPLET_armhf   = arm-linux-gnueabihf
MUSL_armhf      = arm-linux-musleabihf
QEMU_armhf      = arm
PLATFORM_armhf  = linux/arm/v7
TRIPLET_armel   = arm-linux-gnueabi
MUSL_armel      = arm-linux-musleabi
QEMU_armel      = arm
PLATFORM_armel  = linux/arm/v5
TRIPLET_i386    = i686-linux-gnu
MUSL_i386       = i386-linux-musl
QEMU_i386       = i386
PLATFORM_i386   = linux/386
TRIPLET_ppc64el = powerpc64le-linux-gnu
MUSL_ppc64el    = powerpc64le-linux-musl
QEMU_ppc64el    = ppc64le
PLATFORM_ppc64el = linux/ppc64le
TRIPLET_s390x   = s390x-linux-gnu
MUSL_s390x      = s390x-linux-musl
QEMU_s390x      = s390x
PLATFORM_s390x  = linux/s390x
TRIPLET_riscv64 = riscv64-linux-gnu
MUSL_riscv64    = riscv64-linux-musl
QEMU_riscv64    = riscv64
PLATFORM_riscv64 = linux/riscv64
TRIPLET_mips64el = mips64el-linux-gnuabi64
MUSL_mips64el   = mips64el-linux-musl
QEMU_mips64el   = mips64el
PLATFORM_mips64el = linux/mips64le
# Not in ARCHES (it is the native build here), but a target of the Dockerfile
# on an arm64 build host.
TRIPLET_amd64   = x86_64-linux-gnu
MUSL_amd64      = x86_64-linux-musl
QEMU_amd64      = x86_64
PLATFORM_amd64  = linux/amd64

.PHONY: cross sizes arch-info deb-arch test-arch

# make deb-arch PLATFORM=linux/arm/v7: the ARCH of an OCI platform (armhf), or
# nothing. The Dockerfile maps TARGETPLATFORM with it.
deb-arch:
	@echo $(foreach a,amd64 $(ARCHES),$(if $(filter $(PLATFORM_$(a)),$(patsubst linux/arm64/v8,linux/arm64,$(PLATFORM))),$(a)))

ifneq ($(ARCH),)
ifeq ($(TRIPLET_$(ARCH)),)
$(error unknown ARCH=$(ARCH): one of $(ARCHES))
endif
XCC     = $(TRIPLET_$(ARCH))-gcc -specs /usr/lib/$(MUSL_$(ARCH))/musl-gcc.specs
XOBJS   = $(patsubst init/%.c,build/$(ARCH)/%.o,$(SRCS))
.DEFAULT_GOAL := build/$(ARCH)/tinyhold

# The Makefile too: a change of flags must reach every object of a release.
build/$(ARCH)/%.o: init/%.c init/*.h Makefile
	@mkdir -p $(@D)
	$(XCC) $(CFLAGS) -c -o $@ $<

build/$(ARCH)/tinyhold: $(XOBJS)
	$(XCC) $(CFLAGS) -static $(LDFLAGS) $(NORELRO) $(SMALL_LD) -o $@ $(XOBJS)

# For .ci/cross-setup.sh and the tests: "ARCH TRIPLET MUSL-DIR QEMU PLATFORM".
arch-info:
	@echo $(ARCH) $(TRIPLET_$(ARCH)) $(MUSL_$(ARCH)) $(QEMU_$(ARCH)) $(PLATFORM_$(ARCH))
else
arch-info:
	@$(foreach a,$(ARCHES),echo $(a) $(TRIPLET_$(a)) $(MUSL_$(a)) $(QEMU_$(a)) $(PLATFORM_$(a));)
endif

# make cross: build/ARCH/tinyhold for each ARCH whose cross compiler is installed.
cross:
	@for a in $(ARCHES); do \
		if command -v "$$($(MAKE) -s --no-print-directory arch-info ARCH=$$a | cut -d' ' -f2)-gcc" >/dev/null; then \
			$(MAKE) --no-print-directory ARCH=$$a || exit 1; \
		else echo "cross: no compiler for $$a (.ci/cross-setup.sh $$a)"; fi; \
	done

# make sizes: the size in bytes of ./tinyhold and of every build/ARCH/tinyhold built.
sizes:
	@for f in tinyhold $(ARCHES:%=build/%/tinyhold); do \
		[ -f "$$f" ] && printf '%-28s %7d bytes  %s\n' "$$f" "$$(stat -c %s "$$f")" \
			"$$(file -b "$$f" | cut -d, -f1,2)"; \
	done; true

# make test-arch: builds every ARCH and runs tests/arch.bats for each under
# qemu-user. .ci/cross-setup.sh installs the compilers and qemu first.
test-arch: tinyhold examples/demo-server $(HELPERS)
	@for a in $(ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a >/dev/null || \
			{ echo "test-arch: cannot build $$a (.ci/cross-setup.sh $$a)"; exit 1; }; \
	done
	@rc=0; for a in $(ARCHES); do TEST_ARCH=$$a bats $(BATS_FLAGS) tests/arch.bats || rc=1; done; exit $$rc

# ---- demo, tests -----------------------------------------------------------
# make demo and make test first check the Debian packages they need (the one
# list: tests/packages): as root tests/need installs what is missing, otherwise
# it prints the apt-get line. The sub-make then picks musl-gcc if that just
# came. need-SECTION does the same for one section of the list.
need-%:
	@tests/need $*

EXAMPLE_CC := $(if $(shell command -v musl-gcc),musl-gcc,cc)
HELPERS = $(patsubst tests/bin/%.c,tests/bin/%.bin,$(wildcard tests/bin/*.c))
UNIT_TESTS = $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/*.c))

examples/demo-server: examples/demo-server.c
	$(EXAMPLE_CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/bin/%.bin: tests/bin/%.c
	$(EXAMPLE_CC) -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

# The unit tests link the modules compiled once with ASan+UBSan (not main.c),
# with calloc and free (MEM_LIBC) so that ASan sees each allocation; mem_test
# builds the release build's arena on its own.
UNIT_CFLAGS = -O1 -g -std=c11 -D_GNU_SOURCE -DMEM_LIBC $(WARN) -Iinit -fsanitize=address,undefined
UNIT_OBJS = $(patsubst init/%.c,build/unit/obj/%.o,$(filter-out init/main.c,$(SRCS)))
build/unit/obj/%.o: init/%.c init/*.h
	@mkdir -p build/unit/obj
	cc $(UNIT_CFLAGS) -c -o $@ $<
build/unit/%: tests/unit/%.c tests/unit/check.h $(UNIT_OBJS)
	cc $(UNIT_CFLAGS) -o $@ $< $(UNIT_OBJS)
build/unit/mem_test: tests/unit/mem_test.c tests/unit/check.h init/mem.c init/mem.h
	@mkdir -p build/unit
	cc $(UNIT_CFLAGS) -UMEM_LIBC -o $@ $< init/mem.c

# make demo: the demo server under tinyhold, asked three questions with curl
# (a fresh machine has none: [demo] installs it) while it serves on. Ctrl-C goes
# to the demo alone (tinyhold gives it the terminal), which dies of SIGINT:
# -e 130 makes that the clean end it is, so make ends with 0, not "Error 130".
demo:
	@tests/need build demo
	@$(MAKE) --no-print-directory demo-run
DEMO_PORT = 8080
DEMO_ASK  = for i in $$(seq 100); do curl -s -o /dev/null localhost:$(DEMO_PORT)/ && break; sleep 0.1; done; \
	for q in / /crash /; do printf '%-28s \# %s\n' "curl localhost:$(DEMO_PORT)$$q" "$$(curl -sS localhost:$(DEMO_PORT)$$q)"; done; \
	echo "demo: it serves on: curl localhost:$(DEMO_PORT)/ yourself; Ctrl-C stops it"
demo-run: tinyhold examples/demo-server
	@{ $(DEMO_ASK); } & ./tinyhold -e 130 -p $(DEMO_PORT) -- examples/demo-server

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# TINYHOLD=path runs the suite against another build (make asan first).
test:
	@tests/need build test servers
	@$(MAKE) --no-print-directory test-run
test-run: tinyhold examples/demo-server $(HELPERS) unit
	@file tinyhold | grep -q 'statically linked' || { echo "tinyhold is not static"; exit 1; }
	bats $(BATS_FLAGS) tests/

# The same sources with ASan+UBSan (glibc cc, dynamic): TINYHOLD=build/asan/tinyhold make test
asan: build/asan/tinyhold
build/asan/tinyhold: $(SRCS) init/*.h
	@mkdir -p build/asan
	cc -O1 -g -std=c11 -D_GNU_SOURCE -DMEM_LIBC -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN) \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-o $@ $(SRCS)

# ---- containers: real podman, set up by .ci/podman-setup.sh ----------------
# The Dockerfile, examples/ and its Kubernetes manifest in real containers
# (tests/container.bats; `make test` skips them). Without podman they skip.
.PHONY: test-container test-fresh
test-container:
	tests/container/run

# README's two commands on fresh machines: a clean clone of HEAD, `make demo`
# in one new container of the debian base and `make test` in another, each
# installing what it needs from Debian's mirror. A few minutes, as root.
test-fresh:
	.ci/fresh-check.sh

# ---- a release: make dist --------------------------------------------------
# dist/: the static binary for every architecture, the multi-arch OCI image as
# one archive, and SHA256SUMS; the same commit gives the same bytes. The
# binaries are make ARCH=...'s (reused when built); .ci/dist-image.sh makes the
# image from them with podman (.ci/podman-setup.sh, .ci/cross-setup.sh first).
# SOURCE_DATE_EPOCH, the last commit's date, is the one timestamp in it all.
.PHONY: dist test-dist
DIST_ARCHES = amd64 $(ARCHES)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
dist:
	@[ -n "$(SOURCE_DATE_EPOCH)" ] || { echo "dist: no git history: set SOURCE_DATE_EPOCH"; exit 1; }
	@for a in $(DIST_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a >/dev/null || { echo "dist: cannot build $$a (.ci/cross-setup.sh)"; exit 1; }; \
	done
	rm -rf dist && mkdir dist
	@for a in $(DIST_ARCHES); do \
		install -m 0755 build/$$a/tinyhold dist/tinyhold-$(VERSION)-linux-$$a || exit 1; \
	done
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) .ci/dist-image.sh dist $(VERSION) \
		$(foreach a,$(DIST_ARCHES),$(a)=$(PLATFORM_$(a)))
	cd dist && sha256sum tinyhold-* >SHA256SUMS
	chmod 0644 dist/SHA256SUMS dist/*.tar	# whatever the umask
	touch -d @$(SOURCE_DATE_EPOCH) dist/*
	@cat dist/SHA256SUMS

# make test-dist: make dist here, then in a clean clone of HEAD at another
# path, built from nothing: the two dist/ must be the same bytes.
test-dist:
	tests/dist-check.sh

# ---- bench (issue 5): figures beside the peers; reports, never asserts ------
# bench/setup.sh installs what is missing (apt-get) and fetches the peers' sources;
# the sub-make then builds with musl-gcc if setup just installed it. About 2 minutes,
# as root (network and pid namespaces). Output: bench/results/ (raw), bench/results.md
# and bench/crash-storm.svg (committed). The peers are built with our own size flags.
BENCH_BINS = $(patsubst bench/%.c,bench/results/bin/%,$(wildcard bench/*.c))
.PHONY: bench bench-run bench-instances bench-instances-run bench-relay
bench:
	bench/setup.sh
	@$(MAKE) --no-print-directory bench-run

# Only the instances part (issue 10: -n): about 2 minutes, into bench/results/instances.md.
bench-instances:
	bench/setup.sh instances
	@$(MAKE) --no-print-directory bench-instances-run

bench-instances-run: tinyhold $(BENCH_BINS)
	bench/run.sh instances

# Only the output relay of -n (issue 15): a minute, into bench/results/relay.md.
# RELAY_BEFORE=path/to/tinyhold adds that build's broken-line count beside ours.
bench-relay: tinyhold $(BENCH_BINS)
	bench/run.sh relay
# Only the status part (issue 16): tinyhold's CPU per GET /metrics and /ready,
# and its wake-ups while idle with --status; a few seconds, into bench/results/status/.
.PHONY: bench-status
bench-status: tinyhold
	bench/run.sh status

bench-run: tinyhold bench/results/tinyhold.unstripped $(BENCH_BINS)
	PEER_CC='$(CC)' PEER_CFLAGS='$(filter -O%,$(CFLAGS)) $(HARDEN) $(SMALL)' \
	PEER_LDFLAGS='-static $(HARDEN_LD) $(SMALL_LD)' PEER_STRIP='$(LDFLAGS)' bench/run.sh

bench/results/bin/%: bench/%.c
	@mkdir -p $(@D)
	$(EXAMPLE_CC) -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

# ./tinyhold's link without -s, and its map: the report reads where its bytes go.
bench/results/tinyhold.unstripped: $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static $(HARDEN_LD) $(SMALL_LD) -Wl,-Map,$@.map -o $@ $(OBJS)

# ---- reliability: fuzzing, valgrind, lint, stress (issue 3) ----------------
.PHONY: fuzz fuzz-build valgrind lint stress

# make fuzz [FUZZ_SECONDS=60]: each libFuzzer target tests/fuzz/NAME_fuzz.c runs
# for FUZZ_SECONDS from its seeds in tests/fuzz/corpus/NAME/ (with the
# dictionary tests/fuzz/NAME.dict if there is one); what it learns stays in
# build/fuzz/corpus/NAME/, a failing input goes to build/fuzz/NAME-crash-*.
# A new target is a new tests/fuzz/NAME_fuzz.c and tests/fuzz/corpus/NAME/:
# nothing here changes. `make -j2 fuzz` runs two at a time.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = $(patsubst tests/fuzz/%_fuzz.c,%,$(wildcard tests/fuzz/*_fuzz.c))
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -DMEM_LIBC $(WARN) -Iinit \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)
fuzz-build: $(FUZZ_TARGETS:%=build/fuzz/%_fuzz)

build/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(LIBOBJS:build/%.o=init/%.c) init/*.h | need-fuzz
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(filter-out init/main.c,$(SRCS))

fuzz-run-%: build/fuzz/%_fuzz
	@mkdir -p build/fuzz/corpus/$*
	@dict=; [ ! -f tests/fuzz/$*.dict ] || dict=-dict=tests/fuzz/$*.dict; \
	if ! $< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/$*- $$dict \
		build/fuzz/corpus/$* tests/fuzz/corpus/$* >build/fuzz/$*.log 2>&1; then \
		grep -E 'broken|ERROR|SUMMARY|Test unit written' build/fuzz/$*.log; \
		echo "fuzz: $*: FAILED (log: build/fuzz/$*.log)"; exit 1; \
	fi; \
	echo "fuzz: $*: $$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$*.log)" \
		"runs in $(FUZZ_SECONDS) s, $$(ls build/fuzz/corpus/$* | wc -l) inputs in the corpus, no failure"

# make valgrind: tests/valgrind.bats, the core cases with tinyhold under
# memcheck (leaks, fds). valgrind needs a dynamic glibc build to see malloc;
# -O0 keeps its stacks exact.
valgrind: need-valgrind build/vg/tinyhold examples/demo-server $(HELPERS)
	TINYHOLD_VALGRIND=build/vg/tinyhold bats $(BATS_FLAGS) tests/valgrind.bats
# CLOSER_IN_PLACE: valgrind cannot follow closer.c's clone(CLONE_FILES).
# MEM_LIBC: memcheck sees calloc and free, not the release build's arena.
build/vg/tinyhold: $(SRCS) init/*.h
	@mkdir -p build/vg
	cc -O0 -g -std=c11 -D_GNU_SOURCE -DCLOSER_IN_PLACE -DMEM_LIBC -DTINYHOLD_VERSION='"$(VERSION)"' $(WARN) \
		-o $@ $(SRCS)

# make lint: cppcheck and clang-tidy over init/, both must be silent.
# cppcheck: variableScope is off: declarations at the top of a function are
# the house style (STYLE.md).
CPPCHECK_FLAGS = --enable=warning,style,performance,portability --std=c11 -D_GNU_SOURCE \
		 --inline-suppr --error-exitcode=1 --quiet --suppress=variableScope
# clang-tidy: bugprone, cert, the whole static analyzer, misc, performance and
# portability, but for these:
#  bugprone-easily-swappable-parameters  every (fd, len) or (buf, len) pair; C
#      has no distinct types to offer instead
#  cert-err33-c  its hits are snprintf() into buffers sized for the worst case,
#      where a cut is the intended outcome; results that matter are checked or
#      dropped with (void) in sight
#  clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling  wants
#      Annex K's memcpy_s(), which neither glibc nor musl has
#  clang-analyzer-valist.Uninitialized  clang 14 reports every va_list handed
#      on to vsnprintf() (llvm/llvm-project#40656, fixed in later releases)
#  clang-analyzer-optin.performance.Padding  a few bytes in constant tables;
#      their fields are in the order that reads best
TIDY_CHECKS = -*,bugprone-*,cert-*,clang-analyzer-*,misc-*,performance-*,portability-*,$\
	-bugprone-easily-swappable-parameters,-cert-err33-c,$\
	-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,$\
	-clang-analyzer-valist.Uninitialized,-clang-analyzer-optin.performance.Padding
lint: need-lint
	cppcheck $(CPPCHECK_FLAGS) init/
	@echo "clang-tidy --checks='$(TIDY_CHECKS)' init/*.c"
	@out=$$(clang-tidy --quiet --checks='$(TIDY_CHECKS)' --warnings-as-errors='*' $(SRCS) -- \
		-std=c11 -D_GNU_SOURCE -DTINYHOLD_VERSION='"$(VERSION)"' -Iinit 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | grep -v ' warnings\{0,1\} generated\.$$' || true; exit $$rc

# make stress: tests/stress.bats (skipped by plain `make test`), a few minutes at most.
stress: tinyhold $(HELPERS)
	TINYHOLD_STRESS=1 bats $(BATS_FLAGS) tests/stress.bats
