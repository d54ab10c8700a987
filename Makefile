# Gated fine-tuning workbench. `make help` lists the targets. Every target is one command; the logic
# lives in scripts/ and the Python packages. Stage targets depend on the previous stage's output file.

# The variables a user sets (make help prints each `#> NAME: description` line below).
#> DOMAIN: a registered domain (domains/__init__.py) or a spec file (docs/own-domain.md); default luanti
DOMAIN  ?= luanti
# DOMAIN is a registered name or the path of a spec file (docs/own-domain.md): its outputs go under the
# file's stem, which the spec loader holds equal to the spec's `name`
DOMAIN_NAME := $(basename $(notdir $(DOMAIN)))
#> MODEL: base model: empty = the embedded SmolLM2-135M, else a local folder or a hub id
MODEL   ?=
#> STACK: cpu | gpu, the lock file make env installs (default cpu)
STACK   ?= cpu
#> DATA: eval JSONL (default: the domain's)
DATA    ?=
#> TRAIN_DATA: training JSONL (default: the domain's)
TRAIN_DATA ?=
#> RUN: training run under adapters/DOMAIN/ (train: default DOMAIN-lora; gate-d, gate-e, report, prefs, serve, chat, export: default the newest run, printed)
RUN     ?=
#> CONFIG: training config of make train (default training/smollm2-135m_DOMAIN_lora.yaml)
CONFIG  ?= training/smollm2-135m_$(DOMAIN_NAME)_lora.yaml
#> SPECIALIST: make train DOMAIN=mcp_tools: train one tool specialist
SPECIALIST ?=
#> ADAPTER: serve, chat, export, bench-serve: adapter or checkpoint folder; auto (default) = gate E's pick in RUN, else its newest checkpoint; none = the base alone
ADAPTER ?= auto
#> SCALE: adapter scale 0..2 (default: gate E's pick with ADAPTER=auto, else 1.0)
SCALE   ?=
#> DEMO: make demo: another training config of the domain's demo (e.g. long), plus a held-out check
DEMO    ?=
#> ARGS: extra flags for the target's script, e.g. ARGS="--limit 8"
ARGS    ?=
#> PYTHON: the interpreter make env builds .venv with (default python3)
PYTHON  ?= python3
#> TOOLS: DOMAIN=mcp_tools: the toolset file (default: the shipped one)
TOOLS   ?=
#> ALLOW_DOWNLOAD: 1 lets transformers fetch MODEL from the hub (default 0: offline)
ALLOW_DOWNLOAD ?= 0
#> WB_SKIP_SYSDEPS: 1 runs make test, test-slow or test-all without installing the system packages (their tests are skipped)
WB_SKIP_SYSDEPS ?= 0
#> BENCH_DOMAIN: make bench: generate for this domain's eval prompts instead of the built-in short requests
BENCH_DOMAIN ?=

VENV    := .venv
PY      := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.ready-$(STACK)
RESULTS := results/$(DOMAIN_NAME)
GATE_A  := $(RESULTS)/gate_a.json
RUN_DIR := adapters/$(DOMAIN_NAME)/$(or $(RUN),$(DOMAIN_NAME)-lora)
RUN_ARG := $(if $(RUN),--run $(RUN),)
MODEL_ARG := $(if $(MODEL),--model $(MODEL),)
DATA_ARG := $(if $(DATA),--eval-data $(DATA),)
TRAIN_ARG := $(if $(TRAIN_DATA),--train-data $(TRAIN_DATA),)
ADAPTER_ARG := --adapter $(ADAPTER) $(if $(SCALE),--scale $(SCALE),) $(RUN_ARG)

# One variable per export line: `export A B=1` would hand recipes B='1=' (GNU make takes one assignment).
export DOMAIN
export STACK
export TOOLS
export ALLOW_DOWNLOAD
export WB_SKIP_SYSDEPS
export BENCH_DOMAIN
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PYTHONUNBUFFERED := 1

