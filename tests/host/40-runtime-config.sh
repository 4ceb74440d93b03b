#!/bin/bash
# Host checks of the runtime integration files: the hooks.d files are valid
# containers hooks.d 1.0.0 JSON naming both stages, the crun jq filter adds
# both hooks to a real `crun spec` without touching what was there, and the
# CRI-O and containerd fragments parse as TOML.  (The VM's hook tests build
# every bundle with the same jq filter.)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rp=$top/runtime-patches
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
res() { if [ "$1" = 0 ]; then echo "PASS host:runtime/$2"; else echo "FAIL host:runtime/$2"; fi; }

python3 - "$top"/oci-hook/hooks.d/*.json <<'PY'
import json, sys
stages = set()
for f in sys.argv[1:]:
    d = json.load(open(f))
    assert d["version"] == "1.0.0", f
    assert d["hook"]["path"].startswith("/"), f
    assert d["hook"]["args"][1] in d["stages"], f
    assert "annotations" in d["when"], f
    # the hook's own waits (hotmem.conf's hook_timeout, 30) end before this
    assert d["hook"].get("timeout") == 30, f
    stages.update(d["stages"])
assert stages == {"createRuntime", "poststop"}, stages
PY
res $? hooksd-json

(cd "$tmp" && crun spec >/dev/null 2>&1) &&
jq --arg hook /usr/local/libexec/hotmem/hotmem-hook --arg stderr /var/log/hotmem-hook.log \
	-f "$rp/crun/hotmem-hooks.jq" "$tmp/config.json" > "$tmp/out.json" &&
jq -e '.hooks.createRuntime[0].args == ["hotmem-hook","createRuntime"] and
	.hooks.poststop[0].args == ["hotmem-hook","poststop"] and
	.annotations["run.oci.hooks.stderr"] == "/var/log/hotmem-hook.log"' "$tmp/out.json" >/dev/null &&
jq -e --slurpfile a "$tmp/config.json" 'del(.hooks, .annotations) == ($a[0] | del(.hooks, .annotations))' \
	"$tmp/out.json" >/dev/null
res $? crun-jq-filter

python3 -c 'import sys, tomllib; [tomllib.load(open(f, "rb")) for f in sys.argv[1:]]' \
	"$rp/cri-o/99-hotmem.conf" "$rp/containerd/config.toml" "$rp/containerd/config-v3.toml"
res $? toml-fragments
