# Orthros for Linux: build, lab and tests. `make help` lists the targets.
# Every target installs what it needs first (make setup), so the two README
# commands work on a fresh Debian 12 machine.

BUILD ?= build
CC ?= gcc
CFLAGS ?= -O2 -g
# Tools see the same ABI headers as the kernel (kernel/src/include/uapi).
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -Ikernel/src/include/uapi
# libdeadkernel reads the dead kernel's BTF with libbpf; a disk's file
# system and UUID are libblkid's (lib/filecache.c, lib/fileident.c).
LDLIBS := -lbpf -lblkid
SHELL := /bin/bash

SETUP   := $(BUILD)/.setup-done
KERNEL  := $(BUILD)/kernel/bzImage
ROOTFS  := $(BUILD)/images/rootfs/.orthros-rootfs
IMAGES  := $(BUILD)/images/root.img
OPT     := $(BUILD)/opt-orthros
LABCTL  := $(BUILD)/bin/labctl
CTL     := $(BUILD)/bin/orthrosctl
DAEMON  := $(BUILD)/bin/orthrosd
FCM     := $(BUILD)/bin/orthros-fcm
PM      := $(BUILD)/bin/orthros-pm
FCWRITER := $(BUILD)/bin/fcwriter
PMWORK  := $(BUILD)/bin/pmwork
PMPEER  := $(BUILD)/bin/pmpeer
REDISCHECK := $(BUILD)/bin/redischeck
INFLIGHT := $(BUILD)/bin/inflight
# Self-checking programs that each hold one kind of process state (state-matrix).
STATE_BINS := $(addprefix $(BUILD)/bin/,tcpclose forkstate timers fdkinds unixsk refused)
KMOD    := $(BUILD)/kmod/orthros_crash.ko
UNIT    := $(BUILD)/tests/unit

