# Ovunque: one non-recursive make for the whole tree.
#
#   make            build everything into build/
#   make run        start the whole stack on loopback (scripts/stack.sh)
#   make web        the web app "Telefono Virtuale" into build/web (npm)
#   make test       static analysis, unit tests, the same under
#                   ASan+UBSan, integration, the app in Chromium
#   make lint       cppcheck and clang-tidy on our C (scripts/lint.sh)
#   make bench      benchmarks in bench/
#   make images     the container images, with podman (scripts/images.sh)
#   make images-smoke  the stack from the images: a tenant, a phone, a call
#   make fmt        clang-format every C file
#   make clean

CC       ?= cc
B        := build
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
            -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(CI),true)
WARN     += -Werror
endif
GLIB_CFLAGS := $(shell pkg-config --cflags glib-2.0 2>/dev/null)
GLIB_LIBS   := $(shell pkg-config --libs glib-2.0 2>/dev/null)
CPPFLAGS := -D_GNU_SOURCE -DOV_VERSION='"$(VERSION)"' -Ilib -I$(B)/proto -I/usr/include/postgresql $(GLIB_CFLAGS)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -fPIC -pthread $(WARN) -MMD -MP
# Generated protobuf-c code is not ours to warn about.
PBFLAGS  := -std=c17 -fPIC -O2 -g -MMD -MP
# Every binary links what it uses and nothing more (--as-needed): GLib
# (time zones, tables, UUID and UTF-8 checks) most services', libcurl
# (SMTP, HTTP) notify's and ovctl's, libespeak-ng (speech) the IVR's.
LDFLAGS  += -Wl,--as-needed
LDLIBS   := -lnng -lprotobuf-c -lmicrohttpd -lpq -lsodium -ljansson -lcurl $(GLIB_LIBS) -lespeak-ng -lpthread
TESTLIBS := -lcmocka
ASAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -O1

PROTOS   := $(wildcard proto/*.proto)
PB_C     := $(PROTOS:proto/%.proto=$(B)/proto/%.pb-c.c)
PB_H     := $(PB_C:.c=.h)
LIB_SRC  := $(filter-out %_test.c,$(wildcard lib/*.c))
SERVICES := router registrar ivr admin notify
TESTS_C  := $(wildcard lib/*_test.c services/*/*_test.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o) $(PB_C:$(B)/proto/%.c=$(B)/obj/proto/%.o)
LIBOV    := $(B)/libov.a
BINS     := $(SERVICES:%=$(B)/bin/ov-%) $(B)/bin/ovctl $(B)/bin/ov-migrate
LUAMOD   := $(B)/lib/ovbus.so
UNIT     := $(TESTS_C:%.c=$(B)/test/%)
UNIT_ASAN:= $(TESTS_C:%.c=$(B)/asan/%)
BENCH    := $(B)/bin/bench-bus $(B)/bin/bench-router

all: $(BINS) $(LUAMOD) $(UNIT) $(BENCH)
.SECONDARY:
.SECONDEXPANSION:
.PHONY: all run test unit unit-asan integration bench fmt clean deps web web-deps lint \
        images images-smoke

# ---- generated code ----
$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/proto -Iproto $<

# Every header first: a .proto may import another.
$(B)/obj/proto/%.o: $(B)/proto/%.c | $(PB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PBFLAGS) -c -o $@ $<

