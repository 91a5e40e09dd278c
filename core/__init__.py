"""Speech & Audio Lab core library: numpy/torch in, numpy/dataclasses out. Never imports gradio."""
