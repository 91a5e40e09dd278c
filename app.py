"""Speech & Audio Lab: one Gradio app, one tab per lesson.

Builds the Blocks from ``demos.LESSONS`` and launches. Importing this module loads no model and
does no work beyond building the UI; engines load on first use.

    python app.py                 # http://127.0.0.1:7860
    python app.py --port 7861 --share
"""

from __future__ import annotations

import argparse
import os

import gradio as gr

from demos import LESSONS

TITLE = "Speech & Audio Lab"
INTRO = (
    "# Speech & Audio Lab\n"
    "Hear how speech and audio AI works: one tab per lesson, each with a from-scratch "
    "implementation next to real engines. Every demo is also an API endpoint "
    "(see *Use via API* at the bottom). Link to a lesson with `?lesson=NN`."
)
# 17 lesson tabs: wrap them onto rows instead of hiding most behind Gradio's "…" overflow menu.
# Gradio decides what overflows by measuring the hidden copy of the tab row, so both rows wrap.
CSS = """
.lesson-tabs > .tab-wrapper { height: auto !important; padding-bottom: 2px; }
.lesson-tabs > .tab-wrapper > .tab-container { flex-wrap: wrap; height: auto !important; row-gap: 2px; }
.lesson-tabs > .tab-wrapper > .tab-container.visually-hidden { width: 100%; }
"""


def tab_id(slug: str) -> str:
    return f"lesson-{slug}"


def select_from_query(request: gr.Request):
    """Deep link: ``?lesson=2`` or ``?lesson=02`` opens that lesson's tab."""
    wanted = (request.query_params.get("lesson") or "").strip() if request else ""
    slugs = {lesson.SLUG for lesson in LESSONS}
    slug = wanted.zfill(2) if wanted.isdigit() else wanted
    return gr.Tabs(selected=tab_id(slug)) if slug in slugs else gr.Tabs()


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE, css=CSS, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs(elem_classes="lesson-tabs") as tabs:
            for lesson in LESSONS:
                with gr.Tab(f"{lesson.SLUG} {lesson.TITLE}", id=tab_id(lesson.SLUG), elem_id=tab_id(lesson.SLUG)):
                    lesson.build()
        demo.load(select_from_query, None, tabs, api_name=False, show_progress="hidden")
    # Queue sized for a 2-vCPU Space: two workers keep both cores busy; the rest wait in line.
    demo.queue(default_concurrency_limit=2, max_size=64)
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="create a public gradio.live link")
    args = parser.parse_args(argv)
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, show_error=False)


demo = build_app()  # module-level `demo`, as Spaces and `gradio app.py` reload mode expect

if __name__ == "__main__":
    main()
