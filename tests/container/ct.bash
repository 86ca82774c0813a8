# Shared by tests/container.bats and tests/container/run: the images, the
# fixed names of every container and pod the tests make, and their removal.
# podman reads its settings from the private file .ci/podman-setup.sh writes.
# shellcheck disable=SC2034 # the names are used by the files that source this one

CT_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$CT_REPO/build/podman/containers.conf"

# The names README.md tells users to build with: `podman build -t tinyhold .`
CT_IMAGE=localhost/tinyhold:latest
CT_DEMO=localhost/tinyhold-demo:latest		# examples/demo-kube.yaml names it too
CT_APPS=localhost/tinyhold-test-apps:latest	# tests/container/Dockerfile
CT_POD=tinyhold-demo-pod-0			# podman's pod for the Deployment of demo-kube.yaml

# Fixed names, so a run that was killed is cleaned up by the next one.
CT_NAMES=(th-ct-demo th-ct-n2 th-ct-nauto th-ct-signals th-ct-stubborn th-ct-engine-kill th-ct-user
	th-ct-user80 th-ct-port80 th-ct-zombies th-ct-no-init th-ct-liveness th-ct-version th-ct-arm64
	th-ct-relay th-ct-health th-ct-node th-ct-python th-ct-go)

ct_cleanup() {
	command -v podman >/dev/null 2>&1 || return 0
	podman rm --force --ignore --time 0 "${CT_NAMES[@]}" >/dev/null 2>&1 || true
	podman pod rm --force --ignore --time 0 "$CT_POD" >/dev/null 2>&1 || true
}
