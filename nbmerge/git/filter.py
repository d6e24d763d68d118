"""git's clean filter: one file from stdin to stdout (`filter.<driver>.clean`), or git's
long-running filter process (`filter.<driver>.process`), one process for a whole `git add`.

  clean_bytes(data, path, options)     -> what git stores for a notebook's working-tree bytes
  serve(stdin, stdout, options)        -> speak the process protocol until git closes stdin

`nbmerge install --filter` writes the config and attribute that route notebooks here
(nbmerge.git.install.filter_config, FILTER_ATTRIBUTE).
"""

from __future__ import annotations

from typing import BinaryIO, List, Optional

from ..clean import CleanOptions, clean_notebook
from ..errors import NotebookReadError, ProtocolError
from ..notebook import detect_format, parse_notebook, serialize_notebook

MAX_PACKET_DATA = 65516  # pkt-line: 65520 bytes at most, 4 of them the length


def clean_bytes(data: bytes, path: str = "<stdin>", options: CleanOptions = CleanOptions(),
                warn=None) -> bytes:
    """The cleaned notebook in the file's own layout; bytes that are not a notebook pass unchanged.

    A filter that refused broken JSON (say, a notebook with git's conflict markers, which the
    user is about to `git add` after fixing by hand) would make `git add` fail; `nbmerge check`
    is the place that reports it. warn(line) hears why such bytes were stored unchanged.
    """
    try:
        nb = parse_notebook(data, path)
    except NotebookReadError as exc:
        if warn is not None:
            warn(f"{exc}; stored unchanged")
        return data
    cleaned = clean_notebook(nb, options)
    if not cleaned.changed:
        return data  # byte-for-byte: git must see the same blob every time
    return serialize_notebook(cleaned.notebook, detect_format(data, nb))


# --- pkt-line framing (git's Documentation/technical/protocol-common.txt) -------------

def read_packet(stream: BinaryIO) -> Optional[bytes]:
    """One packet's data, or None for a flush packet ("0000"); EOFError when git hung up."""
    head = _read_exact(stream, 4, allow_eof=True)
    if head is None:
        raise EOFError
    try:
        size = int(head, 16)
    except ValueError:
        raise ProtocolError(f"bad packet length {head!r}") from None
    if size == 0:
        return None
    if size < 4:
        raise ProtocolError(f"unexpected special packet {head!r}")
    return _read_exact(stream, size - 4)


def _read_exact(stream: BinaryIO, size: int, allow_eof: bool = False) -> Optional[bytes]:
    chunks, missing = [], size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            if allow_eof and missing == size:
                return None
            raise ProtocolError("git closed the pipe in the middle of a packet")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_lines(stream: BinaryIO) -> List[str]:
    """Text packets up to the next flush, without their newlines."""
    lines = []
    while True:
        data = read_packet(stream)
        if data is None:
            return lines
        lines.append(data.decode("utf-8").rstrip("\n"))


def read_content(stream: BinaryIO) -> bytes:
    """Binary packets up to the next flush, joined."""
    chunks = []
    while True:
        data = read_packet(stream)
        if data is None:
            return b"".join(chunks)
        chunks.append(data)


def write_packet(stream: BinaryIO, data: bytes) -> None:
    stream.write(b"%04x" % (len(data) + 4) + data)


def write_flush(stream: BinaryIO) -> None:
    stream.write(b"0000")


def write_lines(stream: BinaryIO, *lines: str) -> None:
    """Text packets, each with its newline, then a flush."""
    for line in lines:
        write_packet(stream, line.encode("utf-8") + b"\n")
    write_flush(stream)


def write_content(stream: BinaryIO, data: bytes) -> None:
    """data split into the largest packets allowed, then a flush."""
    for start in range(0, len(data), MAX_PACKET_DATA):
        write_packet(stream, data[start:start + MAX_PACKET_DATA])
    write_flush(stream)


# --- the long-running filter process (git's Documentation/gitattributes.txt) ---------

def serve(stdin: BinaryIO, stdout: BinaryIO, options: CleanOptions = CleanOptions(), warn=None) -> None:
    """Answer git's filter requests until it closes the pipe; warn(line): see clean_bytes."""
    _handshake(stdin, stdout)
    while True:
        try:
            header = read_lines(stdin)
        except EOFError:
            return  # git is done: "the filter is expected to exit" at EOF
        fields = dict(line.split("=", 1) for line in header if "=" in line)
        content = read_content(stdin)
        command = fields.get("command")
        try:
            if command == "clean":
                result = clean_bytes(content, fields.get("pathname", "<git>"), options, warn)
            elif command == "smudge":
                result = content
            else:
                raise ProtocolError(f"unknown command {command!r}")
        except Exception:  # one bad file must not end the process that serves the others
            write_lines(stdout, "status=error")
            stdout.flush()
            continue
        # "status=success", the content, then an empty list: the status stays success.
        write_lines(stdout, "status=success")
        write_content(stdout, result)
        write_flush(stdout)
        stdout.flush()


def _handshake(stdin: BinaryIO, stdout: BinaryIO) -> None:
    # git> git-filter-client, version=2, flush;  git< git-filter-server, version=2, flush
    try:
        welcome = read_lines(stdin)
    except EOFError:
        raise ProtocolError("standard input ended before git's handshake") from None
    if not welcome or welcome[0] != "git-filter-client" or "version=2" not in welcome[1:]:
        raise ProtocolError(f"expected git-filter-client with version=2, got {welcome!r}")
    write_lines(stdout, "git-filter-server", "version=2")
    stdout.flush()
    # git> capability=clean, capability=smudge, capability=delay;  git< the ones we do
    offered = read_lines(stdin)
    ours = [cap for cap in ("capability=clean", "capability=smudge") if cap in offered]
    write_lines(stdout, *ours)
    stdout.flush()
