"""Headless Chromium driving Tandem's web phone, for the end-to-end tests: a fake microphone playing a
tone WAV (TONE_HZ), the page loaded from Tandem, and the page's own controls clicked by selenium.
Speaks JSON lines. Commands on stdin, one reply each:
  {"cmd":"register","user":U,"password":P}   -> {"status": text on the page, "ok": bool}
  {"cmd":"dial","to":D}                        -> {"state": call state once answered or failed, "error": ...}
                       (with "wait": false, once it rings)
  {"cmd":"hold"}                               -> {"state": "held" or "active" after the Hold button}
  {"cmd":"wait_incoming"} / {"cmd":"answer"}   -> {"state": ...}
  {"cmd":"tone","seconds":S}                   -> {"frequency": Hz, "dbfs": level} of the remote audio (page analyser),
                                                  the median of five readings after S seconds
  {"cmd":"tone","expect":Hz,"seconds":S}       -> the same once five readings in a row are within 15 Hz of Hz,
                                                  or the last five after S seconds
  {"cmd":"tone","below":dBFS,"seconds":S}      -> the same once five readings in a row are quieter than dBFS
  {"cmd":"raw_microphone"}                     -> {"ok": true}; later calls capture without echo cancellation,
                                                  gain control or noise suppression (an echo test hears its
                                                  own tone, which a canceller rightly takes for echo)
  {"cmd":"relay_only"}                         -> {"ok": true}; later peer connections use TURN relays only
  {"cmd":"candidate"}                          -> {"candidate": the call's selected local candidate type (host, relay)}
  {"cmd":"keys","digits":"123#"}               -> {"pressed": "123#"}   (keypad buttons, RTCDTMFSender)
  {"cmd":"hangup"} / {"cmd":"wait_idle"}       -> {"state": ..., "error": page message}
  {"cmd":"screenshot","path":F}                -> {"saved": F}
  {"cmd":"mute"}                               -> {"button": its label after the click}
  {"cmd":"wait_status","contains":T}           -> {"status": the registration line once it contains T}
  {"cmd":"drop_socket"}                        -> closes the page's WebSocket under it
Chromium is stopped (with its driver) when stdin closes.
With `deny-microphone` the browser refuses the page the microphone, as a person clicking "Block" would.
Usage: chromium_phone.py URL TONE_HZ WORKDIR [deny-microphone]"""
import json
import sys
import time

from selenium.webdriver.common.by import By

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import chromium  # noqa: E402


