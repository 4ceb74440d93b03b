#!/usr/bin/env python3
"""Boot the hotmem test VM under QEMU (TCG) and run guest test suites.

The host side of the harness:
  * starts hotmem-vmm (vmm/, docs/vmm.md) with a configuration for this VM,
    then QEMU with ACPI DIMM slots, a virtio-mem device that hotmem-vmm alone
    resizes (over a QMP socket of its own; the guest asks through
    hotmem-provider on the virtio-serial port org.hotmem.0), a QMP socket for
    the harness and two serial ports (ttyS0: console, ttyS1: request channel);
  * streams the console to the terminal (prefixed) and to a log file;
  * answers the guest's requests ("@@REQ <seq> <cmd> <args>") by driving QEMU
    over QMP (plug/unplug DIMMs, read virtio-mem's size), reading QEMU's
    resident memory, restarting hotmem-vmm;
  * on request (peer-start), boots a second, smaller "peer" VM that the same
    hotmem-vmm serves on the same budget, running the guest suite "peer",
    answers its requests too, and passes words between the two guests
    (peer-post, peer-wait) so that a test can order what each VM does;
  * turns "@@HM RESULT <name> PASS|FAIL|SKIP [reason]" lines into per-test
    result lines, appends them to --results, and prints
    "N passed, N failed, N skipped";
  * exits 1 when a test failed, the guest did not reach "@@HM DONE" in time or
    hotmem-vmm exited when not asked to.

Only the Python standard library is used (Debian's python3).
"""

import argparse
import json
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The guest's port to hotmem-vmm (docs/vmm.md) and the virtio-mem device.
PORT_NAME = "org.hotmem.0"
VMEM_ID = "vmem0"
# hotmem-vmm's step in the test VM: the device's block size, so that the
# tests can plug part of a memory block (hotmem/11-virtio-mem-partial.sh).
VMM_STEP = "2M"
# How long virtio-mem's size may take to follow under TCG (1 GiB in the
# benchmark): the guest's hotmem-provider waits longer (testlib.sh).
VMM_RESIZE_TIMEOUT_MS = 120000
# The peer VM (hm_req peer-start): hotmem-vmm's name for it, and its size:
# enough to boot the test initramfs (85 MiB, held twice while init copies it
# to a tmpfs; with 256 MiB the kernel cannot even unpack it) and to run one
# container, whose memory is plugged for it into virtio-mem.
PEER = "peer"
PEER_BOOT_MEM = "384M"
PEER_VMEM_MAX = "512M"


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


