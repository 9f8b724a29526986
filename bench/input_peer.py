#!/usr/bin/env python3
"""Peer for ddep's input benchmark: the training-input work a PyTorch user would write, on the files
InputBenchmark generated. PIL decode, random crop, random flip, float CHW in [-1, 1], torch.randn
noise for the denoising case (a), int64 labels for the fine-tuning cases (b, c), torch.stack into
minibatches of 8; one process per core, torch on one thread per process.
Usage: input_peer.py DIR CASE PROCESSES [PASSES=2]. Prints one JSON line, and with PROCESSES=1 a
second one with the per-stage costs. Needs Debian's python3-torch and python3-pil."""
import json, math, os, random, sys, time, warnings

import numpy as np
import torch
from PIL import Image

CROP = {"a": 224, "b": 512, "c": 1024}
SIGMA = 0.2  # only sets the mixing weights; the cost is torch.randn's
BATCH = 8
# torch.from_numpy on a PIL-backed array: read only here, so the copy a writable array would need is not wanted.
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")


def pairs(root):
    names = sorted(f for f in os.listdir(root) if f != "done" and "_mask" not in f)
    out = []
    for f in names:
        m = os.path.join(root, os.path.splitext(f)[0] + "_mask.png")
        out.append((os.path.join(root, f), m if os.path.exists(m) else None))
    return out


def example(image, mask, crop, rnd, t):
    t0 = time.perf_counter()
    with Image.open(image) as im:
        im = im.convert("RGB")
    lab = None
    if mask is not None:
        with Image.open(mask) as mm:
            mm.load()
            lab = mm
    t1 = time.perf_counter()
    w, h = im.size
    if mask is None and min(w, h) < crop:
        k = crop / min(w, h)
        im = im.resize((math.ceil(w * k), math.ceil(h * k)), Image.BILINEAR)
        w, h = im.size
    x0, y0 = rnd.randint(0, max(0, w - crop)), rnd.randint(0, max(0, h - crop))
    box = (x0, y0, x0 + crop, y0 + crop)
    im = im.crop(box)
    lab = lab.crop(box) if lab is not None else None
    if rnd.random() < 0.5:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
        lab = lab.transpose(Image.FLIP_LEFT_RIGHT) if lab is not None else None
    t2 = time.perf_counter()
    x = torch.from_numpy(np.asarray(im)).permute(2, 0, 1).float().div_(127.5).sub_(1.0)
    y = torch.from_numpy(np.asarray(lab, dtype=np.int64)) if lab is not None else None
    t3 = time.perf_counter()
    if mask is None:
        g = 1 / (1 + SIGMA * SIGMA)
        eps = torch.randn_like(x)
        y = x * math.sqrt(g) + eps * math.sqrt(1 - g)
        x, y = y, eps
    t4 = time.perf_counter()
    t[0] += t1 - t0
    t[1] += t2 - t1
    t[2] += t3 - t2
    t[3] += t4 - t3
    return x, y


def work(args):
    root, case, passes, seed = args
    torch.set_num_threads(1)
    rnd = random.Random(seed)
    torch.manual_seed(seed)
    crop = CROP[case]
    files = pairs(root)
    t = [0.0] * 5
    batch = []
    n = 0
    for _ in range(passes):
        for image, mask in files:
            batch.append(example(image, mask, crop, rnd, t))
            n += 1
            if len(batch) == BATCH:
                t0 = time.perf_counter()
                torch.stack([b[0] for b in batch]), torch.stack([b[1] for b in batch])
                t[4] += time.perf_counter() - t0
                batch = []
    return n, t


def main():
    root, case, procs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    passes = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    work((root, case, 1, 99))  # warm-up: imports, page cache
    start = time.perf_counter()
    if procs == 1:
        results = [work((root, case, passes, 0))]
    else:
        from multiprocessing import Pool
        with Pool(procs) as p:
            results = p.map(work, [(root, case, passes, k) for k in range(procs)])
    dt = time.perf_counter() - start
    n = sum(r[0] for r in results)
    print(json.dumps(dict(bench="peer", case=case, threads=procs, per_core=round(n / dt / procs, 1))))
    if procs == 1:
        t = results[0][1]
        ms = [round(1000 * v / n, 2) for v in t]
        print(json.dumps(dict(bench="peer-stages", case=case, decode_ms=ms[0], crop_flip_ms=ms[1], conversion_ms=ms[2],
                              noise_ms=ms[3], minibatch_ms=ms[4])))


if __name__ == "__main__":
    main()
