# jq filter that adds hotmem-hook to an OCI config.json for crun:
#   jq -f hotmem-hooks.jq config.json > config.json.new
# createRuntime claims and binds the container's blocks, poststop releases
# them.  crun discards a hook's stderr unless run.oci.hooks.stderr names a
# file: keep the hook's one-line errors next to the runtime's logs.
# The test VM builds every hook test's bundle with this filter.
.hooks.createRuntime = ((.hooks.createRuntime // []) + [{
    "path": $hook,
    "args": ["hotmem-hook", "createRuntime"],
    "timeout": 30
  }])
| .hooks.poststop = ((.hooks.poststop // []) + [{
    "path": $hook,
    "args": ["hotmem-hook", "poststop"],
    "timeout": 30
  }])
| .annotations["run.oci.hooks.stderr"] //= $stderr
