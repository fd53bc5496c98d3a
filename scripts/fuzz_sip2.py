#!/usr/bin/env python3
"""A SIP2 fuzz against a running Bieb (scripts/fuzz.sh runs it).

Sends random bytes, random arrangements of SIP2's own pieces, and real
messages with bytes changed, cut or repeated, over many connections (logged
in and not), then checks that a terminal still logs in and gets answers.
Prints what it sent; exits 1 when the listener stopped answering.

    scripts/fuzz_sip2.py HOST PORT LOGIN PASSWORD [ROUNDS]
"""
import random
import socket
import sys

HOST, PORT, LOGIN, PASSWORD = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
rng = random.Random(16)

def checksum(text: bytes) -> bytes:
    return format((-sum(text)) & 0xFFFF, "04X").encode()

def message(body: str, seq: int = 0) -> bytes:
    text = f"{body}AY{seq}AZ".encode()
    return text + checksum(text) + b"\r"

LOGIN_LINE = "9300CN{l}|CO{p}|CPcentrale|"
# Wrong logins are throttled per address (25 in 15 minutes lock this address for every terminal, as they
# should): the fuzz sends a handful of mangled logins for an account that does not exist, and keeps
# the rest of its lines away from the login message.
MANGLED_LOGINS = 12
REAL = [
    "990 402.00",
    "6300520261121    120000          AOden-haag|AA2000000001|AD2580|",
    "2300520261121    120000AOden-haag|AA2000000001|AD2580|",
    "11NN20261121    12000020261121    120000AOden-haag|AA2000000001|AB200001902|AD2580|",
    "09N20261121    12000020261121    120000APcentrale|AOden-haag|AB200001902|AC|",
    "1720261121    120000AOden-haag|AB200001902|", "3520261121    120000AOden-haag|AA2000000001|", "97",
]
PIECES = [b"63", b"11", b"09", b"17", b"99", b"35", b"37", b"15", b"29", b"|", b"AO", b"AA", b"AB", b"AY", b"AZ", b"CN",
          b"CO", b"20261121    120000", b"0000", b"\xff\xfe", b"\x00", b"%s%n", b"' OR 1=1 --", b"<script>"]

def connect(login: bool):
    s = socket.create_connection((HOST, PORT), timeout=1)
    if login:
        s.sendall(message(LOGIN_LINE.format(l=LOGIN, p=PASSWORD)))
        answer = s.recv(200)
        if not answer.startswith(b"941"):
            raise SystemExit(f"login refused: {answer!r}")
    return s

def mutate(line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 6)):
        pos = rng.randrange(len(data) + 1)
        op = rng.randrange(6)
        if op == 0 and data: data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1 and data: del data[min(pos, len(data) - 1)]
        elif op == 2: data.insert(pos, rng.randrange(256))
        elif op == 3: data += b"|AB" + b"x" * rng.randrange(300)
        elif op == 4: data = data[:pos]
        else: data = data + data
    return bytes(data)

sent = closed = answers = 0
conn = connect(login=True)
for n in range(ROUNDS):
    kind = n % 4
    if kind == 0:
        line = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    elif kind == 1:
        line = b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
    else:
        line = mutate(message(rng.choice(REAL), n % 10))
    if n % (ROUNDS // MANGLED_LOGINS) == 7:
        line = mutate(message(LOGIN_LINE.format(l="kiosk-fuzz", p="x"), n % 10))
    if line.lstrip(b"\r\n").startswith(b"93") and not line.startswith(b"9300CNkiosk-fuzz"):
        line = b"99" + line[2:]
    if not line.endswith(b"\r"):
        line += b"\r"
    try:
        conn.sendall(line)
        sent += 1
        try:
            if conn.recv(4096):
                answers += 1
            else:
                raise ConnectionError
        except socket.timeout:
            pass
    except (ConnectionError, OSError):
        closed += 1
        conn.close()
        conn = connect(login=rng.random() < 0.7)
    if n % 250 == 249:
        conn.close()
        conn = connect(login=rng.random() < 0.7)
conn.close()

# The listener must still work as it did.
check = connect(login=True)
check.sendall(message("990 402.00", 1))
status = check.recv(200)
check.close()
print(f"SIP2 fuzz: {sent} lines sent, {answers} answered, {closed} connections closed by the server; afterwards: {status[:20]!r}")
sys.exit(0 if status.startswith(b"98") else 1)
