#!/usr/bin/env python3
"""Peer for ddep's prep benchmark: the same decode -> resize (short side 256, bilinear) -> JPEG q90
encode loop in PIL, one process. Prints one JSON line. Needs Debian's python3-pil."""
import io, json, os, resource, sys, time
from PIL import Image


def work(chunk):
    for path in chunk:
        with Image.open(path) as im:
            im = im.convert("RGB")
            w, h = im.size
            k = 256 / min(w, h)
            if k < 1:
                im = im.resize((round(w * k), round(h * k)), Image.BILINEAR)
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=90)


def main():
    root, procs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".JPEG"))
    t = time.perf_counter()
    if procs == 1:
        work(files)
    else:
        from multiprocessing import Pool
        with Pool(procs) as p:
            p.map(work, [files[i::procs] for i in range(procs)])
    dt = time.perf_counter() - t
    # minor page faults of this process and its finished workers: on a VM where they are slow, a
    # loop that allocates fresh buffers per image pays for them (see docs/benchmarks.md)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt + resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    print(json.dumps(dict(bench="pil-decode-resize-encode", images=len(files), processes=procs,
                          seconds=round(dt, 2), images_per_s=round(len(files) / dt, 1),
                          minor_faults_per_image=round(faults / len(files), 1),
                          malloc="kept" if os.environ.get("MALLOC_MMAP_THRESHOLD_") else "default")))


if __name__ == "__main__":
    main()
