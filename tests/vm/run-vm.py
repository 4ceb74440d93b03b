#!/usr/bin/env python3
"""Boot the hotmem test VM under QEMU (TCG) and run guest test suites.

The host side of the harness:
  * starts QEMU with ACPI DIMM slots and a virtio-mem device, a QMP socket and
    two serial ports (ttyS0: console, ttyS1: request channel);
  * streams the console to the terminal (prefixed) and to a log file;
  * answers the guest's requests ("@@REQ <seq> <cmd> <args>") by driving QEMU
    over QMP: plug/unplug DIMMs, resize virtio-mem;
  * turns "@@HM RESULT <name> PASS|FAIL|SKIP [reason]" lines into per-test
    result lines, appends them to --results, and prints
    "N passed, N failed, N skipped";
  * exits 1 when a test failed or the guest did not reach "@@HM DONE" in time.

Only the Python standard library is used (Debian's python3).
"""

import argparse
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20


class QMPError(Exception):
    pass


class QMP:
    """A minimal QMP client.

    A reader thread sorts what QEMU sends into command replies (in order) and
    asynchronous events, so a command never consumes an event and waiting for
    an event never blocks a command.
    """

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rb", buffering=0)
        self.replies = queue.Queue()
        self.events = []
        self.cond = threading.Condition()
        self.cmd_lock = threading.Lock()
        greeting = self.file.readline()
        if not greeting:
            raise QMPError("QMP closed before its greeting")
        threading.Thread(target=self._reader, daemon=True).start()
        self.cmd("qmp_capabilities")

    def _reader(self):
        for line in self.file:
            msg = json.loads(line)
            if "event" in msg:
                with self.cond:
                    self.events.append(msg)
                    self.cond.notify_all()
            else:
                self.replies.put(msg)
        self.replies.put(None)

    def cmd(self, name, timeout=60, **args):
        with self.cmd_lock:
            msg = {"execute": name}
            if args:
                msg["arguments"] = args
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
            try:
                reply = self.replies.get(timeout=timeout)
            except queue.Empty:
                raise QMPError(f"{name}: no reply in {timeout}s") from None
            if reply is None:
                raise QMPError(f"{name}: QMP connection closed")
            if "error" in reply:
                raise QMPError(f"{name}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")

    def wait_event(self, name, match, timeout):
        """Wait for (and consume) an event NAME whose data satisfies MATCH."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, ev in enumerate(self.events):
                    if ev["event"] == name and match(ev.get("data", {})):
                        return self.events.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


class Host:
    """What the guest may ask of the VMM, carried out over QMP."""

    VMEM = "/machine/peripheral/vmem0"

    def __init__(self, qmp, log):
        self.qmp = qmp
        self.log = log
        self.dimms = 0
        self.live = []      # DIMMs plugged and not yet unplugged

    def handle(self, cmd, args):
        fn = getattr(self, "req_" + cmd.replace("-", "_"), None)
        if fn is None:
            raise QMPError(f"unknown request '{cmd}'")
        return fn(*args)

    def req_dimm_add(self, mib, node="0"):
        self.dimms += 1
        dev = f"dimm{self.dimms}"
        self.qmp.cmd("object-add", **{"qom-type": "memory-backend-ram",
                                      "id": f"mem-{dev}", "size": int(mib) * MIB})
        try:
            self.qmp.cmd("device_add", driver="pc-dimm", id=dev, memdev=f"mem-{dev}",
                         node=int(node))
        except QMPError:
            self.qmp.cmd("object-del", id=f"mem-{dev}")
            raise
        self.live.append(dev)
        return dev

    def req_dimm_del(self, dev, timeout="30"):
        self.qmp.cmd("device_del", id=dev)
        ev = self.qmp.wait_event("DEVICE_DELETED", lambda d: d.get("device") == dev,
                                 float(timeout))
        if ev is None:
            raise QMPError(f"{dev}: guest did not release it within {timeout}s")
        self.qmp.cmd("object-del", id=f"mem-{dev}")
        if dev in self.live:
            self.live.remove(dev)
        return dev

    def req_dimm_del_all(self):
        """Unplug every DIMM still plugged (the harness's repair after a
        test that left some behind)."""
        errors = []
        for dev in list(self.live):
            try:
                self.req_dimm_del(dev)
            except QMPError as e:
                errors.append(str(e))
        if errors:
            raise QMPError("; ".join(errors))
        return "none left"

    def req_vmem_resize(self, mib, timeout="120"):
        want = int(mib) * MIB
        self.qmp.cmd("qom-set", path=self.VMEM, property="requested-size", value=want)
        deadline = time.monotonic() + float(timeout)
        while True:
            size = self.qmp.cmd("qom-get", path=self.VMEM, property="size")
            if size == want:
                return str(size)
            if time.monotonic() > deadline:
                raise QMPError(f"virtio-mem size {size}, requested {want}, after {timeout}s")
            time.sleep(0.2)

    def req_vmem_size(self):
        return str(self.qmp.cmd("qom-get", path=self.VMEM, property="size"))


def qemu_cmdline(args, tmp):
    # Hot-plugged memory appears offline (the tests and the hook decide how
    # to online it).  movable_node: a block onlined with plain "online" that
    # lies outside every zone goes to ZONE_MOVABLE instead of ZONE_NORMAL.
    # mem-on-off-test.sh re-onlines what it offlines that way; a DIMM block at
    # the edge of ZONE_MOVABLE, once offline, lies outside it, and in
    # ZONE_NORMAL it would take kernel allocations and never unplug again.
    #
    # Two NUMA nodes: node 0 has the CPUs and the boot memory, node 1 starts
    # empty and gets memory only from DIMMs plugged there (dimm-add MIB 1),
    # for the placement tests (mempolicy, cpuset).
    append = ("console=ttyS0 memhp_default_state=offline movable_node panic=-1 oops=panic "
              f"loglevel=4 hotmem.suites={','.join(args.suites)} {args.append}").strip()
    return [
        args.qemu, "-machine", "pc,accel=tcg", "-cpu", "max", "-smp", "2",
        "-m", f"{args.boot_mem},slots=8,maxmem={args.max_mem}",
        "-object", f"memory-backend-ram,id=ram0,size={args.boot_mem}",
        "-numa", "node,nodeid=0,cpus=0-1,memdev=ram0", "-numa", "node,nodeid=1",
        "-kernel", args.kernel, "-initrd", args.initrd, "-append", append,
        "-display", "none", "-no-reboot", "-nodefaults",
        "-serial", "stdio",
        "-chardev", f"socket,id=req,path={tmp}/req.sock,server=on,wait=on",
        "-serial", "chardev:req",
        "-qmp", f"unix:{tmp}/qmp.sock,server=on,wait=off",
        "-object", f"memory-backend-ram,id=vmem0mem,size={args.vmem_max}",
        "-device", f"virtio-mem-pci,id=vmem0,memdev=vmem0mem,requested-size=0,block-size=2M",
    ]


def serve_requests(sock, host, log):
    """Answer @@REQ lines from the guest's ttyS1 until the socket closes."""
    buf = b""
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode(errors="replace").strip().split()
            if len(words) < 3 or words[0] != "@@REQ":
                continue
            seq, cmd, rest = words[1], words[2], words[3:]
            t0 = time.monotonic()
            try:
                status, payload = "OK", host.handle(cmd, rest)
            except (QMPError, TypeError, ValueError, OSError) as e:
                status, payload = "ERR", str(e).replace("\n", " ")
            log(f"[host] {cmd} {' '.join(rest)} -> {status} {payload} "
                f"({time.monotonic() - t0:.2f}s)")
            sock.sendall(f"@@REP {seq} {status} {payload}\n".encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--suites", required=True, help="comma-separated guest suites")
    ap.add_argument("--name", default="vm", help="label for result lines")
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--results", help="append result lines to this file")
    ap.add_argument("--log", help="write the full console log here")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("--boot-mem", default="512M")
    ap.add_argument("--max-mem", default="8G")
    ap.add_argument("--vmem-max", default="2G")
    ap.add_argument("--quiet", action="store_true", help="print only results and summary")
    ap.add_argument("--demo", action="store_true",
                    help="transcript mode: show only what the guest tests say, and the host's actions")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    args = ap.parse_args()
    args.suites = args.suites.split(",")

    tmp = tempfile.mkdtemp(prefix="hotmem-vm-")
    logf = open(args.log, "w") if args.log else None
    out_lock = threading.Lock()

    def log(line, show=True):
        with out_lock:
            if logf:
                logf.write(line + "\n")
                logf.flush()
            if not show or args.quiet:
                return
            if args.demo:
                if line.startswith("[host] "):
                    print(f"    (host: {line[7:]})", flush=True)
                elif line.startswith("["):
                    print(line.split("] ", 1)[-1], flush=True)
                return
            print(f"  {args.name}| {line}", flush=True)

    for f in (args.kernel, args.initrd):
        if not os.path.isfile(f):
            sys.exit(f"run-vm: {f}: not a file")
    results = []
    qemu = subprocess.Popen(qemu_cmdline(args, tmp), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    done = False
    booted = False
    t_start = time.monotonic()
    try:
        # The request chardev waits for us before the guest starts.
        deadline = time.monotonic() + 30
        while not os.path.exists(f"{tmp}/req.sock"):
            if time.monotonic() > deadline or qemu.poll() is not None:
                raise RuntimeError("QEMU did not start: " +
                                   (qemu.stdout.read().decode(errors="replace")
                                    if qemu.poll() is not None else "timeout"))
            time.sleep(0.05)
        # QEMU creates the socket file before it listens on it: retry.
        while True:
            req = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                req.connect(f"{tmp}/req.sock")
                break
            except ConnectionRefusedError:
                req.close()
                if time.monotonic() > deadline or qemu.poll() is not None:
                    raise
                time.sleep(0.05)
        qmp = QMP(f"{tmp}/qmp.sock")
        host = Host(qmp, log)
        threading.Thread(target=serve_requests, args=(req, host, log), daemon=True).start()

        lines = queue.Queue()

        def reader():
            for raw in qemu.stdout:
                lines.put(raw.decode(errors="replace").rstrip("\r\n"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()
        deadline = t_start + args.timeout
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                log(f"[host] timeout after {args.timeout:.0f}s")
                break
            if line is None:
                break
            if line.startswith("@@HM RESULT "):
                parts = line.split(None, 4)
                name, verdict = parts[2], parts[3]
                reason = parts[4] if len(parts) > 4 else ""
                results.append((name, verdict, reason))
                msg = f"{verdict} {args.name}:{name}" + (f": {reason}" if reason else "")
                log(line, show=False)
                with out_lock:
                    print(msg, flush=True)
                continue
            if line.startswith("@@HM BOOTED"):
                booted = True
            if line.startswith("@@HM DONE"):
                done = True
            log(line)
            if time.monotonic() > deadline:
                log(f"[host] timeout after {args.timeout:.0f}s")
                break
    except Exception as e:  # the harness itself failed: say so, count it
        log(f"[host] harness error: {e}")
    finally:
        if qemu.poll() is None:
            try:
                qemu.wait(timeout=10 if done else 0.1)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - t_start
    if not done:
        what = "did not boot" if not booted else "did not finish"
        results.append(("(vm)", "FAIL", f"guest {what} (see {args.log or 'console'})"))
        print(f"FAIL {args.name}:(vm): guest {what}", flush=True)
    if args.results:
        with open(args.results, "a") as f:
            for name, verdict, reason in results:
                f.write(f"{verdict} {args.name}:{name}" + (f": {reason}" if reason else "") + "\n")
    passed = sum(1 for r in results if r[1] == "PASS")
    failed = sum(1 for r in results if r[1] not in ("PASS", "SKIP"))
    skipped = sum(1 for r in results if r[1] == "SKIP")
    print(f"{args.name}: {passed} passed, {failed} failed, {skipped} skipped "
          f"({elapsed:.0f}s)", flush=True)
    if logf:
        logf.close()
    return 1 if failed or not done else 0


if __name__ == "__main__":
    sys.exit(main())
