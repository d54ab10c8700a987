"""Gate C: LoRA/QLoRA supervised fine-tuning (config, data, backends, trainer, callbacks)."""
