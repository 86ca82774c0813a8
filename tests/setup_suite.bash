# bats runs this around every run of tests/*.bats: a run that leaves a process of this
# checkout's running fails in its last line, even where a file forgot no_leftovers in
# its teardown() or started something in setup_file(). tests/leftovers says which.

setup_suite() {
	# What a killed earlier run left would fail the first test here: it goes first.
	"$(dirname "${BASH_SOURCE[0]}")/leftovers" --before
}

teardown_suite() {
	"$(dirname "${BASH_SOURCE[0]}")/leftovers"
}
