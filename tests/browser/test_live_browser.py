"""CI test of the live view in a real browser: a small reconstruction with --live on a free port,
its page opened in headless Chromium, and checks from the page's DOM and a screenshot that the
object's pictures, the probe, the coverage and the error curve arrived and that the buttons work:
pause holds the iterations, resume lets them go on, stop-and-save ends the run with its result
written (exit 130, as for Ctrl-C). Exits 77 (skipped) only when no Chromium is installed.

usage: test_live_browser.py PHASIS [SCREENSHOT.png]"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    return struct.unpack(">II", head[16:24])


def main():
    phasis = sys.argv[1]
    shot = sys.argv[2] if len(sys.argv) > 2 else None
    chromium = cdp.find_chromium()
    if not chromium:
        print("SKIP: no chromium found (scripts/setup installs Debian's chromium)")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="phasis-live-")
    cxi, out, log = (os.path.join(work, n) for n in ("sim.cxi", "rec.h5", "log.txt"))
    subprocess.run([phasis, "ptycho", "simulate", cxi, "--frame-size", "64", "--positions", "100", "--probe-modes", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    # Many iterations on one thread: the run lasts until the page's stop button ends it.
    with open(log, "w") as logf:
        run = subprocess.Popen([phasis, "ptycho", "reconstruct", cxi, "-o", out, "--iterations", "1000000",
                                "--probe-modes", "2", "--device", "cpu", "--threads", "1", "--live", "0"],
                               stdout=logf, stderr=subprocess.STDOUT)
    browser = None
    try:
        url = None
        deadline = time.time() + 60
        while url is None and time.time() < deadline:
            m = re.search(r"live view: (http://\S+)", open(log).read())
            url = m.group(1) if m else None
            if run.poll() is not None:
                fail("phasis ended before serving: " + open(log).read())
            time.sleep(0.05)
        if not url:
            fail("no live view URL printed: " + open(log).read())
        browser = cdp.Browser(chromium)
        t0 = time.time()
        browser.open(url)
        # The first update with pictures and a curve of a few points, every picture decoded.
        browser.wait_for("""(() => {
            const ok = id => { const i = document.getElementById(id); return i && i.complete && i.naturalWidth > 0; };
            const c = document.getElementById('curve-error');
            return ok('img-object_phase') && ok('img-object_amplitude') && ok('img-probe') && ok('img-coverage') &&
                   c && +c.dataset.points >= 5 && c.querySelector('polyline') !== null; })()""", timeout=60)
        print("page showed pictures and the error curve %.2f s after opening" % (time.time() - t0))
        # Later updates replace the pictures (new versions) while the solver runs.
        v0 = browser.evaluate("+document.getElementById('img-object_phase').dataset.version")
        browser.wait_for("+document.getElementById('img-object_phase').dataset.version > %d" % v0, timeout=30)
        state = browser.evaluate("document.getElementById('state').textContent")
        if state != "running":
            fail("state should read running; found " + repr(state))
        points = browser.evaluate("document.querySelector('#curve-error polyline').getAttribute('points').split(' ').length")
        if points < 2:
            fail("error curve has %d vertices" % points)
        # Pause: the state says so and the iteration count stops moving.
        browser.evaluate("document.getElementById('pause').click()")
        browser.wait_for("document.getElementById('state').textContent === 'paused'", timeout=10)
        time.sleep(0.5)
        n1 = browser.evaluate("+document.getElementById('curve-error').dataset.points")
        time.sleep(1.0)
        n2 = browser.evaluate("+document.getElementById('curve-error').dataset.points")
        if n2 != n1:
            fail("paused, yet iterations went on: %d -> %d" % (n1, n2))
        browser.evaluate("document.getElementById('resume').click()")
        browser.wait_for("+document.getElementById('curve-error').dataset.points > %d" % n2, timeout=10)
        if shot:  # a little later, when the object has taken shape (the picture in docs/ptychography.md)
            browser.wait_for("+document.getElementById('curve-error').dataset.points >= 40", timeout=60)
            time.sleep(0.5)
            browser.screenshot(shot)
            w, h = png_size(shot)
            if (w, h) != (browser.width, browser.height):
                fail("screenshot is %d x %d" % (w, h))
            print("screenshot: %s (%d x %d)" % (shot, w, h))
        # Stop and save from the page: the run writes its result and ends as a Ctrl-C would.
        browser.evaluate("document.getElementById('stop').click()")
        try:
            code = run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fail("stop-and-save did not end the run")
        text = open(log).read()
        if code != 130 or "stopped on request" not in text or not os.path.exists(out):
            fail("stop-and-save: exit %d, log: %s" % (code, text))
        if not os.path.exists(os.path.join(work, "rec_report.html")):
            fail("no report beside the result")
        print("stop-and-save: exit 130, result and report written")
    finally:
        if browser:
            browser.close()
        if run.poll() is None:
            run.kill()
            run.wait()
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
