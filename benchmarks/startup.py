"""Cold start: ``python app.py`` to the first HTTP 200, against a bare Gradio Blocks with 17 tabs.

    python -m benchmarks.startup [--runs 3]

Both are started as fresh processes on free localhost ports, alternately, and timed from
process start to the first 200 on "/". Target: the app within 1.3x of the bare Blocks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests._server import free_port

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3
BARE_APP = """
import sys
import gradio as gr
with gr.Blocks() as demo:
    with gr.Tabs():
        for i in range(17):
            with gr.Tab(f"{i + 1:02d} lesson"):
                gr.Markdown("a lesson")
demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]))
"""


def time_to_200(cmd: list[str], port: int, timeout_s: float = 120.0) -> float:
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout_s:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{cmd} did not answer within {timeout_s} s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run(runs: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP)
        ours, base = [], []
        for _ in range(runs):
            port = free_port()
            base.append(time_to_200([sys.executable, str(bare), str(port)], port))
            port = free_port()
            ours.append(time_to_200([sys.executable, "app.py", "--port", str(port)], port))
    result = {"app_s": statistics.median(ours), "bare_s": statistics.median(base)}
    result["ratio"] = result["app_s"] / result["bare_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    r = run(args.runs)
    print(f"cold start to first HTTP 200 (median of {args.runs}, alternating):")
    print(f"  bare Blocks, 17 tabs   {r['bare_s']:.2f} s")
    print(f"  Speech & Audio Lab     {r['app_s']:.2f} s")
    verdict = "within" if r["ratio"] <= TARGET_RATIO else "OVER"
    print(f"  ratio                  {r['ratio']:.2f}x ({verdict} the {TARGET_RATIO}x target)")


if __name__ == "__main__":
    main()
