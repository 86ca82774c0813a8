#!/usr/bin/env bats
# The command line: usage errors, --help, --version, and the environment twins.

load common

teardown() { cleanup_tinyhold; }

@test "--version prints the version and exits 0" {
	run -0 timeout 5 "$TINYHOLD" --version
	[[ "$output" =~ ^tinyhold\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "a missing command is a usage error (2) with one clear line" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" -p 8080
	[ "${stderr_lines[0]}" = "tinyhold: missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" ]
}
