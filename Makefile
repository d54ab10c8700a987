# Gated fine-tuning workbench. `make help` lists the targets. Every target is one command; the logic
# lives in scripts/ and the Python packages. Stage targets depend on the previous stage's output file.

DOMAIN  ?= luanti
# DOMAIN is a registered name or the path of a spec file (docs/own-domain.md): its outputs go under the
# file's stem, which the spec loader holds equal to the spec's `name`
DOMAIN_NAME := $(basename $(notdir $(DOMAIN)))
MODEL   ?=
STACK   ?= cpu
DATA    ?=
TRAIN_DATA ?=
RUN     ?= $(DOMAIN_NAME)-lora
CONFIG  ?= training/smollm2-135m_$(DOMAIN_NAME)_lora.yaml
SPECIALIST ?=
ADAPTER ?=
SCALE   ?= 1.0
DEMO    ?=
ARGS    ?=
PYTHON  ?= python3

VENV    := .venv
PY      := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.ready-$(STACK)
RESULTS := results/$(DOMAIN_NAME)
GATE_A  := $(RESULTS)/gate_a.json
RUN_DIR := adapters/$(DOMAIN_NAME)/$(RUN)
MODEL_ARG := $(if $(MODEL),--model $(MODEL),)
DATA_ARG := $(if $(DATA),--data $(DATA),)
TRAIN_ARG := $(if $(TRAIN_DATA),--train $(TRAIN_DATA),)
ADAPTER_ARG := $(if $(ADAPTER),--adapter $(ADAPTER) --scale $(SCALE),)

export DOMAIN STACK HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1

.DEFAULT_GOAL := help
.PHONY: help env gate-a data baseline train gate-d gate-e demo test bench report clean check-refs audit serve chat export teacher llama-cpp bench-serve prefs judge

## help: list the targets and the variables they take
help:
	@sed -n 's/^## \([a-z-]*\): /\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "Variables: DOMAIN=$(DOMAIN) MODEL=$(or $(MODEL),embedded) STACK=$(STACK) RUN=$(RUN) DATA=<eval jsonl> TRAIN_DATA=<jsonl>"
	@echo "           CONFIG=$(CONFIG) SPECIALIST=<mcp specialist> ARGS=\"<extra flags for the script>\""
	@echo "           ADAPTER=<adapter or checkpoint folder> SCALE=$(SCALE) (serve, chat, export)"
	@echo "           DEMO=<profile> (demo: another training config of the domain's demo, e.g. long, plus a held-out check)"

## env: create .venv from the lock file of STACK (cpu|gpu); a no-op when it is up to date
env: $(ENV_STAMP)
$(ENV_STAMP): env/$(STACK).lock env/embedded.lock env/pip.lock scripts/bootstrap.sh
	PYTHON=$(PYTHON) bash scripts/bootstrap.sh $(STACK)
	@touch $@

## gate-a: gate A, assert Python, locked packages, accelerator, disk/RAM, model, toolchains, data
gate-a: $(ENV_STAMP)
	$(PY) env/gate_a.py --domain $(DOMAIN) --stack $(STACK) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

$(GATE_A): $(ENV_STAMP)
	$(PY) env/gate_a.py --domain $(DOMAIN) --stack $(STACK) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG)

## data: rebuild the domain's shipped data set (Luanti needs Debian's minetest-data; says so if missing)
data: $(ENV_STAMP)
	$(PY) scripts/build_data.py --domain $(DOMAIN) $(ARGS)

## check-refs: score the gold answers of DATA (default: the shipped train and eval) with the validator: gold ceiling N/M, every failure
check-refs: $(ENV_STAMP)
	$(PY) scripts/check_references.py --domain $(DOMAIN) $(DATA_ARG) $(ARGS)

## audit: the data audit alone: items, duplicates, train/eval overlap by class, gold ceiling, schema warnings
audit: $(ENV_STAMP)
	$(PY) scripts/audit.py --domain $(DOMAIN) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

## baseline: gate B, data audit then n samples per item from MODEL, unbiased pass@k per family
baseline: $(GATE_A)
	$(PY) scripts/baseline.py --domain $(DOMAIN) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

