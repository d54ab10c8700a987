"""After the verdict: serve the model over an OpenAI-compatible HTTP API, or chat with it in a terminal.

engine.py: the model (base + adapter at a scale) through eval.backends, concurrent requests decoded in one
continuous batch;
api.py: the FastAPI routes; chat.py: the terminal chat; vllm.py: the GPU server command.
"""
