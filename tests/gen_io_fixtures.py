#!/usr/bin/python3
"""Writes the tiny I/O fixtures in tests/fixtures/io/ with an encoder independent of webgan's.

safetensors: the `safetensors` package is not installed here, so this follows the spec by hand
(https://github.com/huggingface/safetensors#format): u64 LE header size, JSON header padded with
spaces to a multiple of 8, tensors sorted by (alignment desc, name) like the reference writer.
Values come from torch (Debian's torch 1.13), including its float16/bfloat16 roundings.
Run: /usr/bin/python3 tests/gen_io_fixtures.py
"""
import gzip
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "io")
os.makedirs(OUT, exist_ok=True)

DT = {torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2),
      torch.int64: ("I64", 8), torch.int32: ("I32", 4), torch.float64: ("F64", 8)}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save_safetensors(tensors, metadata, path):
    items = sorted(tensors.items(), key=lambda kv: (-DT[kv[1].dtype][1], kv[0]))
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        b = raw_bytes(t)
        header[name] = {"dtype": DT[t.dtype][0], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


torch.manual_seed(0)
tensors = {
    "weight": torch.randn(2, 3),
    "half": torch.tensor([0.1, -2.5, 65504.0, 6e-8, float("inf"), -0.0]).half(),
    "brain": torch.tensor([1.0, -3.14159, 1e30, 1e-30]).bfloat16(),
    "steps": torch.tensor([0, -1, 2147483647, -2147483648, 42], dtype=torch.int64),
    "counts": torch.tensor([[1, 2], [3, -4]], dtype=torch.int32),
    "double": torch.tensor([1 / 3, -1e300], dtype=torch.float64),
    "empty": torch.zeros(0, 3),
}
save_safetensors(tensors, {"format": "pt", "note": "written by gen_io_fixtures.py"}, os.path.join(OUT, "python.safetensors"))
expected = {k: {"shape": list(t.shape), "values": (t.double() if t.is_floating_point() else t).flatten().tolist()} for k, t in tensors.items()}
# JSON has no inf: encode non-finite values as strings
for v in expected.values():
    v["values"] = [x if not isinstance(x, float) or np.isfinite(x) else str(x) for x in v["values"]]
with open(os.path.join(OUT, "python.expected.json"), "w") as f:
    json.dump(expected, f, indent=1)

# an I64 out of int32 range (reader must refuse it)
save_safetensors({"big": torch.tensor([2**40], dtype=torch.int64)}, None, os.path.join(OUT, "i64_overflow.safetensors"))

# npy written by numpy itself
np.save(os.path.join(OUT, "numpy_f32.npy"), np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5)
np.save(os.path.join(OUT, "numpy_i32.npy"), np.array([3, -7, 2**31 - 1], dtype=np.int32))

# IDX, big-endian, written with struct
def idx(code, fmt, dims, values):
    return struct.pack(">BBBB", 0, 0, code, len(dims)) + struct.pack(">%dI" % len(dims), *dims) + struct.pack(">%d%s" % (len(values), fmt), *values)

imgs = [(i * 37) % 256 for i in range(2 * 3 * 4)]
open(os.path.join(OUT, "u8_2x3x4.idx"), "wb").write(idx(0x08, "B", [2, 3, 4], imgs))
with gzip.GzipFile(os.path.join(OUT, "u8_2x3x4.idx.gz"), "wb", mtime=0) as f:
    f.write(idx(0x08, "B", [2, 3, 4], imgs))
open(os.path.join(OUT, "i8.idx"), "wb").write(idx(0x09, "b", [4], [-128, -1, 0, 127]))
open(os.path.join(OUT, "i16.idx"), "wb").write(idx(0x0B, "h", [3], [-32768, 258, 32767]))
open(os.path.join(OUT, "i32.idx"), "wb").write(idx(0x0C, "i", [2, 2], [-2147483648, 1, 65536, 2147483647]))
open(os.path.join(OUT, "f32.idx"), "wb").write(idx(0x0D, "f", [3], [0.5, -1.25, 3e38]))
open(os.path.join(OUT, "f64.idx"), "wb").write(idx(0x0E, "d", [2], [1 / 3, -1e300]))
print("wrote", sorted(os.listdir(OUT)))

# only the dtypes webgan writes, so webgan's encoder must reproduce this file byte for byte
save_safetensors({"layer.weight": torch.randn(3, 2), "layer.bias": torch.randn(3), "step": torch.tensor([7], dtype=torch.int32),
                  "f64": torch.tensor([0.1, 0.2], dtype=torch.float64)}, {"webgan": "{\"step\":7}"}, os.path.join(OUT, "python_writable.safetensors"))
print("and python_writable.safetensors")