.DEFAULT_GOAL := help
.PHONY: help env gate-a data baseline train gate-d gate-e demo test test-slow test-all bench report clean check-refs audit serve chat export teacher llama-cpp llama-quantize dry-run bench-serve prefs judge

## help: list the targets and the variables they take
help:
	@sed -n 's/^## \([a-z-]*\): /\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "Variables (make TARGET NAME=value):"
	@sed -n 's/^#> \([A-Z_]*\): /\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{printf "  %-15s %s\n", $$1, $$2}'

## env: create .venv from the lock file of STACK (cpu|gpu); a no-op when it is up to date
env: $(ENV_STAMP)
$(ENV_STAMP): env/$(STACK).lock env/embedded.lock env/pip.lock scripts/bootstrap.sh
	PYTHON=$(PYTHON) bash scripts/bootstrap.sh $(STACK)
	@touch $@

## gate-a: gate A, assert Python, locked packages, accelerator, disk/RAM, model, toolchains, data
# no dependency on the environment: gate A reports a missing or foreign one (STACK=gpu on a CPU machine) instead of installing it
# (STACK=cpu builds the venv first; STACK=gpu on a machine without a GPU only reports what is missing, it installs nothing)
gate-a: $(if $(filter cpu,$(STACK)),$(ENV_STAMP),)
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) env/gate_a.py --domain $(DOMAIN) --stack $(STACK) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

$(GATE_A): $(ENV_STAMP)
	$(PY) env/gate_a.py --domain $(DOMAIN) --stack $(STACK) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG)

## data: rebuild the domain's shipped data set (Luanti needs Debian's minetest-data; says so if missing)
data: $(ENV_STAMP)
	$(PY) scripts/build_data.py --domain $(DOMAIN) $(ARGS)

## check-refs: score the gold answers of DATA (default: the shipped train and eval) with the validator: gold ceiling N/M, every failure
check-refs: $(ENV_STAMP)
	$(PY) scripts/check_references.py --domain $(DOMAIN) $(if $(DATA),--data $(DATA),) $(ARGS)

## audit: the data audit alone: items, duplicates, train/eval overlap by class, gold ceiling, schema warnings
audit: $(ENV_STAMP)
	$(PY) scripts/audit.py --domain $(DOMAIN) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

## baseline: gate B, data audit then n samples per item from MODEL, unbiased pass@k per family
baseline: $(GATE_A)
	$(PY) scripts/baseline.py --domain $(DOMAIN) $(MODEL_ARG) $(DATA_ARG) $(TRAIN_ARG) $(ARGS)

## train: gate C, training (sft, dpo or grpo, as CONFIG says; without CONFIG the domain's default config) into adapters/DOMAIN/RUN (resumes if killed)
train: $(GATE_A)
	$(PY) scripts/train.py $(if $(filter file undefined,$(origin CONFIG)),--domain $(DOMAIN),--config $(CONFIG)) $(MODEL_ARG) --out $(RUN_DIR) $(if $(SPECIALIST),--specialist $(SPECIALIST),) $(TRAIN_ARG) $(ARGS)

## prefs: validator-made DPO pairs from the SFT run RUN: n samples per training prompt, scored, paired (resumable)
prefs: $(GATE_A)
	$(PY) scripts/prefs.py --domain $(DOMAIN) $(MODEL_ARG) $(RUN_ARG) $(TRAIN_ARG) $(ARGS)

## gate-d: every checkpoint of RUN x adapter scales 0.25/0.5/1.0, summary table and heatmap
gate-d: $(GATE_A)
	$(PY) scripts/gate_d.py --domain $(DOMAIN) $(MODEL_ARG) $(RUN_ARG) $(DATA_ARG) $(ARGS)

## gate-e: decision, best checkpoint x scale vs baseline, +15pp on pass@k (exit 0 PROCEED, 3 ADJUST)
gate-e:
	$(PY) scripts/gate_e.py --domain $(DOMAIN) $(MODEL_ARG) $(RUN_ARG) $(ARGS)

