"""A websocket client on a bare socket that reads only when told: a stalled consumer.

Library clients keep reading into their own buffers; this one does not, so the hub
sees the client's kernel buffers fill and its sends wait.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from typing import Any


class RawStream:
    """``/api/stream`` over a blocking socket with a small receive buffer."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /api/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send_text(self, text: str) -> None:
        """One masked text frame."""
        payload = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def hello(self) -> None:
        """Say hello, for a snapshot."""
        self.send_text(json.dumps({"type": "hello", "resume_from": None}))

    def _need(self, size: int) -> None:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed without a close frame")
            self.buffer += chunk

    def frame(self) -> tuple[int, bytes]:
        """The next frame: (opcode, payload)."""
        self._need(2)
        opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        offset = 2
        if length == 126:
            self._need(4)
            (length,) = struct.unpack("!H", self.buffer[2:4])
            offset = 4
        elif length == 127:
            self._need(10)
            (length,) = struct.unpack("!Q", self.buffer[2:10])
            offset = 10
        self._need(offset + length)
        payload = self.buffer[offset : offset + length]
        self.buffer = self.buffer[offset + length :]
        return opcode, payload

    def json(self) -> Any:
        """The next text frame, as JSON."""
        opcode, payload = self.frame()
        assert opcode == 1, opcode
        return json.loads(payload)

    def close_code(self, within: float = 30.0) -> int:
        """Read everything up to the close frame; its code."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            opcode, payload = self.frame()
            if opcode == 8:
                return int(struct.unpack("!H", payload[:2])[0])
        raise AssertionError("no close frame")

    def close(self) -> None:
        """Drop the socket."""
        self.sock.close()
