"""Headless Chromium on web/call.html, the SIP-free call page: it places the call by HTTP, hears the
far end, and hangs up, driven by its own buttons. Prints one JSON line: the state once answered,
the remote audio's dominant frequency and level (a page analyser, median of five readings once
they settle on EXPECT_HZ, or after ten seconds), the type of the page's candidate in use (host, relay), the state after Hang up, and the page's event log.
With SECONDS the call is kept up that long after the answer before Hang up (a far end recording
what it hears needs a few seconds of it).
Usage: chromium_call_page.py URL TONE_HZ EXPECT_HZ WORKDIR [SECONDS]"""
import json
import sys
import time

from selenium.webdriver.common.by import By

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import chromium  # noqa: E402

ANALYSE = """
const call = window.tandemCall;
if (!call.remote) return null;
if (!call.analyser) {
  call.audio = new AudioContext();
  call.analyser = call.audio.createAnalyser();
  call.analyser.fftSize = 8192;
  call.audio.createMediaStreamSource(call.remote).connect(call.analyser);
}
const spectrum = new Float32Array(call.analyser.frequencyBinCount);
call.analyser.getFloatFrequencyData(spectrum);
let peak = 1;
for (let i = 2; i < spectrum.length; i++) if (spectrum[i] > spectrum[peak]) peak = i;
const samples = new Float32Array(call.analyser.fftSize);
call.analyser.getFloatTimeDomainData(samples);
const rms = Math.sqrt(samples.reduce((s, x) => s + x * x, 0) / samples.length);
return {frequency: peak * call.audio.sampleRate / call.analyser.fftSize, dbfs: 20 * Math.log10(Math.max(rms, 1e-9))};
"""

# The type of the page's local candidate in the selected pair: host, srflx or relay.
CANDIDATE = """
return (async () => {
  const stats = await window.tandemCall.pc.getStats();
  let type = null;
  stats.forEach(r => {
    if (r.type === "transport" && r.selectedCandidatePairId) {
      const pair = stats.get(r.selectedCandidatePairId);
      type = stats.get(pair.localCandidateId).candidateType;
    }
  });
  return type;
})();
"""


def main():
    url, hz, expect, work = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    keep = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    driver = chromium.start(work, hz, extra=["--use-fake-ui-for-media-stream"])
    out = {}
    try:
        driver.get(url)
        js = driver.execute_script

        # The echo test returns the page's own tone, which an echo canceller rightly removes.
        js("""const devices = navigator.mediaDevices, original = devices.getUserMedia.bind(devices);
              devices.getUserMedia = c => original({...c, audio: {echoCancellation: false, autoGainControl: false,
                                                                  noiseSuppression: false}});""")
        driver.find_element(By.ID, "call").click()
        state = lambda: js("return document.body.dataset.state")
        out["answered"] = chromium.wait(lambda: state() if state() in ("active", "failed", "ended") else None)
        answered_at = time.time()
        readings, deadline = [], time.time() + 10
        while time.time() < deadline:
            reading = js(ANALYSE)
            if reading:
                readings = (readings + [reading])[-5:]
                if len(readings) == 5 and all(abs(r["frequency"] - expect) < 15 for r in readings):
                    break
            time.sleep(0.1)
        if readings:
            out.update(sorted(readings, key=lambda r: r["dbfs"])[len(readings) // 2])
        out["candidate"] = js(CANDIDATE)
        time.sleep(max(0, answered_at + keep - time.time()))
        driver.find_element(By.ID, "hangup").click()
        out["after"] = chromium.wait(lambda: state() if state() in ("ended", "failed") else None, 10)
        out["status"] = js("return document.getElementById('state').textContent")
        out["log"] = js("return document.getElementById('log').textContent")
    except Exception as e:  # the test reports it
        out["error"] = str(e)
    finally:
        driver.quit()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
