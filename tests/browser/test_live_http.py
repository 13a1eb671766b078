"""The live view's HTTP contract without a browser: what is served and what is refused, and the
bad input of its options. A remote bind (0.0.0.0) with a token: requests without it get 403;
with it, the page, the event stream and the pictures, and nothing else (404); the controls need
their header; a garbled request gets 400 and the run goes on; stop-and-save through the control
ends the run with its result. Bad options (no token for a remote bind, a token without --live, a
malformed address, a port in use): one line on stderr, exit 2, nothing written.

usage: test_live_http.py PHASIS"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def first_event(url):
    """The first server-sent event's JSON."""
    with urllib.request.urlopen(url, timeout=10) as r:
        line = b""
        while not line.startswith(b"data: "):
            line = r.readline()
        return json.loads(line[6:])


def expect_bad_input(phasis, work, args, words):
    out = os.path.join(work, "bad.h5")
    r = subprocess.run([phasis, "ptycho", "reconstruct", os.path.join(work, "sim.cxi"), "-o", out, "--iterations", "2"] + args,
                       capture_output=True, text=True, timeout=60)
    lines = r.stderr.strip().splitlines()
    if r.returncode != 2 or len(lines) != 1 or words not in r.stderr or os.path.exists(out):
        fail("%s: expected exit 2, one line with %r and no output; found exit %d, stderr %r" % (args, words, r.returncode, r.stderr))
    leftovers = [n for n in os.listdir(work) if ".tmp" in n or n.startswith("bad")]
    if leftovers:
        fail("%s left %s" % (args, leftovers))


def main():
    phasis = sys.argv[1]
    work = tempfile.mkdtemp(prefix="phasis-live-http-")
    cxi = os.path.join(work, "sim.cxi")
    subprocess.run([phasis, "ptycho", "simulate", cxi, "--frame-size", "32", "--positions", "20"], check=True,
                   stdout=subprocess.DEVNULL)
    before = open(cxi, "rb").read()

    expect_bad_input(phasis, work, ["--live", "0.0.0.0:0"], "--live-token")
    expect_bad_input(phasis, work, ["--live-token", "abc"], "--live")
    for bad in ("abc", "70000", ":8080", "127.0.0.1:"):
        expect_bad_input(phasis, work, ["--live", bad], "[HOST:]PORT")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    expect_bad_input(phasis, work, ["--live", str(taken.getsockname()[1])], "in use")
    taken.close()

    out, log = os.path.join(work, "rec.h5"), os.path.join(work, "log.txt")
    token = "s3cret-token"
    with open(log, "w") as logf:
        run = subprocess.Popen([phasis, "ptycho", "reconstruct", cxi, "-o", out, "--iterations", "1000000", "--device", "cpu",
                                "--threads", "1", "--live", "0.0.0.0:0", "--live-token", token],
                               stdout=logf, stderr=subprocess.STDOUT)
    try:
        port = None
        deadline = time.time() + 60
        while port is None and time.time() < deadline:
            m = re.search(r"live view: http://0\.0\.0\.0:(\d+)/\?token=" + token, open(log).read())
            port = m.group(1) if m else None
            time.sleep(0.05)
        if not port:
            fail("no live view URL with the token: " + open(log).read())
        base = "http://127.0.0.1:%s" % port
        t = "?token=" + token
        for path in ("/", "/events", "/image/object_phase.png", "/nothing", "/?token=wrong"):
            status = get(base + path)[0]
            if status != 403:
                fail("%s without the token: expected 403; found %d" % (path, status))
        status, body, headers = get(base + "/" + t)
        if status != 200 or b"EventSource" not in body or "text/html" not in headers.get("Content-Type", ""):
            fail("the page: status %d" % status)
        if b"http://" in body.replace(b"http://www.w3.org/2000/svg", b"") or b"https://" in body:
            fail("the page loads something from elsewhere")
        if get(base + "/", {"X-Phasis-Token": token})[0] != 200:
            fail("the token in its header was refused")
        event = first_event(base + "/events" + t)
        if event["state"] != "running" or event["progress"].get("task") != "dm":
            fail("first event: %s" % event)
        deadline = time.time() + 30
        status = 404
        while status == 404 and time.time() < deadline:
            status, png, headers = get(base + "/image/object_phase.png" + t)
            time.sleep(0.1)
        if status != 200 or not png.startswith(b"\x89PNG") or headers.get("Content-Type") != "image/png":
            fail("object picture: status %d" % status)
        for path in ("/nothing", "/image/none.png", "/image/../etc/passwd", "/events/x", "/control/pause"):
            status = get(base + path + t)[0]
            if status != 404:
                fail("%s: expected 404; found %d" % (path, status))
        if get(base + "/control/pause" + t, method="POST")[0] != 403:
            fail("a control without its header was obeyed")
        # A garbled request: 400, and the run goes on.
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
            s.sendall(b"\x00\x01 garbage \xff\r\n\r\n")
            reply = s.recv(100)
        if not reply.startswith(b"HTTP/1.1 400"):
            fail("a garbled request: expected 400; found %r" % reply[:40])
        if get(base + "/control/pause" + t, {"X-Phasis-Control": "1"}, method="POST")[0] != 204:
            fail("pause refused")
        if first_event(base + "/events" + t)["state"] != "paused":
            fail("the state does not say paused")
        if run.poll() is not None:
            fail("the run ended early: " + open(log).read())
        if get(base + "/control/stop" + t, {"X-Phasis-Control": "1"}, method="POST")[0] != 204:
            fail("stop refused")
        code = run.wait(timeout=60)
        if code != 130 or not os.path.exists(out) or "stopped on request" not in open(log).read():
            fail("stop-and-save: exit %d, %s" % (code, open(log).read()))
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    if open(cxi, "rb").read() != before:
        fail("input modified")
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
