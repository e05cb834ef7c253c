"""The GenNeg external-oracle protocol (docs/external-oracle.md) for Python: numpy only.

GenNeg starts the oracle program once and writes requests to its stdin; the program answers each on its stdout.
A message (request or reply) is the magic b"GNEG", the number of arrays (uint32 little-endian), then per array its
name (uint16 length + UTF-8) and its .npy bytes (uint64 length + a .npy file). stdin closing means: exit.

    from genneg_oracle import serve
    serve(lambda request: request["samples"][:, 0] > 0)   # valid iff x0 > 0
"""
import io
import signal
import struct
import sys

import numpy as np

MAGIC = b"GNEG"


def _read_exactly(stream, count):
    data = stream.read(count)
    if len(data) != count:
        raise EOFError(f"the stream ended {count - len(data)} bytes short of a whole message")
    return data


def read_message(stream):
    """The next message as {name: array}, or None when the stream has ended."""
    magic = stream.read(4)
    if not magic:
        return None
    if magic != MAGIC:
        raise ValueError(f"expected the magic {MAGIC!r}, got {magic!r}")
    (count,) = struct.unpack("<I", _read_exactly(stream, 4))
    arrays = {}
    for _ in range(count):
        (name_length,) = struct.unpack("<H", _read_exactly(stream, 2))
        name = _read_exactly(stream, name_length).decode("utf-8")
        (length,) = struct.unpack("<Q", _read_exactly(stream, 8))
        arrays[name] = np.load(io.BytesIO(_read_exactly(stream, length)), allow_pickle=False)
    return arrays


def write_message(stream, arrays):
    """Writes {name: array} as one message and flushes it."""
    parts = [MAGIC, struct.pack("<I", len(arrays))]
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        encoded, data = name.encode("utf-8"), buffer.getvalue()
        parts += [struct.pack("<H", len(encoded)), encoded, struct.pack("<Q", len(data)), data]
    stream.write(b"".join(parts))
    stream.flush()


def serve(judge):
    """Answers every request with judge(request) until stdin closes.

    judge takes {name: array} ("samples" [B, ...] in real units, each condition tensor by name, "element_mask"
    [B, *E] when the samples have elements) and returns the validity [B] or [B, *E] (bool, integer or float 0/1),
    or a dict {"valid": ..., "reason": ...} whose other entries are per-reason infraction flags shaped like "valid".
    """
    # Ctrl+C in a terminal reaches this program too: GenNeg lets the batch in flight finish, keeps what it drew and then
    # closes stdin, so the oracle answers on and exits at the end of its input rather than at the keypress.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    # A stray print() would corrupt the replies: everything printed goes to stderr, which GenNeg shows on failure.
    sys.stdout = sys.stderr
    try:
        while True:
            request = read_message(requests)
            if request is None:
                return
            verdict = judge(request)
            write_message(replies, verdict if isinstance(verdict, dict) else {"valid": verdict})
    except BrokenPipeError:
        # GenNeg has gone: nothing left to answer.
        return
