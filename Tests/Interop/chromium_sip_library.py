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
  {"cmd":"restart_ice"}                              -> {"ok", "before", "after": the far end's ICE ufrag} (re-INVITE, iceRestart)
  {"cmd":"hangup"}                                   -> {"state": once ended}
  {"cmd":"tone","expect":Hz,"seconds":S}             -> {"frequency","dbfs"}: five readings 100 ms apart all within
                                                        15 Hz of Hz, else the median of the last five after S seconds
  {"cmd":"tone","below":dBFS,"seconds":S}            -> the same, for five readings quieter than dBFS
  {"cmd":"digits","count":N,"seconds":S}             -> {"heard": digits detected in the remote audio,
                                                        "info": digits by SIP INFO} once N arrived or after S
Chromium is stopped (with its driver) when stdin closes.
Usage: chromium_sip_library.py URL TONE_HZ WORKDIR"""
import json
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import chromium  # noqa: E402


def main():
    url, hz, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    driver = chromium.start(work, hz, extra=["--use-fake-ui-for-media-stream"])
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
                elif c == "restart_ice":
                    out = awaited("t.restartIce()")
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
