#!/usr/bin/env python3
"""No page scrolls sideways on a phone: opens pages of a running Bieb in headless
Chromium (Debian's chromium + chromium-driver, spoken to over WebDriver) at a
320 px wide window and reports every element that reaches past the right edge.

    scripts/check-layout.py BASE_URL PATH... [--width 320] [--member CARD:PIN] [--staff EMAIL:PASSWORD]

Exit status 1 when a page is wider than the window. With --member, signs in on
the member pages of the organisation in the first path first (card and PIN);
with --staff, on the staff pages.
"""
import argparse, json, subprocess, sys, time, urllib.request, socket

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

class Driver:
    def __init__(self, width):
        self.port = free_port()
        self.process = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=1); break
            except Exception:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            # A window is never narrower than about 500 px; a phone's viewport is emulated instead.
            "mobileEmulation": {"deviceMetrics": {"width": width, "height": 800, "pixelRatio": 1}},
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["value"]

    def go(self, url): self.call("POST", f"/session/{self.session}/url", {"url": url})
    def script(self, source, *args): return self.call("POST", f"/session/{self.session}/execute/sync", {"script": source, "args": list(args)})

    def quit(self):
        try: self.call("DELETE", f"/session/{self.session}")
        finally: self.process.terminate()

WIDEST = """
const width = document.documentElement.clientWidth;
const out = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  let clipped = false;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
  }
  const parent = e.parentElement;
  const parentWide = parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1;
  if (!clipped && r.right > width + 1 && !parentWide) {
    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' right=' + Math.round(r.right));
  }
}
return {width: width, scrollWidth: document.documentElement.scrollWidth, culprits: [...new Set(out)].slice(0, 12)};
"""

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--member")
    parser.add_argument("--staff")
    args = parser.parse_args()
    driver = Driver(args.width)
    failed = 0
    try:
        if args.member:
            card, pin = args.member.split(":")
            org = args.paths[0].strip("/").split("/")[0]
            driver.go(f"{args.base}/{org}/mijn/inloggen")
            driver.script("document.getElementById('card').value = arguments[0]; document.getElementById('pin').value = arguments[1];"
                          "document.getElementById('card').form.submit();", card, pin)
            time.sleep(1)
        if args.staff:
            email, password = args.staff.split(":", 1)
            driver.go(f"{args.base}/staff/login")
            driver.script("document.getElementById('email').value = arguments[0]; document.getElementById('password').value = arguments[1];"
                          "document.getElementById('email').form.submit();", email, password)
            time.sleep(1)
        if args.member or args.staff:
            # The pages are only worth checking signed in: the header then has a sign-out form.
            driver.go(args.base + args.paths[0])
            if not driver.script("return document.querySelector('form[action$=\"/uitloggen\"], form[action=\"/staff/logout\"]') !== null"):
                print(f"signing in failed: {args.paths[0]} has no sign-out form")
                sys.exit(1)
        for path in args.paths:
            driver.go(args.base + path)
            result = driver.script(WIDEST)
            wide = result["scrollWidth"] > result["width"]
            failed += wide
            print(f"{'WIDE' if wide else 'ok  '} {result['scrollWidth']:>5}/{result['width']} px  {path}")
            for culprit in result["culprits"] if wide else []:
                print(f"        {culprit}")
    finally:
        driver.quit()
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