class VMM:
    """hotmem-vmm for the VMs: its configuration, its process, its log.

    It serves the main VM ("test") and, while it runs, the peer VM
    (add_vm/remove_vm, then a restart: hotmem-vmm reads its VMs at start).
    Its stderr goes to the log as "[vmm] ..." lines; restart() stops it and
    starts it again and waits until it serves every VM again (QMP read, the
    guest's port connected: QEMU reconnects within a second).
    """

    def __init__(self, binary, tmp, args, log):
        self.binary = binary
        self.tmp = tmp
        self.log = log
        self.max = parse_size(args.vmem_max)
        self.budget = parse_size(args.vmm_budget) if args.vmm_budget else self.max
        self.conf = f"{tmp}/hotmem-vmm.conf"
        # name -> (QMP socket, the guest port's socket, max)
        self.vms = {"test": (f"{tmp}/vmm-qmp.sock", f"{tmp}/hotmem.sock", self.max)}
        self.proc = None
        self.unexpected = None      # how it exited when not asked to
        self.cond = threading.Condition()
        self.lines = []             # of the current process

    def add_vm(self, name, qmp, serial, vmax):
        self.vms[name] = (qmp, serial, vmax)

    def remove_vm(self, name):
        self.vms.pop(name, None)

    def write_conf(self, budget):
        with open(self.conf, "w") as f:
            f.write(f"# written by tests/vm/run-vm.py\nbudget = {budget}\nstep = {VMM_STEP}\n"
                    f"resize_timeout_ms = {VMM_RESIZE_TIMEOUT_MS}\nretry_ms = 200\n")
            for name, (qmp, serial, vmax) in self.vms.items():
                f.write(f"[vm {name}]\nqmp = {qmp}\nserial = {serial}\n"
                        f"device = {VMEM_ID}\nmax = {vmax}\n")

    def _reader(self, proc):
        for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.log(f"[vmm] {line}")
            with self.cond:
                if proc is self.proc:
                    self.lines.append(line)
                    self.cond.notify_all()
        rc = proc.wait()
        with self.cond:
            if proc is self.proc and self.unexpected is None:
                self.unexpected = f"hotmem-vmm exited with status {rc}"
                self.log(f"[host] {self.unexpected}")
            self.cond.notify_all()

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return False
                self.cond.wait(min(left, 0.5))
        return True

    def start(self, budget=None):
        self.write_conf(budget or self.budget)
        with self.cond:
            self.lines = []
            self.proc = subprocess.Popen([self.binary, "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()
        # it listens on the guests' sockets before it says "serving"
        if not self.wait_for(f"serving {len(self.vms)} VMs", 10):
            raise RuntimeError("hotmem-vmm did not start: " + " / ".join(self.lines[-5:]))

    def stop(self):
        with self.cond:
            proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self, budget=None):
        if self.unexpected:
            raise QMPError(self.unexpected)
        self.stop()
        try:
            self.start(budget)
        except RuntimeError as e:
            raise QMPError(str(e)) from None
        for name in self.vms:
            if not (self.wait_for(f"{name}: VMM reachable", 15) and
                    self.wait_for(f"{name}: the guest's port is connected", 15)):
                raise QMPError(f"hotmem-vmm restarted but does not serve VM {name}: " +
                               " / ".join(self.lines[-5:]))
        return f"pid={self.proc.pid} budget={budget or self.budget} vms={','.join(self.vms)}"

    def check(self):
        if self.unexpected:
            raise QMPError(self.unexpected)
        if self.proc is None or self.proc.poll() is not None:
            raise QMPError("hotmem-vmm is not running")
        return f"running pid={self.proc.pid}"


def parse_size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if s and s[-1].upper() in units:
        return int(s[:-1]) * units[s[-1].upper()]
    return int(s)


class Host:
    """What the guest may ask of the VMM, carried out over QMP."""

    VMEM = f"/machine/peripheral/{VMEM_ID}"

    def __init__(self, qmp, log, vmm, qemu_pid, vmem_max, peers, who="main", cri=None):
        self.qmp = qmp
        self.log = log
        self.vmm = vmm
        self.qemu_pid = qemu_pid
        self.vmem_max = vmem_max    # the size of virtio-mem's memory backend
        self.peers = peers          # the peer VM and the words the VMs post
        self.who = who              # "main" or "peer": who asks
        self.cri = cri              # the CRI client (--cri), or None
        self.rss = None             # the RSS sampler (--rss-csv), or None
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

    def req_vmem_resize(self, *_):
        raise QMPError("virtio-mem is resized by hotmem-vmm alone: the guest asks with "
                       "hotmem-provider (testlib.sh's hm_req vmem-resize does)")

    def req_vmem_size(self):
        return str(self.qmp.cmd("qom-get", path=self.VMEM, property="size"))

    def req_qemu_rss(self):
        """QEMU's resident memory in bytes: the process's (smaps_rollup's
        Rss), then that of the virtio-mem device's memory backend alone (the
        one mapping of exactly --vmem-max bytes).  Under TCG the process's
        own heap (translated code) grows by tens of MiB while a test runs,
        which the second number leaves out."""
        with open(f"/proc/{self.qemu_pid}/smaps_rollup") as f:
            total = [int(l.split()[1]) * 1024 for l in f if l.startswith("Rss:")]
        vmem, size = [], None
        with open(f"/proc/{self.qemu_pid}/smaps") as f:
            for line in f:
                w = line.split()
                if w and not w[0].endswith(":") and "-" in w[0]:
                    lo, hi = (int(x, 16) for x in w[0].split("-"))
                    size = hi - lo
                elif w and w[0] == "Rss:" and size == self.vmem_max:
                    vmem.append(int(w[1]) * 1024)
        if len(total) != 1 or len(vmem) != 1:
            raise OSError(f"/proc/{self.qemu_pid}: {len(total)} Rss totals, "
                          f"{len(vmem)} mappings of {self.vmem_max} bytes (virtio-mem's backend)")
        return f"{total[0]} {vmem[0]}"

    def _main_only(self, what):
        if self.who != "main":
            raise QMPError(f"{what}: only the main VM may ask")

    def req_vmm_restart(self, budget_mib=None):
        """Stop hotmem-vmm and start it again (with a budget of BUDGET_MIB
        MiB, default the harness's); answers once it serves the VMs again."""
        self._main_only("vmm-restart")
        return self.vmm.restart(int(budget_mib) << 20 if budget_mib else None)

    def req_vmm_check(self):
        """hotmem-vmm is the process the harness started last, still running."""
        return self.vmm.check()

    def req_peer_start(self, budget_mib):
        """Boot the peer VM and restart hotmem-vmm serving both VMs with a
        budget of BUDGET_MIB MiB; answers once it serves both."""
        self._main_only("peer-start")
        return self.peers.start(int(budget_mib) << 20)

    def req_peer_stop(self, timeout="120"):
        """Let the peer VM finish (up to TIMEOUT s, then kill it), restart
        hotmem-vmm for the main VM alone with the harness's budget; answers
        the peer's results, an error unless all passed."""
        self._main_only("peer-stop")
        return self.peers.stop(float(timeout))

    def req_cri(self, *words):
        """One CRI call through the client (class CRI)."""
        if self.cri is None:
            raise QMPError("no CRI client for this VM")
        return self.cri.request(words)

    def req_mark(self, label):
        """A mark in the --rss-csv samples (nothing without it)."""
        return self.rss.mark(label) if self.rss else label

    def req_trace(self, seed, duration, rate, max_s):
        """A serverless trace (tests/tools/serverless-trace.py) for the
        replay benchmark, its CSV rows joined by ';' on one line."""
        argv = [sys.executable, f"{TOP}/tests/tools/serverless-trace.py", "--seed", str(int(seed)),
                "--duration", str(float(duration)), "--rate", str(float(rate)),
                "--max-s", str(float(max_s))]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise ValueError(f"serverless-trace.py: {r.stderr.strip()}")
        return ";".join(r.stdout.split())

    def req_peer_post(self, word):
        """Tell the other VM WORD (it waits with peer-wait)."""
        return self.peers.post(self.who, word)

    def req_peer_wait(self, word, timeout="300"):
        """Wait until the other VM posted WORD; an error at once if it
        posted "failed" or is gone, and after TIMEOUT seconds."""
        return self.peers.wait("peer" if self.who == "main" else "main", word, float(timeout))


def qemu_cmdline(args, tmp, peer=False):
    # Hot-plugged memory appears offline (the tests and the hook decide how
    # to online it).  movable_node: a block onlined with plain "online" that
    # lies outside every zone goes to ZONE_MOVABLE instead of ZONE_NORMAL.
    # mem-on-off-test.sh re-onlines what it offlines that way; a DIMM block at
    # the edge of ZONE_MOVABLE, once offline, lies outside it, and in
    # ZONE_NORMAL it would take kernel allocations and never unplug again.
    suites = PEER if peer else ",".join(args.suites)
    append = ("console=ttyS0 memhp_default_state=offline movable_node panic=-1 oops=panic "
              f"loglevel=4 hotmem.suites={suites} {'' if peer else args.append}").strip()
    if peer:
        # The peer only runs a container: one vCPU, one NUMA node, no DIMM
        # slot; maxmem leaves room for virtio-mem.
        vmem_max = PEER_VMEM_MAX
        maxmem = parse_size(PEER_BOOT_MEM) + parse_size(PEER_VMEM_MAX)
        machine = ["-smp", "1", "-m", f"{PEER_BOOT_MEM},maxmem={maxmem}"]
    else:
        # Two NUMA nodes: node 0 has the CPUs and the boot memory, node 1
        # starts empty and gets memory only from DIMMs plugged there
        # (dimm-add MIB 1), for the placement tests (mempolicy, cpuset).
        vmem_max = args.vmem_max
        machine = [
            "-smp", "2", "-m", f"{args.boot_mem},slots=8,maxmem={args.max_mem}",
            "-object", f"memory-backend-ram,id=ram0,size={args.boot_mem}",
            "-numa", "node,nodeid=0,cpus=0-1,memdev=ram0", "-numa", "node,nodeid=1",
        ]
    return [
        args.qemu, "-machine", "pc,accel=tcg", "-cpu", "max", *machine,
        "-kernel", args.kernel, "-initrd", args.initrd, "-append", append,
        "-display", "none", "-no-reboot", "-nodefaults",
        "-serial", "stdio",
        "-chardev", f"socket,id=req,path={tmp}/req.sock,server=on,wait=on",
        "-serial", "chardev:req",
        "-qmp", f"unix:{tmp}/qmp.sock,server=on,wait=off",
        # hotmem-vmm's own QMP socket (QMP serves one client per socket)
        "-qmp", f"unix:{tmp}/vmm-qmp.sock,server=on,wait=off",
        # no prealloc: unplugged blocks are discarded and go back to the host
        "-object", f"memory-backend-ram,id=vmem0mem,size={vmem_max}",
        "-device", f"virtio-mem-pci,id={VMEM_ID},memdev=vmem0mem,requested-size=0,block-size=2M",
        # the guest's port to hotmem-vmm, which listens (docs/vmm.md)
        "-device", "virtio-serial-pci,id=vser0",
        "-chardev", f"socket,id=hotmem0,path={tmp}/hotmem.sock,reconnect=1",
        "-device", f"virtserialport,bus=vser0.0,chardev=hotmem0,name={PORT_NAME}",
        # the CRI test's client reaches containerd through this port (class CRI)
        *([] if peer or not args.cri else [
            "-chardev", f"socket,id=cri0,path={tmp}/cri.sock,server=on,wait=off",
            "-device", "virtserialport,bus=vser0.0,chardev=cri0,name=org.hotmem.cri"]),
    ]


def boot_qemu(cmd, tmp, timeout=30):
    """Start QEMU; return it and the request channel (ttyS1), connected.
    The request chardev waits for us before the guest starts."""
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
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
                return qemu, req
            except ConnectionRefusedError:
                req.close()
                if time.monotonic() > deadline or qemu.poll() is not None:
                    raise
                time.sleep(0.05)
    except BaseException:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        raise


class Peers:
    """The peer VM and the words the two VMs post each other.

    peer-start boots a second, smaller VM from the same kernel and
    initramfs, running the guest suite "peer" (tests/guest/peer/), and
    restarts hotmem-vmm with both VMs in its configuration on the budget the
    main VM names; its console goes to the log as "[peer] ..." lines, its
    requests are served like the main VM's (a thread of its own).  The
    guests order what they do with peer-post WORD and peer-wait WORD: a wait
    ends when the other VM posted WORD, and fails at once when it posted
    "failed" or is gone (the peer's QEMU exited; the main VM asked
    peer-stop).  peer-stop lets the peer's guest finish, removes it from
    hotmem-vmm and answers its results.
    """

    def __init__(self, args, tmp, vmm, log):
        self.args = args
        self.tmp = tmp
        self.vmm = vmm
        self.log = log
        self.cond = threading.Condition()
        self.posted = set()         # (who, word)
        self.gone = set()           # who will post nothing more
        self.qemu = None
        self.results = []           # the peer's (test, verdict, reason)
        self.booted = self.done = False
        self.console = None
        self.runs = 0

    def plog(self, line):
        self.log(f"[peer] {line}")

    def start(self, budget):
        if self.qemu is not None:
            raise QMPError("the peer VM is already running")
        self.runs += 1
        d = f"{self.tmp}/peer{self.runs}"
        os.mkdir(d)
        with self.cond:
            self.posted, self.gone = set(), set()
            self.results, self.booted, self.done = [], False, False
        t0 = time.monotonic()
        try:
            self.qemu, req = boot_qemu(qemu_cmdline(self.args, d, peer=True), d)
        except (RuntimeError, OSError) as e:
            raise QMPError(f"peer: {e}") from None
        self.console = threading.Thread(target=self._console, args=(self.qemu,), daemon=True)
        self.console.start()
        try:
            qmp = QMP(f"{d}/qmp.sock")
            host = Host(qmp, self.plog, self.vmm, self.qemu.pid, parse_size(PEER_VMEM_MAX),
                        self, who="peer")
            threading.Thread(target=serve_requests, args=(req, host, self.plog),
                             daemon=True).start()
            self.vmm.add_vm(PEER, f"{d}/vmm-qmp.sock", f"{d}/hotmem.sock",
                            parse_size(PEER_VMEM_MAX))
            r = self.vmm.restart(budget)
        except (QMPError, OSError) as e:
            self.kill()
            try:
                self.vmm.restart()
            except QMPError:
                pass
            raise QMPError(f"peer: {e}") from None
        return f"peer pid={self.qemu.pid} up in {time.monotonic() - t0:.1f}s; hotmem-vmm {r}"

    def _console(self, qemu):
        for raw in qemu.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.plog(line)
            with self.cond:
                if line.startswith("@@HM RESULT "):
                    parts = line.split(None, 4)
                    self.results.append((parts[2], parts[3], parts[4] if len(parts) > 4 else ""))
                elif line.startswith("@@HM BOOTED"):
                    self.booted = True
                elif line.startswith("@@HM DONE"):
                    self.done = True
        qemu.wait()
        with self.cond:
            self.gone.add("peer")
            self.cond.notify_all()

    def post(self, who, word):
        with self.cond:
            self.posted.add((who, word))
            self.cond.notify_all()
        return f"{who} posted {word}"

    def wait(self, who, word, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while (who, word) not in self.posted:
                if (who, "failed") in self.posted:
                    raise QMPError(f"{who} failed (posted 'failed')" + self._state(who))
                if who in self.gone:
                    raise QMPError(f"{who} is gone" + self._state(who))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QMPError(f"{who} did not post '{word}' in {timeout:.0f}s" +
                                   self._state(who))
                self.cond.wait(min(left, 1))
        return f"{who} posted {word}"

    def _state(self, who):
        if who != "peer":
            return ""
        return (f" (peer: booted={'yes' if self.booted else 'no'}, results: " +
                ("; ".join(f"{n} {v} {r}".strip() for n, v, r in self.results) or "none") + ")")

    def kill(self):
        """End the peer's QEMU now (the harness's end, a failed start)."""
        self.vmm.remove_vm(PEER)
        if self.qemu is None:
            return
        if self.qemu.poll() is None:
            self.qemu.kill()
        self.qemu.wait()
        self.qemu = None

    def stop(self, timeout):
        if self.qemu is None:
            raise QMPError("no peer VM is running")
        # a peer still waiting for the main VM stops waiting
        with self.cond:
            self.gone.add("main")
            self.cond.notify_all()
        try:
            self.qemu.wait(timeout=timeout)
            killed = False
        except subprocess.TimeoutExpired:
            killed = True
        self.kill()
        self.console.join(5)
        r = self.vmm.restart()
        with self.cond:
            res = "; ".join(f"{n} {v} {why}".strip() for n, v, why in self.results) or "none"
            ok = (self.done and not killed and self.results and
                  all(v == "PASS" for _, v, _ in self.results))
        if not ok:
            raise QMPError(f"peer {'killed after ' + str(int(timeout)) + 's' if killed else 'ended'}"
                           f" (booted={'yes' if self.booted else 'no'}, done={'yes' if self.done else 'no'}),"
                           f" results: {res}; hotmem-vmm {r}")
        return f"peer results: {res}; hotmem-vmm {r}"


class CRI:
    """The CRI test's client (tests/vm/cri/client.py), started at the first
    `cri` request: it speaks gRPC to containerd in the guest through the
    virtio-serial port org.hotmem.cri (QEMU serves it at SOCK on the host;
    the guest's hm-vport-fwd joins it to containerd's socket).  Debian's
    /usr/bin/python3 runs it, with stubs generated from the vendored
    api.proto (python3-grpc-tools)."""
    PY = "/usr/bin/python3"

    def __init__(self, sock, tmp):
        self.sock, self.tmp, self.proc = sock, tmp, None

    def request(self, words, timeout=180):
        if self.sock is None:
            raise QMPError("no CRI port: run-vm.py --cri")
        if self.proc is not None and self.proc.poll() is not None:
            self.close()        # it exited (a broken connection): start anew
        if self.proc is None:
            stubs = f"{self.tmp}/cri-stubs"
            os.makedirs(stubs, exist_ok=True)
            r = subprocess.run([self.PY, "-m", "grpc_tools.protoc", f"-I{TOP}/tests/vm/cri",
                                f"--python_out={stubs}", f"--grpc_python_out={stubs}", "api.proto"],
                               capture_output=True, text=True)
            if r.returncode:
                raise QMPError(f"protoc: {r.stderr.strip()}")
            self.err = open(f"{self.tmp}/cri-client.err", "a")
            self.proc = subprocess.Popen([self.PY, f"{TOP}/tests/vm/cri/client.py", self.sock, stubs],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.err, text=True)
        try:
            self.proc.stdin.write(" ".join(words) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            line = self.proc.stdout.readline().strip() if ready else ""
        except OSError as e:
            line = ""
            why = str(e)
        else:
            why = "no answer"
        if not line:
            self.close()
            raise QMPError(f"CRI client: {why} to '{' '.join(words)}': {self.last_error()}")
        status, _, payload = line.partition(" ")
        if status != "OK":
            raise QMPError(payload)
        return payload

    def last_error(self):
        try:
            lines = open(f"{self.tmp}/cri-client.err").read().strip().splitlines()
        except OSError:
            return "-"
        return lines[-1] if lines else "-"

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.err.close()


class RSSSampler:
    """--rss-csv: QEMU's resident memory every 50 ms, as "t_s,rss_bytes"
    lines (t from QEMU's start; statm's resident pages), and the guest's
    marks (hm_req mark LABEL) in the same file as "t_s,mark,LABEL"."""
    PERIOD = 0.05

    def __init__(self, path, pid):
        self.f = open(path, "w")
        self.f.write("t_s,rss_bytes\n")
        self.pid, self.t0, self.lock = pid, time.monotonic(), threading.Lock()
        self.page = os.sysconf("SC_PAGE_SIZE")
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                with open(f"/proc/{self.pid}/statm") as f:
                    rss = int(f.read().split()[1]) * self.page
            except (OSError, ValueError, IndexError):
                return      # QEMU is gone
            with self.lock:
                if self.f.closed:
                    return
                self.f.write(f"{time.monotonic() - self.t0:.3f},{rss}\n")
            time.sleep(self.PERIOD)

    def mark(self, label):
        with self.lock:
            if not self.f.closed:
                self.f.write(f"{time.monotonic() - self.t0:.3f},mark,{label}\n")
                self.f.flush()
        return label

    def close(self):
        with self.lock:
            self.f.close()


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
    ap.add_argument("--vmm", default=f"{TOP}/vmm/build/hotmem-vmm",
                    help="the hotmem-vmm binary (make -C vmm)")
    ap.add_argument("--vmm-budget", help="hotmem-vmm's budget (default: --vmem-max)")
    ap.add_argument("--quiet", action="store_true", help="print only results and summary")
    ap.add_argument("--demo", action="store_true",
                    help="transcript mode: show only what the guest tests say, and the host's actions")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--rss-csv", help="sample QEMU's resident memory every 50 ms into this CSV")
    ap.add_argument("--cri", action="store_true",
                    help="a virtio-serial port org.hotmem.cri for the CRI test's client (hm_req cri)")
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
                if line.startswith("[host] qemu-rss"):
                    return  # a measurement: the guest's transcript shows it
                if line.startswith("[host] "):
                    print(f"    (host: {line[7:]})", flush=True)
                elif line.startswith("[vmm] "):
                    # its resizes and refusals, without the time stamp
                    if " bytes plugged in " in line or " refused " in line:
                        print(f"    (host: hotmem-vmm{line.split(' hotmem-vmm', 1)[-1]})",
                              flush=True)
                elif line.startswith("["):
                    print(line.split("] ", 1)[-1], flush=True)
                return
            print(f"  {args.name}| {line}", flush=True)

    for f in (args.kernel, args.initrd, args.vmm):
        if not os.path.isfile(f):
            sys.exit(f"run-vm: {f}: not a file" +
                     (" (make -C vmm builds it)" if f == args.vmm else ""))
    results = []
    vmm = VMM(args.vmm, tmp, args, log)
    try:
        vmm.start()
    except RuntimeError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        sys.exit(f"run-vm: {args.name}: {e}")
    peers = Peers(args, tmp, vmm, log)
    qemu = None
    cri = None
    rss = None
    done = False
    booted = False
    t_start = time.monotonic()
    try:
        qemu, req = boot_qemu(qemu_cmdline(args, tmp), tmp)
        qmp = QMP(f"{tmp}/qmp.sock")
        cri = CRI(f"{tmp}/cri.sock" if args.cri else None, tmp)
        host = Host(qmp, log, vmm, qemu.pid, vmm.max, peers, cri=cri)
        if args.rss_csv:
            rss = host.rss = RSSSampler(args.rss_csv, qemu.pid)
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
        if qemu is not None and qemu.poll() is None:
            try:
                qemu.wait(timeout=10 if done else 0.1)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()
        peers.kill()
        if cri is not None:
            cri.close()
        if rss is not None:
            rss.close()
        vmm.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - t_start
    if vmm.unexpected:
        results.append(("(hotmem-vmm)", "FAIL", vmm.unexpected))
        print(f"FAIL {args.name}:(hotmem-vmm): {vmm.unexpected}", flush=True)
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
