"""Minimal safetensors writer for fixture scripts (the safetensors package is not in Debian 12).

Layout: u64 little-endian header size, JSON header, raw little-endian data; the header is padded
with spaces to a multiple of 8 bytes."""
import json
import struct

import numpy as np

_DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("uint8"): "U8",
           np.dtype("int32"): "I32", np.dtype("int64"): "I64"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (or torch tensor); written in insertion order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        arr = np.ascontiguousarray(value)
        blob = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTYPES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