## train: gate C, LoRA/QLoRA SFT with checkpoints under adapters/DOMAIN/RUN (resumes if killed)
train: $(GATE_A)
	$(PY) scripts/train.py --config $(CONFIG) $(MODEL_ARG) --output $(RUN_DIR) $(if $(SPECIALIST),--specialist $(SPECIALIST),) $(TRAIN_ARG) $(ARGS)

## prefs: validator-made DPO pairs from the SFT run RUN: n samples per training prompt, scored, paired (resumable)
prefs: $(GATE_A)
	$(PY) scripts/prefs.py --domain $(DOMAIN) $(MODEL_ARG) --run $(RUN) $(TRAIN_ARG) $(ARGS)

## gate-d: every checkpoint of RUN x adapter scales 0.25/0.5/1.0, summary table and heatmap
gate-d: $(GATE_A)
	$(PY) scripts/gate_d.py --domain $(DOMAIN) $(MODEL_ARG) --run $(RUN) $(DATA_ARG) $(ARGS)

## gate-e: decision, best checkpoint x scale vs baseline, +15pp on pass@k (exit 0 PROCEED, 3 ADJUST)
gate-e:
	$(PY) scripts/gate_e.py --domain $(DOMAIN) $(MODEL_ARG) --run $(RUN) $(ARGS)

## demo: gates A to E on the embedded model, Luanti domain (DOMAIN=mcp_tools: the MCP demo), CPU only (12 min measured on 2 cores with native bf16; 35 min on 2 AVX2 cores in fp32 with the earlier config of the same tokens); DEMO=long: 3.8x the training, then a held-out check (50 min with native bf16)
demo: $(ENV_STAMP)
	$(PY) scripts/demo.py --domain $(DOMAIN) $(if $(DEMO),--profile $(DEMO),) $(ARGS)

## test: the test suite (installs the venv and the system packages it needs first)
test: $(ENV_STAMP)
	bash scripts/sysdeps.sh ensure
	$(PY) -m pytest tests -q $(ARGS)

## bench: generation and training throughput vs the seeds' methods, side by side, in the precision auto picks, vs its matmul ceiling
bench: $(ENV_STAMP)
	$(PY) bench/run.py $(ARGS)

## bench-serve: make serve's tokens/s from outside (openai client, 127.0.0.1): one request at a time, several at once, n>1
bench-serve: $(ENV_STAMP)
	$(PY) bench/bench_serve.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## report: one Markdown report of DOMAIN/RUN with pictures: loss curve, pass@k against k, families, gate D heatmap
report: $(ENV_STAMP)
	$(PY) scripts/report.py --domain $(DOMAIN) $(MODEL_ARG) --run $(RUN) $(ARGS)

## serve: OpenAI-compatible server on 127.0.0.1:8000/v1 for MODEL + ADAPTER at SCALE (GPU: ARGS="--backend vllm")
serve: $(ENV_STAMP)
	$(PY) scripts/serve.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## chat: terminal chat with MODEL + ADAPTER, the verdict after each answer: levels passed, stated facts met (/reset /scale /base /multi /single)
chat: $(ENV_STAMP)
	$(PY) scripts/chat.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## export: merged safetensors + GGUF f16/q8_0 (llama.cpp's converter) + Ollama Modelfile + model card, checked
export: $(ENV_STAMP)
	$(PY) scripts/export.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## llama-cpp: optional, compile llama-cpp-python from env/llama_cpp.lock (~5 min, 2 cores) so export checks GGUFs in llama.cpp
llama-cpp: $(ENV_STAMP)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(PY) -m pip install --no-deps --no-binary :all: --require-hashes -r env/llama_cpp.lock

## teacher: new DOMAIN items from an OpenAI-compatible teacher, validated + deduplicated (ARGS="--base-url U --model M --count N")
teacher: $(ENV_STAMP)
	$(PY) scripts/teacher.py --domain $(DOMAIN) $(ARGS)

## judge: optional vision-model rating of a run's pictures, its own number (ARGS="--results R --judge-url U --judge-model M")
judge: $(ENV_STAMP)
	$(PY) scripts/judge.py $(ARGS)

## clean: remove results/ and adapters/ outputs (keeps .venv and .cache)
clean:
	rm -rf results adapters/*/
