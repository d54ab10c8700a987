"""After the verdict: export the model where users run it.

merge.py: the adapter merged into the base (PEFT), saved as safetensors, and the logits check;
gguf.py: llama.cpp's own converter (from the pinned llama-cpp-python sdist) to GGUF f16 / q8_0, and the
greedy check of the GGUF; quantize.py: the k-quants q4_k_m / q5_k_m / q6_k through llama-quantize built from
the same sdist; templates.py: the chat-template families and their checked Go templates; ollama.py: the
Modelfile; card.py: the model card; export.py: the whole `make export`.
"""
