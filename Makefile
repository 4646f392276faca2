# Tandem: `make run` and `make test` are the only commands a fresh Debian 12 machine needs.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= tandem.yaml
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_SCRATCH := .build-fuzz
FUZZ_FLAGS := -c debug --sanitize=fuzzer --sanitize=address \
	-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp --scratch-path $(FUZZ_SCRATCH)

# Build: compilers' C libraries. Tests and peers: SIP phones, proxy, capture.
DEB_BUILD := pkg-config libssl-dev libsrtp2-dev libopus-dev libspandsp-dev libtiff-dev libxml2-dev libre2-dev
DEB_PEERS := sip-tester baresip kamailio tcpdump espeak-ng sox python3-venv python3-pip chromium chromium-driver prometheus
VENV := .venv
DEB_PACKAGES := $(DEB_BUILD) $(DEB_PEERS)

.PHONY: deps build release run test unit bench fuzz fuzz-sip fuzz-sdp fuzz-dialplan certs clean venv install

# Installs only what is missing, so a second run costs a dpkg query.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
		$$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $$missing; \
	fi

# Python peers for the interop tests (aiortc as the WebRTC client), pinned in requirements.txt.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/Interop/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Tests/Interop/requirements.txt
	touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product tandem

certs: build
	$(SWIFT) run tandem certs generate

run: release
	.build/release/tandem run --config $(CONFIG)

# Where contrib/tandem.service expects things. DESTDIR stages elsewhere (packaging, tests); only a
# real install creates the tandem user and asks systemd to read the unit. An existing config is kept.
PREFIX ?= /usr/local
DESTDIR ?=
TANDEM_BIN ?= .build/release/tandem
install: $(if $(filter .build/release/tandem,$(TANDEM_BIN)),release)
	install -D -m 0755 $(TANDEM_BIN) $(DESTDIR)$(PREFIX)/bin/tandem
	install -d -m 0755 $(DESTDIR)/etc/systemd/system
	sed "s#/usr/local/#$(PREFIX)/#g" contrib/tandem.service > $(DESTDIR)/etc/systemd/system/tandem.service
	install -d -m 0755 $(DESTDIR)/etc/tandem/dialplans $(DESTDIR)$(PREFIX)/share/tandem/web $(DESTDIR)$(PREFIX)/share/tandem/sounds \
		$(DESTDIR)$(PREFIX)/share/doc/tandem $(DESTDIR)/var/lib/tandem $(DESTDIR)/var/log/tandem
	install -m 0644 dialplans/*.xml $(DESTDIR)/etc/tandem/dialplans/
	install -m 0644 web/*.* $(DESTDIR)$(PREFIX)/share/tandem/web/
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/tandem/web/admin web/admin/*
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/tandem/
	@if [ ! -e $(DESTDIR)/etc/tandem/tandem.yaml ]; then \
		sed -e "s/@ALICE_PASSWORD@/$$(openssl rand -hex 12)/" -e "s/@BOB_PASSWORD@/$$(openssl rand -hex 12)/" \
			-e "s/@ADMIN_TOKEN@/$$(openssl rand -hex 24)/" -e "s#/usr/local/#$(PREFIX)/#g" contrib/tandem.yaml \
			> $(DESTDIR)/etc/tandem/tandem.yaml && chmod 0640 $(DESTDIR)/etc/tandem/tandem.yaml && \
		echo "wrote $(DESTDIR)/etc/tandem/tandem.yaml (passwords and admin token inside)"; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		id tandem >/dev/null 2>&1 || useradd --system --home-dir /var/lib/tandem --shell /usr/sbin/nologin tandem; \
		chown -R tandem:tandem /var/lib/tandem /var/log/tandem; chgrp tandem /etc/tandem/tandem.yaml; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; echo "start with: systemctl enable --now tandem"; fi; \
	fi

test: deps venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel
	.build/debug/tandem dialplan check --config $(CONFIG) dialplans
	.build/debug/tandem dialplan test --config $(CONFIG) dialplans

# Socket-free suites only: parsers, state machines, codecs, crypto, dialplans. No peers, no ports.
UNIT_FILTER := ^(SIPTests|SDPTests|RTPTests|MediaTests|DialplanTests|WebRTCTests|CLibraryTests|CallStateTests)\.|\.(DialogTests|ClientTransactionTests|ServerTransactionTests|RegisterThrottleTests|ConfigTests|CertificateStoreTests|DialplanReloadTests|RequestBuilderTests|CallAdmissionTests|LegAgreementTests|AbuseGuardTests)/
unit: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '$(UNIT_FILTER)'

bench: deps
	$(SWIFT) build -c release --product TandemBench
	@mkdir -p bench
	.build/release/TandemBench bench/results.tsv

fuzz: fuzz-sip fuzz-sdp fuzz-dialplan

fuzz-sip fuzz-sdp: fuzz-%: deps
	$(SWIFT) build $(FUZZ_FLAGS) --product Fuzz$(shell echo $* | tr a-z A-Z)
	@corpus=$$(mktemp -d); trap 'rm -rf $$corpus' EXIT; \
	up=$$(echo $* | tr a-z A-Z); \
	cp Tests/$${up}Tests/Fuzz/corpus/* $$corpus/ 2>/dev/null; \
	extra=""; [ $* = sip ] && extra=Tests/SIPTests/Fixtures/rfc4475; \
	[ $* = sdp ] && cp Tests/SDPTests/Fixtures/*.sdp $$corpus/; \
	mkdir -p fuzz-artifacts; \
	SWIFT_BACKTRACE=enable=no $(FUZZ_SCRATCH)/debug/Fuzz$$up -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=fuzz-artifacts/$*- $$corpus $$extra

fuzz-dialplan: deps
	$(SWIFT) build $(FUZZ_FLAGS) --product FuzzDialplan
	@corpus=$$(mktemp -d); trap 'rm -rf $$corpus' EXIT; cp Tests/DialplanTests/Fuzz/corpus/* $$corpus/; mkdir -p fuzz-artifacts; \
	SWIFT_BACKTRACE=enable=no $(FUZZ_SCRATCH)/debug/FuzzDialplan -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=fuzz-artifacts/dialplan- $$corpus

clean:
	rm -rf .build $(FUZZ_SCRATCH) fuzz-artifacts $(VENV)
