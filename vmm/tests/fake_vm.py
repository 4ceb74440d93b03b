#!/usr/bin/env python3
"""A fake VM for hotmem-vmm's host tests: no QEMU, no guest kernel.

It stands in for what hotmem-vmm and hotmem-provider talk to:
  - QEMU's QMP socket (it listens; one client at a time, as QEMU does):
    qmp_capabilities, qom-get and qom-set of a virtio-mem device's size,
    requested-size, block-size and memdev (a link to its memory backend,
    /objects/vmem0mem, whose `size` is the most it can plug: QEMU's
    virtio-mem has no max-size property).  `size` follows
    `requested-size` one guest memory block every --delay seconds, as the
    guest's virtio-mem driver would, with a MEMORY_DEVICE_SIZE_CHANGE event
    each time; it only shrinks by blocks that are offline and unbound.
  - the guest's memory blocks in a sysfs-like tree (--sysfs): each plugged
    block appears as memoryN/{state,hotplug_owner} = offline, unbound.
  - QEMU's virtio-serial chardev: it connects to hotmem-vmm's socket
    (reconnecting, as -chardev socket,reconnect=1 does) and relays it to a
    pty whose slave is linked at --port, the guest's port device.
SIGUSR1 toggles "stuck": size stops following (a guest that never acks).
"""
import argparse
import json
import os
import select
import signal
import socket
import threading
import time
import tty

ap = argparse.ArgumentParser()
ap.add_argument("--qmp", required=True)
ap.add_argument("--serial", required=True, help="hotmem-vmm's socket to connect to")
ap.add_argument("--port", required=True, help="where to link the pty slave")
ap.add_argument("--sysfs", required=True)
ap.add_argument("--device", default="/machine/peripheral/vmem0")
ap.add_argument("--max", type=int, default=1 << 30)
ap.add_argument("--size", type=int, default=0, help="plugged at start")
ap.add_argument("--guest-block", type=int, default=128 << 20)
ap.add_argument("--delay", type=float, default=0.05)
args = ap.parse_args()

lock = threading.Lock()
state = {"size": 0, "requested": args.size, "stuck": False, "next_block": 32}
clients = []


def log(msg):
    print(f"fake_vm: {msg}", flush=True)


def add_block():
    n = state["next_block"]
    state["next_block"] += 1
    d = os.path.join(args.sysfs, f"memory{n}")
    os.makedirs(d)
    for name, val in (("state", "offline"), ("hotplug_owner", "unbound")):
        with open(os.path.join(d, name), "w") as f:
            f.write(val + "\n")


def remove_free_block():
    for name in sorted(os.listdir(args.sysfs), reverse=True):
        d = os.path.join(args.sysfs, name)
        if not name.startswith("memory"):
            continue
        st = open(os.path.join(d, "state")).read().strip()
        ow = open(os.path.join(d, "hotplug_owner")).read().strip()
        if st == "offline" and ow == "unbound":
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
            os.rmdir(d)
            return True
    return False


def follower():
    gb = args.guest_block
    while True:
        time.sleep(args.delay)
        with lock:
            if state["stuck"]:
                continue
            size, req = state["size"], state["requested"]
            if size < req and req - size >= gb:
                add_block()
                state["size"] = size + gb
            elif size > req and remove_free_block():
                state["size"] = size - gb
            else:
                continue
            ev = {"event": "MEMORY_DEVICE_SIZE_CHANGE",
                  "data": {"id": "vmem0", "size": state["size"]},
                  "timestamp": {"seconds": int(time.time()), "microseconds": 0}}
            for c in list(clients):
                try:
                    c.sendall(json.dumps(ev).encode() + b"\n")
                except OSError:
                    pass


MEMDEV = "/objects/vmem0mem"


def qom(cmd, a):
    prop = a.get("property")
    if a.get("path") == MEMDEV and cmd == "qom-get" and prop == "size":
        return {"return": args.max}
    if a.get("path") != args.device:
        return {"error": {"class": "DeviceNotFound", "desc": f"Device '{a.get('path')}' not found"}}
    props = {"size": state["size"], "requested-size": state["requested"],
             "block-size": 2 << 20, "memdev": MEMDEV}
    if cmd == "qom-get":
        if prop not in props:
            return {"error": {"class": "GenericError", "desc": f"Property '{prop}' not found"}}
        return {"return": props[prop]}
    v = a.get("value")
    if prop != "requested-size" or not isinstance(v, int) or v < 0 or v > args.max or v % (2 << 20):
        return {"error": {"class": "GenericError", "desc": f"bad qom-set {prop}={v}"}}
    state["requested"] = v
    log(f"requested-size {v}")
    return {"return": {}}


def serve_qmp():
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.qmp)
    srv.listen(1)
    while True:
        c, _ = srv.accept()
        clients.append(c)
        try:
            c.sendall(b'{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\n')
            f = c.makefile("rb")
            for line in f:
                msg = json.loads(line)
                cmd, a = msg.get("execute"), msg.get("arguments", {})
                with lock:
                    if cmd == "qmp_capabilities":
                        rep = {"return": {}}
                    elif cmd in ("qom-get", "qom-set"):
                        rep = qom(cmd, a)
                    else:
                        rep = {"error": {"class": "CommandNotFound", "desc": cmd}}
                if "id" in msg:
                    rep["id"] = msg["id"]
                c.sendall(json.dumps(rep).encode() + b"\n")
        except (OSError, ValueError):
            pass
        clients.remove(c)
        c.close()


def relay():
    master, slave = os.openpty()
    tty.setraw(slave)
    tmp = args.port + ".tmp"
    os.symlink(os.ttyname(slave), tmp)
    os.rename(tmp, args.port)
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(args.serial)
        except OSError:
            s.close()
            time.sleep(0.2)
            continue
        log("serial connected")
        done = threading.Event()

        def up():  # guest -> host
            while not done.is_set():
                try:
                    if not select.select([master], [], [], 0.1)[0]:
                        continue
                    data = os.read(master, 4096)
                    s.sendall(data)
                except OSError:
                    break
            done.set()

        t = threading.Thread(target=up, daemon=True)
        t.start()
        while True:  # host -> guest
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                break
            os.write(master, data)
        done.set()
        s.close()
        log("serial disconnected")
        # like QEMU, what the guest writes while disconnected is lost
        time.sleep(0.2)


def toggle(*_):
    with lock:
        state["stuck"] = not state["stuck"]


os.makedirs(args.sysfs, exist_ok=True)
with open(os.path.join(args.sysfs, "block_size_bytes"), "w") as f:
    f.write("%x\n" % args.guest_block)
with lock:
    while state["size"] < state["requested"]:
        add_block()
        state["size"] += args.guest_block
signal.signal(signal.SIGUSR1, toggle)
threading.Thread(target=follower, daemon=True).start()
threading.Thread(target=relay, daemon=True).start()
serve_qmp()
