"""Headless Chromium on a page that runs a real browser SIP library (JsSIP or SIP.js: the page's
?lib=), for the interop tests. The page is Tests/Interop/sip-library-page/, served by Tandem with the
library bundle beside it; its microphone is a fake device playing a TONE_HZ tone.
Speaks JSON lines; commands on stdin, one reply each ({"type":"reply",...}):
  {"cmd":"register","ws":URL,"user":U,"password":P}  -> {"ok": bool, "status": SIP status when refused}
  {"cmd":"call","to":D}                              -> {"state": once active or ended, "status", "cause"}
  {"cmd":"wait","state":S,"seconds":N}               -> {"state", "caller", "status", "cause"} once the call is in S
  {"cmd":"answer"}                                   -> {"state": once active}
  {"cmd":"dtmf","digits":"123#"}                     -> {"sent": digits}   (RTCDTMFSender, 100 ms tones, 70 ms gaps)
  {"cmd":"hold"} / {"cmd":"unhold"}                  -> {"ok", "direction": the far end's answered direction}
  {"cmd":"hangup"}                                   -> {"state": once ended}
  {"cmd":"tone","expect":Hz,"seconds":S}             -> {"frequency","dbfs"}: five readings 100 ms apart all within
                                                        15 Hz of Hz, else the median of the last five after S seconds
  {"cmd":"tone","below":dBFS,"seconds":S}            -> the same, for five readings quieter than dBFS
  {"cmd":"digits","count":N,"seconds":S}             -> {"heard": digits detected in the remote audio,
                                                        "info": digits by SIP INFO} once N arrived or after S
Chromium is stopped (with its driver) when stdin closes.
Usage: chromium_sip_library.py URL TONE_HZ WORKDIR"""
import json
import math
import os
import struct
import sys
import time
import wave

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def write_tone(path, hz, seconds=60, rate=48000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(0.3 * 32767 * math.sin(2 * math.pi * hz * i / rate)))
                               for i in range(int(seconds * rate))))


def main():
    url, hz, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    tone = os.path.join(work, "tone.wav")
    write_tone(tone, hz)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/lib/chromium/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={tone}",
                 "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={os.path.join(work, 'profile')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver", log_output=os.path.join(work, "chromedriver.log")),
                              options=options)
    driver.set_script_timeout(30)
    try:
        driver.get(url)
        js = driver.execute_script
        print(json.dumps({"type": "ready", "library": js("return window.t && window.t.ready")}), flush=True)

        def wait(condition, seconds=20):
            deadline = time.time() + seconds
            while True:
                value = condition()
                if value or time.time() >= deadline:
                    return value
                time.sleep(0.05)

        def call_state():
            return js("return {state: t.state, caller: t.caller, status: t.status, cause: t.endCause}")

        def listen(seconds, wanted):
            deadline = time.time() + seconds
            readings = []
            while True:
                readings = (readings + [js("return t.tone()")])[-5:]
                if (len(readings) == 5 and all(wanted(r) for r in readings)) or (time.time() >= deadline and len(readings) == 5):
                    break
                time.sleep(0.1)
            return dict(sorted(readings, key=lambda r: r["dbfs"])[2], readings=readings)

        def awaited(expression):
            return driver.execute_async_script(f"const done = arguments[arguments.length - 1]; ({expression}).then(done)")

        for line in sys.stdin:
            cmd = json.loads(line)
            c = cmd["cmd"]
            try:
                if c == "register":
                    out = awaited(f"t.register({json.dumps(cmd['ws'])}, {json.dumps(cmd['user'])}, {json.dumps(cmd['password'])})")
                elif c == "call":
                    js(f"t.call({json.dumps(cmd['to'])})")
                    wait(lambda: js("return t.state") in ("active", "ended"), cmd.get("seconds", 20))
                    out = call_state()
                elif c == "wait":
                    wait(lambda: js("return t.state") == cmd["state"], cmd.get("seconds", 20))
                    out = call_state()
                elif c == "answer":
                    js("t.answer()")
                    wait(lambda: js("return t.state") in ("active", "ended"))
                    out = call_state()
                elif c == "dtmf":
                    js(f"t.dtmf({json.dumps(cmd['digits'])})")
                    out = {"sent": cmd["digits"]}
                elif c in ("hold", "unhold"):
                    out = awaited(f"t.{c}()")
                elif c == "hangup":
                    js("t.hangup()")
                    wait(lambda: js("return t.state") == "ended")
                    out = call_state()
                elif c == "tone":
                    if "expect" in cmd:
                        out = listen(cmd.get("seconds", 3), lambda r: abs(r["frequency"] - cmd["expect"]) < 15)
                    else:
                        out = listen(cmd.get("seconds", 3), lambda r: r["dbfs"] < cmd["below"])
                elif c == "digits":
                    wait(lambda: len(js("return t.heardDigits + t.infoDigits")) >= cmd["count"], cmd.get("seconds", 10))
                    out = js("return {heard: t.heardDigits, info: t.infoDigits}")
                else:
                    out = {"error": f"unknown command {c}"}
            except Exception as e:  # report, do not die: the test reads the error
                out = {"error": repr(e)}
            print(json.dumps({"type": "reply", **out}), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
