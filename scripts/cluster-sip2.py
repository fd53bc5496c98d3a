#!/usr/bin/env python3
"""A SIP2 kiosk that loses its app server mid-session, through the proxy of
scripts/cluster.sh: a copy is lent at the desk; the kiosk logs in and asks
the member's status; the server holding its connection is stopped; the
kiosk reconnects through the proxy (to another server), logs in again and
takes the copy back there. The loan is made once and ended once. The
stopped server is started again. Prints ok/FAIL lines.
"""
import os, socket, subprocess, sys, time

host, port = os.environ["BIEB_CLUSTER_SIP2"].split(":")
data, db = os.environ["BIEB_CLUSTER_DATA"], os.environ["DATABASE_URL"]
failed = False

def check(text, condition):
    global failed
    print(("ok    " if condition else "FAIL  ") + text)
    failed |= not condition

def psql(query):
    return subprocess.run(["psql", db, "-Atc", query], capture_output=True, text=True, check=True).stdout.strip()

def message(body, seq):
    text = f"{body}AY{seq}AZ".encode()
    return text + format((-sum(text)) & 0xFFFF, "04X").encode() + b"\r"

def ask(sock, body, seq):
    sock.sendall(message(body, seq))
    answer = b""
    while not answer.endswith(b"\r"):
        part = sock.recv(4096)
        if not part: raise ConnectionError("closed")
        answer += part
    return answer.decode(errors="replace")

def session():
    sock = socket.create_connection((host, int(port)), timeout=10)
    answer = ask(sock, "9300CNkiosk-centrale|CObieb-demo-2026|CPcentrale|", 0)
    if not answer.startswith("941"): raise SystemExit(f"login refused: {answer!r}")
    return sock

def holder():
    """The app server (sN) whose SIP2 listener has the one open session, from HAProxy's statistics."""
    client = socket.socket(socket.AF_UNIX)
    client.connect(os.path.join(data, "haproxy.sock"))
    client.sendall(b"show stat\n")
    text = b""
    while True:
        part = client.recv(65536)
        if not part: break
        text += part
    rows = [line.split(",") for line in text.decode().splitlines()]
    header = rows[0]
    scur = header.index("scur")
    busy = [row[1] for row in rows[1:] if len(row) > scur and row[0] == "sip2" and row[1].startswith("s") and row[scur] == "1"]
    return busy[0] if len(busy) == 1 else None

item = psql("SELECT i.barcode FROM items i JOIN branches b ON b.id = i.current_branch_id WHERE b.slug = 'centrale-bibliotheek' "
            "AND i.status = 'available' AND i.hold_id IS NULL AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.title_id = i.title_id "
            "AND h.status IN ('waiting', 'allocated', 'in_transit', 'ready')) ORDER BY i.barcode DESC LIMIT 1")
card = psql("SELECT c.barcode FROM member_cards c JOIN members m ON m.id = c.member_id WHERE c.status = 'active' AND m.balance_cents = 0 "
            "AND m.block_reason IS NULL AND m.birth_date < '2000-01-01' AND m.membership_end > CAST(CURRENT_DATE AS TEXT) "
            "AND m.loan_count < 5 AND c.barcode BETWEEN '2000000001' AND '2000000040' ORDER BY c.barcode DESC LIMIT 1")  # PIN 2580
# Lent at the desk through the proxy (a kiosk lends only while the library is open; taking back it always does).
import json, urllib.request
base = os.environ["BIEB_CLUSTER_URL"]
def post(path, body, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers={"content-type": "application/json"})
    if token: request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
token = post("/api/v1/auth/token", {"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"})["token"]
loan = post("/api/v1/circulation/checkout", {"card": card, "item": item, "branch": "centrale-bibliotheek"}, token)
check(f"a copy lent at the desk (loan {loan.get('loan_id')})", "loan_id" in loan)
screen = lambda answer: next((f[2:] for f in answer.split("|") if f.startswith("AF")), "")
# The kiosk's session: logged in, the member's own status asked.
now = time.strftime("%Y%m%d    %H%M%S")
kiosk = session()
status = ask(kiosk, f"23000{now}AOden-haag|AA{card}|AD2580|", 1)
check(f"the kiosk asks the member's status through the proxy ({status[:2]}, valid card and PIN: {'BLY' in status and 'CQY' in status})",
      status.startswith("24") and "BLY" in status and "CQY" in status)
server = holder()
check(f"HAProxy names the app server holding the session ({server})", server is not None)
if server:
    subprocess.run([os.path.join(data, "server.sh"), server[1:], "stop"], check=True)
# The next message finds the connection gone; the kiosk connects again and carries on.
try:
    ask(kiosk, "990 402.00", 2)
    lost = False
except (ConnectionError, OSError, socket.timeout):
    lost = True
check(f"stopping {server} ends the kiosk's connection", lost)
kiosk.close()
kiosk = session()
now = time.strftime("%Y%m%d    %H%M%S")
back = ask(kiosk, f"09N{now}{now}APcentrale|AOden-haag|AB{item}|AC|", 1)
kiosk.close()
check(f"reconnected through the proxy, it logs in again and takes the copy back on another server ({back[:3]} {screen(back)})", back.startswith("101"))
loans = psql(f"SELECT COUNT(*), COUNT(*) FILTER (WHERE l.open) FROM loans l JOIN items i ON i.id = l.item_id WHERE i.barcode = '{item}' "
             f"AND l.checked_out_at > now() - interval '5 minutes'").split("|")
copy = psql(f"SELECT status FROM items WHERE barcode = '{item}'")
check(f"one loan made and ended (loans {loans[0]}, open {loans[1]}, copy {copy})", loans == ["1", "0"] and copy != "on_loan")
if server:
    subprocess.run([os.path.join(data, "server.sh"), server[1:], "start"], check=True)
sys.exit(1 if failed else 0)