def main():
    url, hz, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    deny_microphone = len(sys.argv) > 4 and sys.argv[4] == "deny-microphone"
    permission = ["--deny-permission-prompts"] if deny_microphone else ["--use-fake-ui-for-media-stream"]
    driver = chromium.start(work, hz, extra=permission + ["--window-size=900,1400"])
    try:
        driver.get(url)
        print(json.dumps({"type": "ready", "title": driver.title}), flush=True)
        js = driver.execute_script

        def state():
            return js("return document.body.dataset.state")

        wait = chromium.wait

        def page_error():
            return js("return document.getElementById('error').hidden ? '' : document.getElementById('error').textContent")

        def listen(seconds, wanted):
            """Five analyser readings 100 ms apart: as soon as all five are `wanted`, else the last five after
            `seconds` (the median by level, and the five)."""
            deadline = time.time() + seconds
            readings = []
            while True:
                readings = (readings + [js("return window.tandemPhone.remoteTone()")])[-5:]
                settled = wanted is not None and len(readings) == 5 and all(wanted(r) for r in readings)
                if settled or (time.time() >= deadline and len(readings) == 5):
                    break
                time.sleep(0.1)
            middle = sorted(readings, key=lambda r: r["dbfs"])[2]
            return dict(middle, readings=readings)

        for line in sys.stdin:
            cmd = json.loads(line)
            c = cmd["cmd"]
            try:
                if c == "register":
                    driver.find_element(By.ID, "user").send_keys(cmd["user"])
                    driver.find_element(By.ID, "password").send_keys(cmd["password"])
                    driver.find_element(By.ID, "register").click()
                    ok = wait(lambda: js("return document.getElementById('status').className") in ("ok", "bad"))
                    out = {"status": js("return document.getElementById('status').textContent"),
                           "ok": js("return document.getElementById('status').className") == "ok" if ok else False}
                elif c == "dial":
                    driver.find_element(By.ID, "dial").clear()
                    driver.find_element(By.ID, "dial").send_keys(cmd["to"])
                    driver.find_element(By.ID, "call").click()
                    if cmd.get("wait", True):
                        wait(lambda: state() == "active" or page_error())
                    else:
                        wait(lambda: state() in ("ringing", "early"))
                    out = {"state": state(), "error": page_error()}
                elif c == "wait_incoming":
                    out = {"state": wait(lambda: state() == "incoming" and state()) or state(),
                           "caller": js("return document.getElementById('caller').textContent")}
                elif c == "answer":
                    driver.find_element(By.ID, "answer").click()
                    wait(lambda: state() == "active")
                    out = {"state": state(), "error": page_error()}
                elif c == "tone":
                    expect, below = cmd.get("expect"), cmd.get("below")
                    if expect is not None:
                        out = listen(cmd.get("seconds", 1.5), lambda r: abs(r["frequency"] - expect) < 15)
                    elif below is not None:
                        out = listen(cmd.get("seconds", 1.5), lambda r: r["dbfs"] < below)
                    else:
                        out = listen(cmd.get("seconds", 1.5), None)
                elif c == "raw_microphone":
                    js("""const devices = navigator.mediaDevices, original = devices.getUserMedia.bind(devices);
                          devices.getUserMedia = c => original({...c, audio: {echoCancellation: false,
                              autoGainControl: false, noiseSuppression: false}});""")
                    out = {"ok": True}
                elif c == "relay_only":
                    js("""const Original = window.RTCPeerConnection;
                          window.RTCPeerConnection = function (config) { return new Original({...config, iceTransportPolicy: "relay"}); };""")
                    out = {"ok": True}
                elif c == "candidate":
                    out = {"candidate": js("""return (async () => {
                        const stats = await window.tandemPhone.call.pc.getStats();
                        let type = null;
                        stats.forEach(r => { if (r.type === "transport" && r.selectedCandidatePairId)
                            type = stats.get(stats.get(r.selectedCandidatePairId).localCandidateId).candidateType; });
                        return type; })();""")}
                elif c == "keys":
                    for digit in cmd["digits"]:
                        driver.find_element(By.XPATH, f"//div[@id='keypad']/button[text()='{digit}']").click()
                        time.sleep(0.25)
                    out = {"pressed": cmd["digits"]}
                elif c == "hangup":
                    driver.find_element(By.ID, "hangup").click()
                    wait(lambda: state() == "idle")
                    out = {"state": state(), "error": page_error()}
                elif c == "hold":
                    before = state()
                    driver.find_element(By.ID, "hold").click()
                    wait(lambda: state() != before)
                    out = {"state": state(), "error": page_error()}
                elif c == "mute":
                    driver.find_element(By.ID, "mute").click()
                    out = {"button": driver.find_element(By.ID, "mute").text}
                elif c == "drop_socket":
                    # What a proxy or NAT timing out does: the connection just goes away.
                    js("window.tandemPhone.ua.ws.close()")
                    out = {"dropped": True}
                elif c == "wait_status":
                    wait(lambda: cmd["contains"] in js("return document.getElementById('status').textContent"))
                    out = {"status": js("return document.getElementById('status').textContent")}
                elif c == "wait_idle":
                    out = {"state": wait(lambda: state() == "idle" and state()) or state(), "error": page_error()}
                elif c == "screenshot":
                    driver.save_screenshot(cmd["path"])
                    out = {"saved": cmd["path"]}
                else:
                    out = {"error": f"unknown command {c}"}
            except Exception as e:  # report, do not die: the test reads the error
                out = {"error": repr(e)}
            print(json.dumps({"type": "reply", **out}), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
