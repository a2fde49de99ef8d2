"""`make demo`: the whole system in a browser, recorded to docs/demo.webm.

Two people in headless Chromium (Debian's, driven by Playwright) use the web client of a real
`hubbub serve`: start, register, chat live with typing and presence, the history after a
reload, the assistant's advice and an autoreply, the metrics, then a graceful shutdown (SIGTERM:
sockets closed with 1012, exit 0) and a restart that loses nothing.

Playwright's own video needs an ffmpeg build it downloads, which cannot be had here: frames come
from Chromium's screencast (DevTools protocol) instead, and Debian's ffmpeg puts the two people
side by side into a VP9 WebM (and a short GIF for the README). Grafana cannot run here; the
metrics are shown as hubbub serves them.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tests" / "browser"))

import e2e_server  # noqa: E402
from e2e_server import ServerProcess  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from web_ui import Person  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 800, "height": 640}
FPS = 10
OUT = REPO / "docs"
PAUSE_MS = 1_400  # let a viewer read each step


@dataclass
class Recorder:
    """One page's screencast: JPEG frames with Chromium's timestamps."""

    page: Page
    directory: Path
    frames: list[tuple[float, Path]] = field(default_factory=list)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.session = self.page.context.new_cdp_session(self.page)
        self.session.on("Page.screencastFrame", self._frame)
        self.session.send(
            "Page.startScreencast",
            {"format": "jpeg", "quality": 85, "everyNthFrame": 1, **self._size()},
        )

    def _size(self) -> dict[str, int]:
        return {"maxWidth": VIEWPORT["width"], "maxHeight": VIEWPORT["height"]}

    def _frame(self, event: dict[str, Any]) -> None:
        path = self.directory / f"{len(self.frames):05d}.jpg"
        path.write_bytes(base64.b64decode(event["data"]))
        self.frames.append((float(event["metadata"]["timestamp"]), path))
        self.session.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})

    def stop(self) -> None:
        self.session.send("Page.stopScreencast")

    def concat_list(self, start: float, end: float) -> Path:
        """An ffmpeg concat list holding each frame until the next (from `start` to `end`)."""
        lines = []
        frames = sorted(self.frames)
        for index, (stamp, path) in enumerate(frames):
            begin = start if index == 0 else stamp
            until = frames[index + 1][0] if index + 1 < len(frames) else end
            lines += [f"file '{path}'", f"duration {max(until - begin, 0.001):.3f}"]
        lines.append(f"file '{frames[-1][1]}'")
        listing = self.directory / "frames.txt"
        listing.write_text("\n".join(lines) + "\n")
        return listing


def caption(page: Page, text: str) -> None:
    """A caption bar over the page (the demo's narration)."""
    page.evaluate(
        """text => {
            let bar = document.getElementById('demo-caption');
            if (!bar) {
                bar = document.createElement('div');
                bar.id = 'demo-caption';
                Object.assign(bar.style, {position: 'fixed', left: '0', right: '0', bottom: '0',
                    zIndex: '99999', padding: '10px 14px', font: '600 16px system-ui, sans-serif',
                    color: '#fff', background: 'rgba(20, 24, 40, 0.86)', pointerEvents: 'none'});
                document.body.appendChild(bar);
            }
            bar.textContent = text;
            bar.style.display = text ? 'block' : 'none';
        }""",
        text,
    )


def narrate(people: list[Person], *texts: str) -> None:
    for person, text in zip(people, texts, strict=True):
        caption(person.page, text)
    people[0].page.wait_for_timeout(PAUSE_MS)


def title_card(page: Page, heading: str, lines: list[str]) -> None:
    body = "".join(f"<p>{line}</p>" for line in lines)
    page.set_content(
        "<body style='margin:0;height:100vh;display:flex;flex-direction:column;"
        "justify-content:center;padding:40px;box-sizing:border-box;background:#141828;"
        "color:#e8ecff;font:18px system-ui,sans-serif'>"
        f"<h1 style='font-size:34px;margin:0 0 18px'>{heading}</h1>"
        f"<div style='font-family:monospace;font-size:15px;color:#b9c3ff'>{body}</div></body>"
    )


def scenario(alice: Person, bob: Person, server: ServerProcess) -> None:
    both = [alice, bob]
    listening = server.log_tail(5).splitlines()
    start_line = next((line for line in listening if "listening on" in line), "")
    for person in both:
        title_card(
            person.page,
            "hubbub",
            ["$ hubbub serve", start_line.split("  web client")[0], "one process, nothing else"],
        )
    both[0].page.wait_for_timeout(2 * PAUSE_MS)

    alice.register()
    bob.register()
    narrate(both, "Alice registers", "Bob registers (another browser)")

    alice.open_direct_chat(bob)
    narrate(both, "Alice finds Bob by username", "Bob is online")
    alice.send("Hi Bob! Are we still on for tonight?")
    expect(bob.chat_item("Alice Martin")).to_be_visible()
    bob.open_chat("Alice Martin")
    expect(bob.messages("Hi Bob! Are we still on for tonight?")).to_have_count(1)
    expect(bob.chat_item("Alice Martin").locator(".presence.online")).to_be_visible()
    narrate(both, "Sent: delivered live over WebSocket", "Received at once; Alice is online")

    bob.composer.press_sequentially("Yes! See you at 7 ", delay=60)
    expect(alice.page.locator(".typing-line")).to_have_text("Bob Chen is typing…")
    narrate(both, "Bob is typing…", "Typing")
    bob.composer.press("Enter")
    expect(alice.messages("Yes! See you at 7")).to_have_count(1)
    narrate(both, "Read receipts and unread counts follow", "Sent")

    bob.page.reload()
    bob.open_chat("Alice Martin")
    expect(bob.all_messages()).to_have_count(2)
    narrate(both, "", "History survives a reload")

    alice.page.get_by_role("button", name="AI assistant").click()
    alice.page.get_by_role("switch", name="Advice").check()
    narrate(both, "Alice lets the assistant advise her (privately)", "")
    bob.send("Sorry, running 15 minutes late")
    expect(alice.page.locator(".advice")).to_have_count(1, timeout=30_000)
    narrate(both, "The offline model advises Alice, with a suggested reply", "Only Alice sees it")
    alice.page.get_by_role("button", name="Close the AI panel").click()

    bob.page.get_by_role("button", name="AI assistant").click()
    bob.page.get_by_role("switch", name="Auto-reply").check()
    bob.page.get_by_role("button", name="Close the AI panel").click()
    narrate(both, "", "Bob lets the assistant answer for him")
    alice.send("No worries! Thank you so much for getting the tickets!")
    expect(alice.page.locator(".message-list li.msg.ai")).to_have_count(1, timeout=30_000)
    narrate(both, "An autoreply, marked as written by the AI", "The assistant answered in his name")

    bob.page.goto("/metrics")
    narrate(both, "", "/metrics for Prometheus (Grafana: deploy/grafana)")
    wanted = ("hubbub_messages_sent_total ", "hubbub_ws_connections ", "hubbub_assistant_jobs")
    lines = [line for line in bob.page.inner_text("pre").splitlines() if line.startswith(wanted)]
    title_card(bob.page, "GET /metrics", lines[:8])
    narrate(both, "", "Messages stored, sockets open, assistant jobs")
    bob.page.goto("/")
    bob.open_chat("Alice Martin")

    started = time.monotonic()
    server.terminate()
    code = server.wait(30)
    stopped = time.monotonic() - started
    narrate(
        both,
        f"SIGTERM: sockets closed with 1012, exit {code} after {stopped:.1f} s",
        "The client waits to reconnect",
    )
    alice.send("Sent while the server is down")
    narrate(both, "Alice writes anyway: pending", "")
    server.start()
    expect(bob.messages("Sent while the server is down")).to_have_count(1, timeout=30_000)
    narrate(both, "Back: delivered exactly once", "Nothing lost")


def main() -> None:
    e2e_server.START_TIMEOUT = 120  # a busy machine (the model loads at start) may be slow
    ffmpeg = shutil.which("ffmpeg")
    if not Path(CHROMIUM).exists() or ffmpeg is None:
        sys.exit("make demo needs Debian's chromium and ffmpeg: apt-get install chromium ffmpeg")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = ServerProcess(work / "data", keep_port=True)
        server.start()
        try:
            recorders = record(server, work)
        finally:
            server.stop()
        encode(ffmpeg, recorders, work)


def record(server: ServerProcess, work: Path) -> list[Recorder]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        people, recorders = [], []
        for name, display in (("alice", "Alice Martin"), ("bob", "Bob Chen")):
            context = browser.new_context(
                base_url=server.base_url, viewport=VIEWPORT, locale="en-GB"
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            recorder = Recorder(page, work / name)
            recorder.start()
            recorders.append(recorder)
            people.append(Person(page, f"{name}_{int(time.time()) % 100000}", display))
        scenario(people[0], people[1], server)
        people[0].page.wait_for_timeout(PAUSE_MS)
        for recorder in recorders:
            recorder.stop()
        browser.close()
    return recorders


def encode(ffmpeg: str, recorders: list[Recorder], work: Path) -> None:
    start = min(r.frames[0][0] for r in recorders)
    end = max(r.frames[-1][0] for r in recorders) + 1.0
    inputs = []
    for recorder in recorders:
        inputs += ["-f", "concat", "-safe", "0", "-i", str(recorder.concat_list(start, end))]
    scale = f"fps={FPS},scale={VIEWPORT['width']}:{VIEWPORT['height']},setsar=1"
    side_by_side = f"[0:v]{scale}[a];[1:v]{scale}[b];[a][b]hstack=inputs=2,format=yuv420p"
    OUT.mkdir(exist_ok=True)
    webm = OUT / "demo.webm"
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            *inputs,
            "-filter_complex",
            side_by_side,
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "42",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            str(webm),
        ],
        check=True,
    )
    gif = OUT / "demo.gif"
    palette = work / "palette.png"
    small = "fps=4,scale=800:-1:flags=lanczos"
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(webm),
            "-vf",
            f"{small},palettegen=max_colors=96",
            str(palette),
        ],
        check=True,
    )
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(webm),
            "-i",
            str(palette),
            "-lavfi",
            f"{small}[x];[x][1:v]paletteuse=dither=bayer",
            str(gif),
        ],
        check=True,
    )
    seconds = end - start
    summary = {
        "seconds": round(seconds, 1),
        "webm_kb": webm.stat().st_size // 1024,
        "gif_kb": gif.stat().st_size // 1024,
    }
    print(f"{webm} and {gif}: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
