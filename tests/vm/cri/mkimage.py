#!/usr/bin/python3
"""Write an OCI image layout archive for `ctr images import`, offline.

    mkimage.py OUT.tar NAME:TAG CMD FILE=DEST[,mode] ... [LINK->TARGET ...]

One uncompressed layer with the FILEs (owned by root, mtime 0, so the same
inputs give the same archive) and the symbolic LINKs; the config runs CMD
(space-separated).  The index names the image for containerd
(io.containerd.image.name) and as the OCI ref TAG.  The CRI test's pause and
app images are made this way (tests/vm/mkcri-overlay.sh): the test VM has no
network, and containerd's sandbox_image cannot be pulled."""
import hashlib
import io
import json
import sys
import tarfile


def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        for kind, dest, src, mode in entries:
            parts = dest.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(ti)
            ti = tarfile.TarInfo(dest.strip("/"))
            if kind == "link":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, src, 0o777
                tar.addfile(ti)
            else:
                with open(src, "rb") as f:
                    data = f.read()
                ti.size, ti.mode = len(data), mode
                tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    out, name, cmd = argv[1:4]
    entries = []
    for spec in argv[4:]:
        if "->" in spec:
            dest, target = spec.split("->", 1)
            entries.append(("link", dest, target, 0))
            continue
        src, dest = spec.split("=", 1)
        mode = 0o755
        if "," in dest:
            dest, m = dest.split(",", 1)
            mode = int(m, 8)
        entries.append(("file", dest, src, mode))
    ldig, ldata = blob(layer(entries))
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": cmd.split(), "Env": ["PATH=/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [ldig]},
    }
    cdig, cdata = blob(json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cdig, "size": len(cdata)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": ldig, "size": len(ldata)}],
    }
    mdig, mdata = blob(json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": mdig, "size": len(mdata),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]},
        }],
    }
    files = [("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
             ("index.json", json.dumps(index, sort_keys=True).encode())]
    files += [(f"blobs/sha256/{d[7:]}", data)
              for d, data in ((ldig, ldata), (cdig, cdata), (mdig, mdata))]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("blobs", "blobs/sha256"):
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(ti)
        for path, data in files:
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode = len(data), 0o644
            tar.addfile(ti, io.BytesIO(data))


if __name__ == "__main__":
    main(sys.argv)
