"""The daemon's shared segment, mapped into this process (docs/segment-layout.md).

One mapping per segment per process, kept for the life of the process: values, arrays and
lock records are memoryviews into it, read and written in place. The layout constants below
mirror common/shoal/segment_layout.hpp; only the daemon creates and deletes entries.
"""

import os

# mmap and struct are imported by the first mapping: importing this module (for the constants)
# must stay free for a child that never maps the segment.

MAGIC = 0x4745534C414F4853  # b"SHOALSEG" read little-endian
VERSION = 1
HEADER_SIZE = 128
ENTRY_SIZE = 128
NAME_CAPACITY = 72
ENTRY_READY = 1
KIND_VALUE, KIND_ARRAY, KIND_LOCK = 1, 2, 3
# Offset of the daemon's own lock record (layout::header::lock).
OWN_LOCK_RECORD = 48

# Python's typecode -> memoryview format with the same size on Linux x86-64 (native formats:
# 'l' and 'L' are 8 bytes there, as in the daemon).
TYPECODES = "cbBhHiIlLqQfd"
ITEM_SIZE = {"c": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8,
             "q": 8, "Q": 8, "f": 4, "d": 8}

_segments = {}


class Entry:
    __slots__ = ("name", "kind", "typecode", "length", "offset")

    def __init__(self, name, kind, typecode, length, offset):
        self.name, self.kind, self.typecode, self.length, self.offset = (
            name, kind, typecode, length, offset)


class Segment:
    """A mapped segment; get one with segment(name)."""

    def __init__(self, name):
        import mmap
        import struct
        self._struct = struct
        self.name = name
        path = "/dev/shm/" + name.lstrip("/")
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as e:
            raise OSError(e.errno, f"unable to open shoald's shared segment '{name}' ({path}): "
                                   f"{e.strerror}; shared values and locks need a daemon that "
                                   f"runs as your user") from None
        try:
            size = os.fstat(fd).st_size
            self.map = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.size = size
        self.view = memoryview(self.map)
        magic, version = struct.unpack_from("<QI", self.map, 0) if size >= HEADER_SIZE else (0, 0)
        if magic != MAGIC or version != VERSION:
            raise ValueError(f"'{name}' is not a Shoal segment of layout version {VERSION}")
        self.capacity, = struct.unpack_from("<I", self.map, 24)

    def find(self, name):
        """The published entry called ``name``, or None."""
        wanted = name.encode()
        m = self.map
        unpack_from = self._struct.unpack_from
        for i in range(self.capacity):
            at = HEADER_SIZE + i * ENTRY_SIZE
            if unpack_from("<I", m, at + 72)[0] != ENTRY_READY:
                continue
            if m[at:at + len(wanted) + 1] != wanted + b"\0":
                continue
            typecode, kind, length, offset = unpack_from("<cBxxQQ", m, at + 76)
            entry = Entry(name, kind, typecode.decode("latin-1") if kind != KIND_LOCK else "",
                          length, offset)
            # The entry may have been freed and reused while we read it: read the state again.
            if unpack_from("<I", m, at + 72)[0] != ENTRY_READY:
                return self.find(name)
            if offset + length * ITEM_SIZE.get(entry.typecode, 24) > self.size:
                raise ValueError(f"entry '{name}' of '{self.name}' points outside the segment")
            return entry
        return None

    def elements(self, entry):
        """The entry's elements as a memoryview of its typecode, in place."""
        size = ITEM_SIZE[entry.typecode]
        return self.view[entry.offset:entry.offset + entry.length * size].cast(entry.typecode)


def segment(name):
    """The mapping of segment ``name`` in this process, made once."""
    seg = _segments.get(name)
    if seg is None:
        seg = _segments[name] = Segment(name)
    return seg
