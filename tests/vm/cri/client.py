#!/usr/bin/python3
"""A small CRI client: the calls a kubelet makes to run a pod, one per line.

    client.py SOCKET STUBDIR

Reads requests on stdin, one per line, and answers each with one line on
stdout, "OK <payload>" or "ERR <message>"; after a call that found the
connection broken (UNAVAILABLE, DEADLINE_EXCEEDED) it exits with 3, and the
harness starts a new client for the next request.  SOCKET is the Unix socket QEMU
serves for the VM's virtio-serial port org.hotmem.cri, which the guest's
hm-vport-fwd joins to containerd's socket; one gRPC channel is kept for the
whole run.  STUBDIR holds api_pb2*.py generated from tests/vm/cri/api.proto
(tests/vm/run-vm.py generates them).  Needs Debian's python3-grpcio and
python3-protobuf (run with /usr/bin/python3).

Requests (names as in the CRI API, arguments as the test needs them):
  version                       RuntimeName RuntimeVersion
  run-pod NAME UID SIZE PARENT  RunPodSandbox of pod NAME (uid UID) with
                                annotation io.hotmem.size=SIZE ("-": none),
                                cgroup_parent PARENT, host network, runtime
                                handler crun-hotmem; prints the sandbox id
  create POD NAME LIMIT IMAGE CMD...  CreateContainer NAME in sandbox POD with
                                memory_limit_in_bytes LIMIT; prints its id
  start ID | stop ID SECONDS | remove ID
  stop-pod ID | remove-pod ID
  state ID                      the container's state (CONTAINER_RUNNING ...)
  pod-state ID                  the sandbox's state (SANDBOX_READY ...)
  pods | containers             ids of every sandbox / container, or "-"
"""
import sys

import grpc

HANDLER = "crun-hotmem"
NODE = 2        # NamespaceMode NODE: host network, no CNI in the test VM
CONTAINER = 1   # NamespaceMode CONTAINER


class Client:
    def __init__(self, socket, api, api_grpc):
        self.api = api
        self.chan = grpc.insecure_channel(f"unix://{socket}")
        self.rt = api_grpc.RuntimeServiceStub(self.chan)
        self.pods = {}      # sandbox id -> PodSandboxConfig (CreateContainer resends it)

    def call(self, method, req, timeout=120):
        return getattr(self.rt, method)(req, timeout=timeout)

    def version(self):
        r = self.call("Version", self.api.VersionRequest(version="v1"))
        return f"{r.runtime_name} {r.runtime_version} {r.runtime_api_version}"

    def run_pod(self, name, uid, size, parent):
        a = self.api
        ann = {} if size == "-" else {"io.hotmem.size": size}
        cfg = a.PodSandboxConfig(
            metadata=a.PodSandboxMetadata(name=name, uid=uid, namespace="default"),
            annotations=ann, labels={"app": name},  # no hostname: host network, as the kubelet does
            linux=a.LinuxPodSandboxConfig(
                cgroup_parent=parent,
                security_context=a.LinuxSandboxSecurityContext(
                    namespace_options=a.NamespaceOption(network=NODE, pid=CONTAINER))))
        r = self.call("RunPodSandbox", a.RunPodSandboxRequest(config=cfg, runtime_handler=HANDLER))
        self.pods[r.pod_sandbox_id] = cfg
        return r.pod_sandbox_id

    def create(self, pod, name, limit, image, *cmd):
        a = self.api
        cfg = a.ContainerConfig(
            metadata=a.ContainerMetadata(name=name), image=a.ImageSpec(image=image),
            command=list(cmd), labels={"app": name},
            linux=a.LinuxContainerConfig(
                resources=a.LinuxContainerResources(memory_limit_in_bytes=int(limit)),
                security_context=a.LinuxContainerSecurityContext(
                    namespace_options=a.NamespaceOption(network=NODE, pid=CONTAINER))))
        r = self.call("CreateContainer", a.CreateContainerRequest(
            pod_sandbox_id=pod, config=cfg, sandbox_config=self.pods[pod]))
        return r.container_id

    def start(self, cid):
        self.call("StartContainer", self.api.StartContainerRequest(container_id=cid))
        return cid

    def stop(self, cid, seconds):
        self.call("StopContainer", self.api.StopContainerRequest(container_id=cid, timeout=int(seconds)))
        return cid

    def remove(self, cid):
        self.call("RemoveContainer", self.api.RemoveContainerRequest(container_id=cid))
        return cid

    def stop_pod(self, pid):
        self.call("StopPodSandbox", self.api.StopPodSandboxRequest(pod_sandbox_id=pid))
        return pid

    def remove_pod(self, pid):
        self.call("RemovePodSandbox", self.api.RemovePodSandboxRequest(pod_sandbox_id=pid))
        self.pods.pop(pid, None)
        return pid

    def state(self, cid):
        r = self.call("ContainerStatus", self.api.ContainerStatusRequest(container_id=cid))
        return self.api.ContainerState.Name(r.status.state)

    def pod_state(self, pid):
        r = self.call("PodSandboxStatus", self.api.PodSandboxStatusRequest(pod_sandbox_id=pid))
        return self.api.PodSandboxState.Name(r.status.state)

    def pods_(self):
        r = self.call("ListPodSandbox", self.api.ListPodSandboxRequest())
        return " ".join(p.id for p in r.items) or "-"

    def containers(self):
        r = self.call("ListContainers", self.api.ListContainersRequest())
        return " ".join(c.id for c in r.containers) or "-"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.path.insert(0, sys.argv[2])
    import api_pb2
    import api_pb2_grpc
    c = Client(sys.argv[1], api_pb2, api_pb2_grpc)
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        name = w[0].replace("-", "_")
        fn = getattr(c, name + "_" if name == "pods" else name, None)
        if fn is None or name.startswith("_") or name in ("call",):
            print(f"ERR unknown request '{w[0]}'", flush=True)
            continue
        try:
            print(f"OK {fn(*w[1:])}", flush=True)
        except grpc.RpcError as e:
            print(f"ERR {w[0]}: {e.code().name}: {e.details()}".replace("\n", " "), flush=True)
            # The stream through the port may be broken: end, and let the
            # harness start a client with a fresh connection for the next call.
            if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return 3
        except (TypeError, ValueError, KeyError) as e:
            print(f"ERR {w[0]}: {e!r}".replace("\n", " "), flush=True)


if __name__ == "__main__":
    sys.exit(main())