LIB_SRCS := $(wildcard lib/*.c)
LIB_HDRS := $(wildcard lib/*.h kernel/src/include/uapi/linux/orthros/*.h)
# The partition libraries, and the dead-kernel reader with what stands on it.
# The partition validator is the kernel's own file, compiled in here too.
PART_CHECK := kernel/src/kernel/orthros/partition_check.c
LIB_LPAR := lib/partition.c $(PART_CHECK) lib/machine.c lib/bzimage.c lib/errf.c
LIB_DEAD := lib/deadkernel.c lib/deadkernel_walk.c lib/deadfs.c lib/filecache.c lib/deadproc.c lib/inflight.c \
	lib/deadsock.c lib/deadunix.c lib/deadtimer.c lib/deadipc.c lib/deadanon.c lib/deadnet.c \
	lib/tcpreset.c \
	lib/pbuf.c lib/criuimg.c lib/strbuf.c lib/errf.c
# The record of a failover: written by orthrosd, shown by orthrosctl.
LIB_TL := lib/timeline.c
# CRIU's image schema: CRIU 3.17's images/*.proto (lib/criu-proto, with
# their license), compiled by protobuf-c into a library libcriuimg builds
# its messages with. opts.proto imports Debian's descriptor.proto.
PROTO_DIR := lib/criu-proto
PROTOS := $(notdir $(wildcard $(PROTO_DIR)/*.proto))
PROTO_OUT := $(BUILD)/criu-proto
PROTO_LIB := $(PROTO_OUT)/libcriu-proto.a
CRIUIMG_LIBS := $(PROTO_LIB) -lprotobuf-c

KERNEL_INPUTS := kernel/build.sh $(wildcard kernel/config/*.config) \
	kernel/patches/series $(wildcard kernel/patches/*.patch) \
	$(shell find kernel/src -type f)
GUEST_FILES := lab/topology.sh lab/partition.conf $(wildcard lab/guest/*)

.PHONY: help setup kernel kmod rootfs images tools workloads lab-deps unit checkpatch \
	scenarios scenario test test-long demo lab clean fuzz fuzz-smoke
.DELETE_ON_ERROR:

help:
	@echo "make demo             boot the lab machine and show its partition-to-be"
	@echo "make test             unit tests, checkpatch and the feature-tier lab scenarios"
	@echo "make test-long        the long tier: soaks, repeated trials, benchmarks"
	@echo "make unit             host unit tests only (seconds, no QEMU)"
	@echo "make fuzz             every fuzz harness for FUZZ_SECONDS (300) each"
	@echo "make scenarios        list the lab scenarios"
	@echo "make scenario S=NAME  run one scenario (builds what it needs)"
	@echo "make lab              interactive lab machine (COM1 on this terminal)"
	@echo "make kernel | images | tools | setup | checkpatch | clean"

# Host packages (idempotent; re-checked when the list changes).
$(SETUP): lab/host/setup.sh lab/host/packages
	@lab/host/setup.sh
	@mkdir -p $(@D) && touch $@
setup: $(SETUP)

# The kernel: rebuilt only when its inputs change.
$(KERNEL): $(KERNEL_INPUTS) | $(SETUP)
	kernel/build.sh $(BUILD)
kernel: $(KERNEL)

$(PROTO_LIB): $(wildcard $(PROTO_DIR)/*.proto) | $(SETUP)
	@rm -rf $(PROTO_OUT) && mkdir -p $(PROTO_OUT)
	protoc-c --proto_path=$(PROTO_DIR) --proto_path=/usr/include --c_out=$(PROTO_OUT) \
		$(PROTOS) google/protobuf/descriptor.proto
	cd $(PROTO_OUT) && for f in *.pb-c.c google/protobuf/*.pb-c.c; do \
		$(CC) -O2 -g -I. -c "$$f" -o "$${f%.c}.o" || exit 1; done && \
		ar rcs $(notdir $@) *.pb-c.o google/protobuf/*.pb-c.o

# Host and guest C programs.
$(LABCTL): lab/labctl.c lab/labproto.c lab/labproto.h | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ lab/labctl.c lab/labproto.c
$(CTL): $(wildcard tools/orthrosctl/*.[ch]) $(LIB_LPAR) $(LIB_TL) $(LIB_HDRS) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^)
# The daemon runs the failover: the dead-kernel libraries, the partition, the timeline.
$(DAEMON): $(wildcard tools/orthrosd/*.[ch]) $(LIB_DEAD) lib/partition.c $(PART_CHECK) lib/runtool.c $(LIB_TL) $(LIB_HDRS) $(PROTO_LIB) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(PROTO_OUT) -o $@ $(filter %.c,$^) $(CRIUIMG_LIBS) $(LDLIBS)
$(FCM): $(wildcard tools/orthros-fcm/*.[ch]) $(LIB_DEAD) $(LIB_HDRS) $(PROTO_LIB) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(PROTO_OUT) -o $@ $(filter %.c,$^) $(CRIUIMG_LIBS) $(LDLIBS)
# orthros-pm checks a restored file's identity (lib/fileident.c).
$(PM): $(wildcard tools/orthros-pm/*.[ch]) $(LIB_DEAD) lib/fileident.c $(LIB_HDRS) $(PROTO_LIB) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(PROTO_OUT) -o $@ $(filter %.c,$^) $(CRIUIMG_LIBS) $(LDLIBS)
tools: $(LABCTL) $(CTL) $(DAEMON) $(FCM) $(PM)

# Test workloads that run in the lab's OS instances (and check themselves).
$(FCWRITER): $(wildcard tests/workloads/fc*.[ch]) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^)
$(PMWORK): tests/workloads/pmwork.c $(wildcard tests/workloads/pm*.h) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $< -lm
$(INFLIGHT): tests/workloads/inflight.c $(wildcard tests/workloads/pm*.h) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $<
# pmwork's peer runs on the host, beyond the lab machine's NIC.
$(PMPEER): tests/workloads/pmpeer.c $(wildcard tests/workloads/pm*.h) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<
# app-redis's checking client, on the host.
$(REDISCHECK): tests/workloads/redischeck.c | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<
# (tcpclose is both ends: its server in the lab's OS instances, its peer on the host.)
$(STATE_BINS): $(BUILD)/bin/%: tests/workloads/%.c tests/workloads/state.h $(wildcard tests/workloads/pm*.h) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $<
workloads: $(FCWRITER) $(PMWORK) $(PMPEER) $(REDISCHECK) $(INFLIGHT) $(STATE_BINS)

# Test modules, built against this kernel in a copy (kbuild writes in M=).
$(KMOD): $(wildcard tests/kmod/*) $(KERNEL)
	@rm -rf $(BUILD)/kmod && mkdir -p $(BUILD)/kmod && cp tests/kmod/* $(BUILD)/kmod/
	$(MAKE) -s -C $(BUILD)/kernel/linux O=$(abspath $(BUILD)/kernel/obj) M=$(abspath $(BUILD)/kmod) LOCALVERSION= modules
kmod: $(KMOD)

# Guest images: the Debian rootfs is cached; the images are remade (seconds)
# when the project's guest files, tools or kernel change.
$(ROOTFS): lab/image/build-rootfs.sh lab/image/packages | $(SETUP)
	lab/image/build-rootfs.sh $(BUILD)/images/rootfs
rootfs: $(ROOTFS)

$(IMAGES): $(ROOTFS) $(KERNEL) $(CTL) $(DAEMON) $(FCM) $(PM) $(FCWRITER) $(PMWORK) $(INFLIGHT) $(STATE_BINS) $(KMOD) $(GUEST_FILES) lab/image/build-images.sh $(wildcard lab/image/userdisk/*)
	@rm -rf $(OPT) && mkdir -p $(OPT)/lab $(OPT)/bin $(OPT)/kernel $(OPT)/kmod
	cp -p $(GUEST_FILES) $(OPT)/lab/
	cp -p $(CTL) $(DAEMON) $(FCM) $(PM) $(FCWRITER) $(PMWORK) $(INFLIGHT) $(STATE_BINS) $(OPT)/bin/
	cp -p $(KMOD) $(OPT)/kmod/
	cp -p $(KERNEL) $(BUILD)/kernel/VERSION $(OPT)/kernel/
	lab/image/build-images.sh $(BUILD) $(OPT)
images: $(IMAGES)

lab-deps: $(KERNEL) $(IMAGES) $(LABCTL) $(CTL) $(DAEMON) $(FCWRITER) $(PMWORK) $(PMPEER) $(REDISCHECK) \
	$(INFLIGHT) $(STATE_BINS)

# Tests.
UNIT_SRCS := $(wildcard tests/unit/*.c) lab/labproto.c tests/workloads/fcrecord.c $(LIB_SRCS) \
	$(PART_CHECK)
$(UNIT): $(UNIT_SRCS) $(wildcard tests/unit/*.h tests/workloads/*.h) tests/workloads/pmwork.c \
	lab/labproto.h $(LIB_HDRS) $(PROTO_LIB) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/workloads -I$(PROTO_OUT) -o $@ $(UNIT_SRCS) $(CRIUIMG_LIBS) $(LDLIBS)
unit: $(UNIT)
	$(UNIT)

# Fuzzing: a libFuzzer harness per parser of untrusted input (tests/fuzz),
# built with clang, ASan and UBSan. `make fuzz` runs each FUZZ_SECONDS;
# make test runs each briefly on its corpus (fuzz-smoke).
FUZZ_NAMES := core walk symbols timeline partition labproto inflight proc filecache net \
	replaced
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -Ikernel/src/include/uapi
# The walkers and the structure readers on a synthetic dead kernel (tests/fuzz/synth.c).
FUZZ_SYNTH := tests/fuzz/synth.c lib/deadkernel.c lib/deadkernel_walk.c lib/deadfs.c lib/strbuf.c \
	lib/errf.c
FUZZ_LIBS_core := lib/deadkernel.c lib/deadkernel_walk.c lib/errf.c
FUZZ_LIBS_walk := $(FUZZ_SYNTH)
FUZZ_LIBS_symbols := lib/deadkernel.c lib/deadkernel_walk.c lib/errf.c tests/unit/dkimg.c
FUZZ_LIBS_timeline := lib/timeline.c lib/errf.c
FUZZ_LIBS_partition := lib/partition.c $(PART_CHECK) lib/errf.c
FUZZ_LIBS_labproto := lab/labproto.c
FUZZ_LIBS_inflight := lib/inflight.c
FUZZ_LIBS_proc := $(FUZZ_SYNTH) lib/deadproc.c lib/deadsock.c lib/deadunix.c lib/deadtimer.c lib/deadipc.c lib/deadanon.c lib/inflight.c
FUZZ_LIBS_filecache := $(FUZZ_SYNTH) lib/filecache.c
FUZZ_LIBS_net := $(FUZZ_SYNTH) lib/deadnet.c
FUZZ_LIBS_replaced := $(FUZZ_SYNTH) lib/fileident.c lib/filecache.c
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/synth.h $$(FUZZ_LIBS_$$*) $(LIB_HDRS) lab/labproto.h | $(SETUP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIBS_$*) -lbpf -lblkid -lm
# Seeds for the reader harnesses, made for synth.c's layout (tests/fuzz/seeds.c).
$(BUILD)/fuzz/seeds: tests/fuzz/seeds.c $(FUZZ_SYNTH) lib/deadproc.c lib/deadsock.c lib/deadunix.c \
		lib/deadtimer.c lib/deadipc.c lib/deadanon.c lib/inflight.c \
		lib/filecache.c lib/deadnet.c tests/fuzz/synth.h $(LIB_HDRS) | $(SETUP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) -lbpf -lblkid
fuzz: $(FUZZ_BINS) $(BUILD)/fuzz/seeds
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)
fuzz-smoke: $(FUZZ_BINS) $(BUILD)/fuzz/seeds
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_NAMES)

checkpatch: $(KERNEL)
	kernel/checkpatch.sh $(BUILD)

scenarios:
	@lab/run-scenarios.sh --list

# The name is checked before anything is built.
scenario:
	@[ -n "$(S)" ] && [ -f lab/scenarios/$(S).sh ] || lab/run-scenarios.sh $(or $(S),--help)
	@$(MAKE) --no-print-directory lab-deps
	lab/run-scenarios.sh $(S)

test: unit fuzz-smoke checkpatch lab-deps
	lab/run-scenarios.sh --tier feature

test-long: lab-deps
	lab/run-scenarios.sh --tier long

demo: lab-deps
	lab/demo.sh

lab: lab-deps
	lab/qemu.sh $(BUILD)/lab/interactive --interactive

clean:
	rm -rf $(BUILD)/bin $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/lab $(OPT) $(BUILD)/images/*.img
