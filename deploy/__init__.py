"""After the verdict: export the model where users run it.

merge.py: the adapter merged into the base (PEFT), saved as safetensors, and the logits check;
gguf.py: llama.cpp's own converter (from the pinned llama-cpp-python sdist) to GGUF f16 / q8_0, and the
greedy check of the GGUF; ollama.py: the Modelfile (TEMPLATE from the model's chat template);
card.py: the model card; export.py: the whole `make export`.
"""