# Each service's migrations/*.sql, embedded so a container needs no files.
$(B)/gen/%_migrations.c: scripts/embed-migrations.py $$(wildcard services/$$*/migrations/*.sql)
	@mkdir -p $(@D)
	python3 scripts/embed-migrations.py $* services/$*/migrations > $@

# Files a service serves, embedded likewise.
$(B)/gen/admin_openapi.c: scripts/embed-file.py services/admin/openapi.json
	@mkdir -p $(@D)
	python3 scripts/embed-file.py admin_openapi services/admin/openapi.json > $@

$(B)/gen/notify_templates.c: scripts/embed-dir.py $(wildcard services/notify/templates/*)
	@mkdir -p $(@D)
	python3 scripts/embed-dir.py notify_templates services/notify/templates > $@

$(B)/obj/gen/%.o: $(B)/gen/%.c | $(PB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PBFLAGS) -c -o $@ $<

# ---- our code ----
$(B)/obj/%.o: %.c | $(PB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBOV): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

svc_src = $(filter-out %_test.c,$(wildcard services/$(1)/*.c))
svc_objs = $(patsubst %.c,$(B)/obj/%.o,$(call svc_src,$(1)))
# Generated objects a service links besides its migrations.
svc_gen_admin := $(B)/obj/gen/admin_openapi.o
svc_gen_notify := $(B)/obj/gen/notify_templates.o
svc_gen = $(svc_gen_$(1))

$(B)/bin/ov-%: $$(call svc_objs,$$*) $(B)/obj/gen/$$*_migrations.o $$(call svc_gen,$$*) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/ovctl: $(patsubst %.c,$(B)/obj/%.o,$(wildcard tools/ovctl/*.c)) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The migration Job: every schema's embedded migrations, applied in one run.
SCHEMAS  := registrar admin notify
$(B)/bin/ov-migrate: $(B)/obj/tools/migrate/main.o $(SCHEMAS:%=$(B)/obj/gen/%_migrations.o) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/bench-bus: $(patsubst %.c,$(B)/obj/%.o,$(wildcard bench/bus/*.c)) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# bench-router links the router's pure objects (decide() and its parts).
$(B)/bin/bench-router: $(patsubst %.c,$(B)/obj/%.o,$(wildcard bench/router/*.c)) $(patsubst %,$(B)/obj/services/router/%.o,plan calendar dest words) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/obj/bench/router/%.o: CPPFLAGS += -Iservices/router

# The Lua C module Kamailio loads with require("ovbus").
$(LUAMOD): $(patsubst %.c,$(B)/obj/%.o,$(wildcard edge/kamailio/ovbus/*.c)) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -o $@ $^ -llua5.1 $(LDLIBS)
$(B)/obj/edge/kamailio/ovbus/%.o: CPPFLAGS += -I/usr/include/lua5.1

# ---- unit tests: a test links its own directory's objects ----
test_deps = $(filter-out %/main.o,$(patsubst %.c,$(B)/$(2)/%.o,$(filter-out %_test.c,$(wildcard $(dir $(1))*.c))))

$(B)/test/lib/%_test: $(B)/obj/lib/%_test.o $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TESTLIBS) $(LDLIBS)

svc_of = $(firstword $(subst /, ,$(1)))
$(B)/test/services/%_test: $(B)/obj/services/%_test.o $$(call test_deps,services/$$*,obj) $$(call svc_gen,$$(call svc_of,$$*)) $(LIBOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TESTLIBS) $(LDLIBS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/asan/obj/%.o) $(PB_C:$(B)/proto/%.c=$(B)/asan/obj/proto/%.o)

$(B)/asan/obj/proto/%.o: $(B)/proto/%.c | $(PB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PBFLAGS) $(ASAN) -c -o $@ $<

$(B)/asan/obj/%.o: %.c | $(PB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(ASAN) -c -o $@ $<

$(B)/asan/libov.a: $(ASAN_LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/asan/lib/%_test: $(B)/asan/obj/lib/%_test.o $(B)/asan/libov.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(ASAN) -o $@ $^ $(TESTLIBS) $(LDLIBS)

$(B)/asan/services/%_test: $(B)/asan/obj/services/%_test.o $$(call test_deps,services/$$*,asan/obj) $$(call svc_gen,$$(call svc_of,$$*)) $(B)/asan/libov.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(ASAN) -o $@ $^ $(TESTLIBS) $(LDLIBS)

# ---- entry points ----
deps:
	bash scripts/deps.sh

run: deps
	$(MAKE) all web
	bash scripts/stack.sh run

# The web app (web/, docs/app.md): npm packages from package-lock.json,
# then esbuild. Not part of `all`: the C build never needs npm.
web-deps:
	bash scripts/web.sh deps

web: web-deps
	bash scripts/web.sh build

unit: $(UNIT)
unit-asan: $(UNIT_ASAN)

# Static analysis (docs/testing.md): needs the generated headers only.
lint: $(PB_H)
	bash scripts/lint.sh

test: deps
	$(MAKE) all unit-asan web
	$(MAKE) lint
	bash scripts/test.sh $(UNIT) -- $(UNIT_ASAN)

bench: deps
	$(MAKE) all
	bash bench/run.sh

# Container images (docs/deploy.md): podman, runc and mmdebstrap are
# installed here only, never by make run or make test. The admin image
# serves the web app, so it is built first.
images:
	bash scripts/deps.sh images
	$(MAKE) web
	bash scripts/images.sh build

images-smoke:
	bash scripts/deps.sh
	bash scripts/deps.sh images
	bash scripts/images.sh smoke

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
