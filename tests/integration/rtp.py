"""A real RTP receiver for tests: a UDP listener that decodes G.711
(PCMA/PCMU) and says how much of what arrived was sound."""
import socket
import struct
import threading
import time


def _alaw(b):
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if b & 0x80 else -t


def _ulaw(b):
    b = ~b & 0xFF
    t = ((b & 0x0F) << 3) + 0x84
    t <<= (b & 0x70) >> 4
    return (0x84 - t) if b & 0x80 else (t - 0x84)


ALAW = [_alaw(i) for i in range(256)]
ULAW = [_ulaw(i) for i in range(256)]


class RtpListener:
    """Collects RTP packets on 127.0.0.1:port in a thread."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets = []  # (arrival, payload type, samples)
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop:
            try:
                data, _ = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            pt = data[1] & 0x7F
            cc = data[0] & 0x0F
            payload = data[12 + 4 * cc:]
            table = ALAW if pt == 8 else ULAW if pt == 0 else None
            if table is None:
                continue
            self.packets.append((time.monotonic(), pt,
                                 [table[b] for b in payload]))

    def close(self):
        self._stop = True
        self._t.join(timeout=2)
        self.sock.close()

    def loud(self, threshold):
        return [bool(s) and (sum(x * x for x in s) / len(s)) ** 0.5 > threshold
                for _, _, s in self.packets]

    def sound_ms(self, threshold=300):
        """Milliseconds of the prompt that arrived: the audio from the
        first packet with sound (RMS over threshold) to the last, pauses
        between words included (8 samples per ms)."""
        loud = self.loud(threshold)
        if True not in loud:
            return 0
        first = loud.index(True)
        last = len(loud) - 1 - loud[::-1].index(True)
        return sum(len(p[2]) for p in self.packets[first:last + 1]) / 8

    def loud_share(self, threshold=300):
        """The share of sound_ms that is sound, not pauses."""
        loud = self.loud(threshold)
        if True not in loud:
            return 0.0
        first = loud.index(True)
        last = len(loud) - 1 - loud[::-1].index(True)
        part = loud[first:last + 1]
        return sum(part) / len(part)

    def max_gap_ms(self):
        """The longest silence between two packets, in ms."""
        ts = [p[0] for p in self.packets]
        return max((b - a for a, b in zip(ts, ts[1:])), default=0) * 1000

    def signature(self):
        """The decoded audio, for comparing two calls."""
        return [x for _, _, s in self.packets for x in s]
