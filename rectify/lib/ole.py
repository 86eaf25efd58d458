"""Just enough of the OLE compound file format (the container of .doc, .wps and of password-
protected Office files) to say what an upload is before any engine opens it: the names of its
streams, and whether a Word document says it is encrypted. Every offset is checked and every
chain bounded, so a hostile file can only be refused, never loop or read past its end."""

from __future__ import annotations

import struct

from .files import OLE_SIGNATURE

FREE, END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
MAX_DIRECTORY_ENTRIES = 4096


class OleError(ValueError):
    """Not a well-formed OLE compound file."""


class Compound:
    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_SIGNATURE):
            raise OleError("not an OLE file")
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise OleError("bad sector size")
        self.sector_size = 1 << shift
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        first_directory = struct.unpack_from("<I", data, 0x30)[0]
        self.fat = self._fat()
        self.entries = self._directory(first_directory)

    def _sector(self, n: int) -> bytes:
        start = (n + 1) * self.sector_size
        if n >= END_OF_CHAIN - 5 or start + self.sector_size > len(self.data):
            raise OleError("sector out of range")
        return self.data[start : start + self.sector_size]

    def _fat(self) -> list[int]:
        # The header lists the first 109 FAT sectors; larger files continue in DIFAT sectors.
        fat_sectors = [s for s in struct.unpack_from("<109I", self.data, 0x4C) if s < FREE - 5]
        difat = struct.unpack_from("<I", self.data, 0x44)[0]
        seen = set()
        while difat < FREE - 5 and difat not in seen:
            seen.add(difat)
            values = struct.unpack(f"<{self.sector_size // 4}I", self._sector(difat))
            fat_sectors += [s for s in values[:-1] if s < FREE - 5]
            difat = values[-1]
        fat: list[int] = []
        for s in fat_sectors:
            fat += struct.unpack(f"<{self.sector_size // 4}I", self._sector(s))
        return fat

    def chain(self, start: int) -> list[int]:
        sectors, seen = [], set()
        while start < FREE - 5:
            if start in seen or start >= len(self.fat):
                raise OleError("broken sector chain")
            seen.add(start)
            sectors.append(start)
            start = self.fat[start]
        return sectors

    def _directory(self, start: int) -> dict[str, tuple[int, int]]:
        """Stream name → (first sector, size)."""
        entries: dict[str, tuple[int, int]] = {}
        for s in self.chain(start)[: MAX_DIRECTORY_ENTRIES * 128 // self.sector_size]:
            block = self._sector(s)
            for offset in range(0, len(block), 128):
                raw = block[offset : offset + 128]
                length = struct.unpack_from("<H", raw, 0x40)[0]
                kind = raw[0x42]
                if kind != 2 or not 2 <= length <= 64:  # 2: a stream
                    continue
                name = raw[: length - 2].decode("utf-16-le", "replace")
                first, size = struct.unpack_from("<II", raw, 0x74)
                entries[name] = (first, size)
        return entries

    def head(self, name: str, size: int = 64) -> bytes | None:
        """The first bytes of a stream stored in regular sectors; None when it is not (a
        stream below the mini-stream cutoff)."""
        first, length = self.entries[name]
        if length < self.mini_cutoff:
            return None
        return self._sector(first)[:size]


def _open(data: bytes) -> Compound:
    try:
        return Compound(data)
    except struct.error as e:
        raise OleError(str(e)) from e


def stream_names(data: bytes) -> set[str]:
    return set(_open(data).entries)


def is_encrypted(data: bytes) -> bool:
    """A password-protected Office file: an encrypted .docx/.xlsx (an OLE container holding
    EncryptedPackage), or a .doc whose FIB sets fEncrypted ([MS-DOC] 2.5.2, bit 8 of the
    flags at offset 0x0A)."""
    compound = _open(data)
    if "EncryptedPackage" in compound.entries:
        return True
    if "WordDocument" in compound.entries:
        fib = compound.head("WordDocument", 12)
        if fib is not None and len(fib) >= 12:
            flags = struct.unpack_from("<H", fib, 0x0A)[0]
            return bool(flags & 0x0100)
    return False
