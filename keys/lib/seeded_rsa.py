#!/usr/bin/env python3
"""An RSA-2048 key (e = 65537) derived from a public seed: the same seed gives
the same key on every machine, so the SakaI-D test CA's roots have fixed public
keys that sakaid recognises by their SPKI SHA-256 (idp/jpki/anchors.c) and
refuses outside dev mode. Anyone can derive these private keys from this file:
that is the point. A test root's key is public knowledge, so a server that
trusted it would accept cards anyone can mint.

    keys/lib/seeded_rsa.py SEED > key.der   (PKCS#1 RSAPrivateKey, DER)

Primes: SHAKE-256(seed, "p" or "q", counter) gives a 1024-bit odd start with
its top two bits set; the first number from there, in steps of 2, that passes
trial division and 8 Miller-Rabin rounds (bases from the same stream) and has
gcd(e, p - 1) = 1 is the prime. d = e^-1 mod lcm(p - 1, q - 1).
Standard library only: it runs wherever python3 does.
"""
import hashlib
import math
import sys

E = 65537
BITS = 1024  # per prime
ROUNDS = 8  # FIPS 186-4 Table C.2 asks for 5 with 1024-bit random candidates


def small_primes(limit):
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\0\0"
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, limit, i)))
    return [i for i in range(3, limit) if sieve[i]]


SMALL = math.prod(small_primes(20000))  # trial division first (one gcd): most candidates never reach Miller-Rabin


def stream(seed, label, counter, nbytes):
    return hashlib.shake_256(b"sakai-d test ca v1\0" + seed + b"\0" + label + counter.to_bytes(4, "big")).digest(nbytes)


def probable_prime(n, seed, label):
    if math.gcd(n, SMALL) != 1:
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for i in range(ROUNDS):
        a = 2 + int.from_bytes(stream(seed, label + b"/mr", i, BITS // 8), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(seed, label):
    n = int.from_bytes(stream(seed, label, 0, BITS // 8), "big") | (3 << (BITS - 2)) | 1
    while not (probable_prime(n, seed, label) and math.gcd(E, n - 1) == 1):
        n += 2
    return n


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # a leading zero keeps it positive
    return b"\x02" + der_len(len(b)) + b


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: seeded_rsa.py SEED > key.der")
    seed = sys.argv[1].encode()
    p, q = prime(seed, b"p"), prime(seed, b"q")
    if p == q:
        sys.exit("p == q")
    n = p * q
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    d = pow(E, -1, lam)
    body = b"".join(der_int(v) for v in (0, n, E, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)))
    sys.stdout.buffer.write(b"\x30" + der_len(len(body)) + body)


if __name__ == "__main__":
    main()
