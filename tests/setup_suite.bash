# bats runs this around every run of tests/*.bats: a run that leaves a process of this
# checkout's running fails in its last line, even where a file forgot no_leftovers in
# its teardown() or started something in setup_file(). tests/leftovers says which.

setup_suite() {
	local bin
	# What a killed earlier run left would fail the first test here: it goes first.
	"$(dirname "${BASH_SOURCE[0]}")/leftovers" --before
	# As root, the -u tests run this checkout's apps as nobody: a checkout in a
	# directory nobody may not enter (mktemp -d, a home of mode 0700) would fail
	# them one by one with "cannot exec ...: Permission denied". Say so once.
	bin=$(cd "$(dirname "${BASH_SOURCE[0]}")/bin" && pwd)
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin/sv_whoami.py"; then
		echo "tests: nobody (uid 65534) cannot reach $bin, which the -u tests run as nobody:" \
			"give every directory above it o+x, or clone the repository elsewhere" >&2
		return 1
	fi
}

teardown_suite() {
	"$(dirname "${BASH_SOURCE[0]}")/leftovers"
}
