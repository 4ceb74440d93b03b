#!/usr/bin/env python3
"""hotmem-vmm against two fake VMs (tests/fake_vm.py), with the real
hotmem-provider on each fake guest's port (a pty standing in for the
virtio-serial port).  Unit level: no QEMU, no guest kernel; the real-QEMU
proof is the test VM (tests/guest/hook/08, 19-21; docs/vmm.md).

Prints "PASS host:vmm/<name>" or "FAIL host:vmm/<name>: why" per check.
usage: integration.py BUILD_DIR
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

M = 1 << 20
build = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="hotmem-vmm-test.")
procs = []
failures = 0


def check(ok, name, why=""):
    global failures
    print(f"PASS host:vmm/{name}" if ok else f"FAIL host:vmm/{name}: {why}", flush=True)
    failures += not ok
    return ok


def wait(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def spawn(argv, log):
    p = subprocess.Popen(argv, stdout=open(log, "a"), stderr=subprocess.STDOUT)
    procs.append(p)
    return p


class VM:
    def __init__(self, name, vmax):
        self.name, self.max = name, vmax
        self.qmp = f"{tmp}/{name}.qmp"
        self.serial = f"{tmp}/{name}.serial"
        self.port = f"{tmp}/{name}.port"
        self.sysfs = f"{tmp}/{name}.sys"
        self.lock = f"{tmp}/{name}.lock"
        self.proc = None

    def conf(self):
        return (f"[vm {self.name}]\nqmp = {self.qmp}\nserial = {self.serial}\n"
                f"device = vmem0\nmax = {self.max // M}M\n")

    def start(self):
        self.proc = spawn([sys.executable, f"{here}/fake_vm.py", "--qmp", self.qmp,
                           "--serial", self.serial, "--port", self.port,
                           "--sysfs", self.sysfs, "--max", str(1 << 30)], f"{tmp}/{self.name}.log")
        wait(lambda: os.path.exists(self.qmp))

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        for p in (self.qmp, self.port):
            if os.path.lexists(p):
                os.unlink(p)

    def blocks(self):
        return sorted(n for n in os.listdir(self.sysfs) if n.startswith("memory"))

    def size(self):
        return len(self.blocks()) * 128 * M

    def set_owner(self, n, owner):
        with open(f"{self.sysfs}/{self.blocks()[n]}/hotplug_owner", "w") as f:
            f.write(owner + "\n")

    def provider(self, verb, nbytes, cid="c1"):
        r = self.provider_run(verb, str(nbytes), cid)
        return r.returncode, r.stderr

    def provider_run(self, *args):
        env = dict(os.environ, HOTMEM_PROVIDER_PORT=self.port, HOTMEM_PROVIDER_LOCK=self.lock,
                   HOTMEM_PROVIDER_SYSFS=self.sysfs, HOTMEM_PROVIDER_TIMEOUT="15")
        return subprocess.run([f"{build}/hotmem-provider", *args], env=env,
                              capture_output=True, text=True, timeout=30)


a, b = VM("a", 256 * M), VM("b", 512 * M)
conf = f"{tmp}/hotmem-vmm.conf"
with open(conf, "w") as f:
    f.write(f"# test\nbudget = 384M\nstep = 128M\nresize_timeout_ms = 2000\nretry_ms = 200\n"
            f"{a.conf()}{b.conf()}")
daemon_log = f"{tmp}/daemon.log"
daemon = None


def start_daemon():
    global daemon
    mark = len(open(daemon_log).read()) if os.path.exists(daemon_log) else 0
    daemon = spawn([f"{build}/hotmem-vmm", "-c", conf], daemon_log)
    ok = wait(lambda: log_since(mark).count("the guest's port is connected") >= 2)
    return mark if ok else None


def log_since(mark):
    return open(daemon_log).read()[mark:] if os.path.exists(daemon_log) else ""


try:
    a.start()
    b.start()
    mark = start_daemon()
    if not check(mark is not None, "start", log_since(0)[-2000:]):
        sys.exit(1)

    # grow: the hook lacks 100 MiB, nothing is free: one 128 MiB step
    rc, err = a.provider("grow", 100 * M)
    check(rc == 0 and a.size() == 128 * M, "grow", f"rc={rc} size={a.size()} {err}")
    check("a: grow 0 -> 134217728 bytes plugged in" in log_since(mark), "grow-logged",
          log_since(mark)[-500:])
    # the hook counts what is free (it knows which free blocks another hook
    # awaits): a grow plugs what it is asked, even with a free block there
    rc, err = a.provider("grow", 100 * M, "c1b")
    check(rc == 0 and a.size() == 256 * M, "grow-exact", f"rc={rc} size={a.size()} {err}")
    # a shrink gives back at most what it is asked (what the hook released),
    # though two blocks are free: the other may be another hook's
    rc, err = a.provider("shrink", 128 * M, "c1b")
    check(rc == 0 and wait(lambda: a.size() == 128 * M, 3), "shrink-at-most",
          f"rc={rc} size={a.size()} {err}")
    a.set_owner(0, "/c1")  # the hook bound it

    # two VMs, one budget of 384 MiB: b takes 256, then 128 more is refused
    rc, err = b.provider("grow", 256 * M)
    check(rc == 0 and b.size() == 256 * M, "grow-second-vm", f"rc={rc} size={b.size()} {err}")
    b.set_owner(0, "/c2")
    b.set_owner(1, "/c2")
    rc, err = b.provider("grow", 128 * M, "c3")
    check(rc == 1 and err.count("\n") == 1 and "budget" in err and
          "host budget of 402653184 bytes exhausted" in err and b.size() == 256 * M,
          "budget-refusal", f"rc={rc} size={b.size()} stderr={err!r}")
    # a's own maximum (256 MiB) comes first
    rc, err = a.provider("grow", 256 * M, "c4")
    check(rc == 1 and "limit" in err and "maximum of 268435456" in err and a.size() == 128 * M,
          "limit-refusal", f"rc={rc} size={a.size()} stderr={err!r}")

    # shrink never takes what the guest still uses: a's block is bound
    rc, err = a.provider("shrink", 0)
    check(rc == 0 and a.size() == 128 * M, "shrink-keeps-bound", f"rc={rc} size={a.size()} {err}")
    a.set_owner(0, "unbound")  # released
    rc, err = a.provider("shrink", 0)
    check(rc == 0 and wait(lambda: a.size() == 0, 3), "shrink", f"rc={rc} size={a.size()} {err}")
    # the budget came back: b's retry succeeds
    rc, err = b.provider("grow", 128 * M, "c3")
    check(rc == 0 and b.size() == 384 * M, "grow-after-shrink", f"rc={rc} size={b.size()} {err}")

    # restart: sizes re-read, nothing lost, nothing counted twice
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(10)
    mark = start_daemon()
    check(mark is not None and "b: VMM reachable: 402653184 bytes plugged" in log_since(mark),
          "restart-rereads", log_since(mark or 0)[-800:])
    rc, err = a.provider("grow", 128 * M, "c5")
    check(rc == 1 and "budget" in err and a.size() == 0, "restart-not-lost",
          f"rc={rc} size={a.size()} {err}")
    b.set_owner(2, "/c3")  # b keeps 2 of 3 bound... then frees exactly one
    b.set_owner(0, "unbound")
    rc, err = b.provider("shrink", 0, "c2")
    check(rc == 0 and wait(lambda: b.size() == 256 * M, 3), "restart-shrink",
          f"rc={rc} size={b.size()} {err}")
    rc, err = a.provider("grow", 128 * M, "c5")
    check(rc == 0 and a.size() == 128 * M, "restart-not-double-counted",
          f"rc={rc} size={a.size()} {err}")

    # hostile guest b: garbage, huge numbers, a 1 MB line; a keeps being served
    a.set_owner(0, "unbound")  # a's container ended
    mark = len(open(daemon_log).read())
    before = b.size()
    fd = os.open(b.port, os.O_RDWR | os.O_NOCTTY)
    for junk in (b"\x00\xff garbage\n", b"GROW 99999999999999999999999999 x\n",
                 b"GROW -134217728 x\n", b"GROW 18446744073709551615 x\n",
                 b"SHRINK 1 x\n", b"A" * (1 << 20)):
        os.write(fd, junk)
    rc, err = a.provider("shrink", 0, "c6")
    check(rc == 0 and wait(lambda: a.size() == 0, 3), "hostile-other-vm-unaffected",
          f"rc={rc} size={a.size()} {err}")
    os.close(fd)
    logged = log_since(mark)
    check(daemon.poll() is None and "b: disconnecting the guest's port" in logged and
          b.size() == before, "hostile-survived",
          f"alive={daemon.poll() is None} b={b.size()} log={logged[-800:]}")
    # once the flood is over, b's port works again (QEMU reconnects)
    b.set_owner(0, "unbound")
    ok = wait(lambda: b.provider("shrink", 0, "c7")[0] == 0 and b.size() == 128 * M, 15)
    check(ok, "hostile-recovers", f"b={b.size()} {log_since(mark)[-600:]}")

    # a guest that never follows: timeout, requested-size set back
    a.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.2)
    rc, err = a.provider("grow", 128 * M, "c8")
    check(rc == 1 and "timeout" in err and "set back to 0" in err, "resize-timeout",
          f"rc={rc} {err}")
    a.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.2)
    rc, err = a.provider("grow", 128 * M, "c9")
    check(rc == 0 and a.size() == 128 * M, "after-timeout", f"rc={rc} size={a.size()} {err}")

    # set (an absolute size, for operators and the test VM) and status
    a.set_owner(0, "unbound")
    r = a.provider_run("set", str(256 * M), "op1")
    check(r.returncode == 0 and r.stdout == f"{256 * M}\n" and a.size() == 256 * M, "set-grow",
          f"rc={r.returncode} out={r.stdout!r} size={a.size()} {r.stderr}")
    r = a.provider_run("status")
    want = (f"present=1 plugged={256 * M} requested={256 * M} max={256 * M} step={128 * M} "
            f"budget={384 * M} budget_free=0\n")
    check(r.returncode == 0 and r.stdout == want, "status",
          f"rc={r.returncode} out={r.stdout!r} {r.stderr}")
    r = a.provider_run("set", str(128 * M), "op2")
    check(r.returncode == 0 and r.stdout == f"{128 * M}\n" and wait(lambda: a.size() == 128 * M, 3),
          "set-shrink", f"rc={r.returncode} out={r.stdout!r} size={a.size()} {r.stderr}")
    r = a.provider_run("set", str(512 * M), "op3")
    check(r.returncode == 1 and r.stdout == "" and "limit" in r.stderr and a.size() == 128 * M,
          "set-refused", f"rc={r.returncode} out={r.stdout!r} size={a.size()} {r.stderr}")
    r = a.provider_run("set", "x")
    check(r.returncode == 2 and "bad bytes" in r.stderr, "set-usage", f"{r.returncode} {r.stderr}")

    # b goes away: its bytes return to the budget (a keeps its 128 MiB)
    mark = len(open(daemon_log).read())
    b.stop()
    ok = wait(lambda: "b: VMM gone" in log_since(mark), 5)
    check(ok and "134217728 bytes returned to the budget; 134217728 of 402653184 used"
          in log_since(mark), "vm-gone",
          log_since(mark)[-500:])
    a.set_owner(0, "/c9")
    rc, err = a.provider("grow", 128 * M, "c10")
    check(rc == 0 and a.size() == 256 * M, "vm-gone-budget-returned",
          f"rc={rc} size={a.size()} {err}")
    # b comes back: re-read (its fake restarts empty), served again
    mark = len(open(daemon_log).read())
    b.start()
    ok = wait(lambda: "b: VMM reachable: 0 bytes plugged" in log_since(mark), 5)
    check(ok, "vm-back", log_since(mark)[-500:])
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    if failures:
        print(f"    logs kept in {tmp}")
        sys.stdout.write("".join("    " + line for line in open(daemon_log).readlines()[-40:]))
    else:
        subprocess.run(["rm", "-rf", tmp])
sys.exit(1 if failures else 0)
