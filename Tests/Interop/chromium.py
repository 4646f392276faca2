"""Headless Chromium for the interop tests: a fake microphone playing a TONE_HZ sine from a WAV file,
loopback WebRTC allowed, autoplay on, and a profile of its own under WORKDIR."""
import math
import os
import struct
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


def start(work, hz, extra=()):
    """Chromium under selenium, its microphone playing `hz`; `extra` flags are added to the usual."""
    os.makedirs(work, exist_ok=True)
    tone = os.path.join(work, "tone.wav")
    write_tone(tone, hz)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/lib/chromium/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", *extra,
                 "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={tone}",
                 "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={os.path.join(work, 'profile')}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver", log_output=os.path.join(work, "chromedriver.log")),
                            options=options)


def wait(condition, seconds=20):
    """The first truthy value of `condition()`, polled every 100 ms for at most `seconds`; else None."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return None