## demo: gates A to E on the embedded model, Luanti domain (DOMAIN=mcp_tools: the MCP demo), CPU only (12 min measured on 2 cores with native bf16; 35 min on 2 AVX2 cores in fp32 with the earlier config of the same tokens); DEMO=long: 3.8x the training, then a held-out check (50 min with native bf16)
demo: $(ENV_STAMP)
	$(PY) scripts/demo.py --domain $(DOMAIN) $(if $(DEMO),--profile $(DEMO),) $(ARGS)

## test: the test suite without the tests marked slow (installs the venv and the system packages it needs first)
test: $(ENV_STAMP)
	bash scripts/sysdeps.sh ensure
	$(PY) -m pytest tests -q -m "not slow" $(ARGS)

## test-slow: only the tests marked slow (CI runs make test, then this)
test-slow: $(ENV_STAMP)
	bash scripts/sysdeps.sh ensure
	$(PY) -m pytest tests -q -m slow $(ARGS)

## test-all: the whole suite in one run, slow integration tests included
test-all: $(ENV_STAMP)
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
	$(PY) scripts/report.py --domain $(DOMAIN) $(MODEL_ARG) $(RUN_ARG) $(ARGS)

## serve: OpenAI-compatible server on 127.0.0.1:8000/v1 for MODEL + ADAPTER at SCALE, concurrent requests batched (GPU: ARGS="--backend vllm"; a GGUF: ARGS="--backend llama-cpp --gguf F")
serve: $(ENV_STAMP)
	$(PY) scripts/serve.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## chat: terminal chat with MODEL + ADAPTER, the verdict after each answer: levels passed, stated facts met (/reset /scale /base /multi /single)
chat: $(ENV_STAMP)
	$(PY) scripts/chat.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## export: merged safetensors + GGUF f16/q8_0 (llama.cpp's converter; ARGS="--gguf f16 q4_k_m" after make llama-quantize) + Ollama Modelfile + model card, checked
export: $(ENV_STAMP)
	$(PY) scripts/export.py --domain $(DOMAIN) $(MODEL_ARG) $(ADAPTER_ARG) $(ARGS)

## llama-cpp: optional, compile llama-cpp-python + its [server] wheels from env/llama_cpp.lock (~10 min, 2 cores): export checks GGUFs in llama.cpp, serve/bench-serve/bench run it
llama-cpp: $(ENV_STAMP)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(PY) -m pip install --no-deps --require-hashes --only-binary :all: --no-binary llama-cpp-python -r env/llama_cpp.lock

## dry-run: the GPU path of CONFIG on paper, no GPU: LoRA modules on the meta-device model, peak VRAM estimate on an RTX 3090 (exit 1: does not fit)
dry-run: $(ENV_STAMP)
	$(PY) scripts/dry_run.py --config $(CONFIG) $(ARGS)

## llama-quantize: optional, compile llama.cpp's llama-quantize + llama-bench from env/llama_cpp.lock into .cache/llama.cpp/ (7 min of CPU measured, docs/deploy-models.md) so export writes q4_k_m/q5_k_m/q6_k
llama-quantize: $(ENV_STAMP)
	$(PY) scripts/build_llama_quantize.py $(ARGS)

## teacher: new DOMAIN items from an OpenAI-compatible teacher, validated + deduplicated (ARGS="--base-url U --model M --count N")
teacher: $(ENV_STAMP)
	$(PY) scripts/teacher.py --domain $(DOMAIN) $(ARGS)

## judge: optional vision-model rating of a run's pictures, its own number (ARGS="--results R --base-url U --judge-model M")
judge: $(ENV_STAMP)
	$(PY) scripts/judge.py $(ARGS)

## clean: remove results/ and adapters/ outputs (keeps .venv and .cache)
clean:
	rm -rf results adapters/*/
