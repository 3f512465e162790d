#!/usr/bin/python3
"""Writes GEE's fixed min-max scaling (Nguyen et al. 2019; the constants of the public
reimplementation's feature_min_max table) as a nids-normalize params file for the 69
columns of nids-window --by src:

    scripts/gee_minmax_params.py > examples/data/gee-minmax.params
    nids-window < flows.rec | nids-normalize -p gee-minmax.params --clamp

With --clamp every value is clipped to [0, 1], as GEE's normalise() does. The 54 port
proportions are already in [0, 1]: their range is [0, 1], which leaves them as they are.
The file format is the one in nids-normalize(1), FILES; the mean and sd fields, which
min-max scaling does not read, are 0.
"""
import struct
import sys

# (nids-window column, min, max); GEE's names were mean_packet, mean_num_of_bytes,
# std_*, entropy_protocol, entropy_dst_ip, entropy_src_port, entropy_dst_port
RANGES = [
    ("mean_duration", 0.0, 2042.86),
    ("mean_packets", 1.0, 109214.27272727272),
    ("mean_bytes", 28.0, 163795638.0909091),
    ("mean_packet_rate", 0.0, 17224.14377310265),
    ("mean_byte_rate", 0.0, 13902452.340182647),
    ("sd_duration", 0.0, 562.7625560888366),
    ("sd_packets", 0.0, 370614.95468242496),
    ("sd_bytes", 0.0, 543247494.7844237),
    ("sd_packet_rate", 0.0, 15783.66319664221),
    ("sd_byte_rate", 0.0, 16441139.793386225),
    ("entropy_proto", 0.0, 2.260220915066596),
    ("entropy_dst_addr", 0.0, 13.787687869067254),
    ("entropy_sport", 0.0, 14.206227931544092),
    ("entropy_dport", 0.0, 14.027301292191831),
    ("entropy_flags", 0.0, 4.631615665225586),
]
PORTS = [20, 21, 22, 23, 25, 50, 51, 53, 67, 68, 69, 80, 110, 119, 123, 135, 136, 137,
         138, 139, 143, 161, 162, 389, 443, 3389]

P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
M = 0xFFFFFFFF


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M


def xxh32(data, seed=0):
    """XXH32 as xxHash specifies it."""
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed & M, (seed - P1) & M]
        while i + 16 <= n:
            for k in range(4):
                w = struct.unpack_from("<I", data, i + 4 * k)[0]
                v[k] = (rotl((v[k] + w * P2) & M, 13) * P1) & M
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4) & M
        i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    h ^= h >> 16
    return h


def columns():
    cols = list(RANGES)
    for d in ("sport", "dport"):
        cols += [("%s_%d" % (d, p), 0.0, 1.0) for p in PORTS]
        cols.append((d + "_other", 0.0, 1.0))
    return cols


def params():
    body = b""
    for name, lo, hi in columns():
        b = name.encode()
        body += struct.pack("<H", len(b)) + b + struct.pack("<dddd", lo, hi, 0.0, 0.0)
    total = 36 + len(body) + 4
    head = (b"\x89NIDN\r\n\x1a" + struct.pack("<HHIIIIQ", 1, 0, 0, total, 0,
                                               len(columns()), 0))
    out = head + body
    return out + struct.pack("<I", xxh32(out))


if __name__ == "__main__":
    sys.stdout.buffer.write(params())
