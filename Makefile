# Tandem: `make run` and `make test` are the only commands a fresh Debian 12 machine needs.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= tandem.yaml
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_SCRATCH := .build-fuzz
FUZZ_TARGETS := sip sip-stream websocket sdp dialplan stun rtp rtcp srtp dtls config token
# Release: unoptimised Swift runs ten times slower, and ten million runs per target is the goal.
# -enable-testing because the stream harness drives SIPStack's internal channel handlers.
FUZZ_FLAGS := -c release --sanitize=fuzzer --sanitize=address -Xswiftc -enable-testing \
	-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp --scratch-path $(FUZZ_SCRATCH)

# Build: compilers' C libraries. Tests and peers: SIP phones, proxy, capture.
DEB_BUILD := pkg-config libssl-dev libsrtp2-dev libopus-dev libspandsp-dev libtiff-dev libxml2-dev libre2-dev
DEB_PEERS := sip-tester baresip kamailio tcpdump espeak-ng sox python3-venv python3-pip chromium chromium-driver prometheus coturn
VENV := .venv
DEB_PACKAGES := $(DEB_BUILD) $(DEB_PEERS)

.PHONY: deps build release run test unit sanitize asan tsan soak bench fuzz fuzz-build $(addprefix fuzz-,$(FUZZ_TARGETS)) certs clean venv install

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
			-e "s/@ADMIN_TOKEN@/$$(openssl rand -hex 24)/" -e "s/@TOKEN_SECRET@/$$(openssl rand -hex 24)/" -e "s#/usr/local/#$(PREFIX)/#g" contrib/tandem.yaml \
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
UNIT_FILTER := ^(SIPTests|SDPTests|FuzzTargetsTests|RTPTests|MediaTests|DialplanTests|WebRTCTests|CLibraryTests|CallStateTests)\.|\.(DialogTests|ClientTransactionTests|ServerTransactionTests|RegisterThrottleTests|BearerTokenTests|ConfigTests|CertificateStoreTests|DialplanReloadTests|RequestBuilderTests|CallAdmissionTests|LegAgreementTests|AbuseGuardTests)/
unit: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '$(UNIT_FILTER)'

# The unit suite under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, each in a build
# folder of its own. spandsp's PLC is suppressed for the reason written in Tests/Fuzz/asan.supp,
# leaks that are XCTest's and Foundation's in Tests/Sanitizers/lsan.supp.
sanitize: asan tsan
asan tsan: deps
	$(SWIFT) build --build-tests --sanitize=$(if $(filter asan,$@),address,thread) --scratch-path .build-$@
	ASAN_OPTIONS=suppressions=$(CURDIR)/Tests/Fuzz/asan.supp LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp \
		TSAN_OPTIONS=halt_on_error=1 \
		$(SWIFT) test --skip-build --sanitize=$(if $(filter asan,$@),address,thread) --scratch-path .build-$@ --filter '$(UNIT_FILTER)'

# Half an hour of every kind of call against a release node, then its books are checked
# (Tests/Soak/soak.py says what passes); samples, log and CDRs in soak-artifacts/.
SOAK_SECONDS ?= 1800
soak: release venv
	$(VENV)/bin/python Tests/Soak/soak.py --seconds $(SOAK_SECONDS) --tandem .build/release/tandem --out soak-artifacts

bench: deps
	$(SWIFT) build -c release --product TandemBench
	@mkdir -p bench
	.build/release/TandemBench bench/results.tsv

# Every harness in Sources/FuzzTargets, one after the other, each over its seed corpus
# (Tests/Fuzz/<target>/corpus, copied so the fuzzer's finds stay out of the tree). A crash stops
# the run and leaves its input in fuzz-artifacts/; `make fuzz-stun` and so on run one target.
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-build: deps
	$(SWIFT) build $(FUZZ_FLAGS) --product TandemFuzz

$(addprefix fuzz-,$(FUZZ_TARGETS)): fuzz-%: fuzz-build
	@corpus=$$(mktemp -d); trap 'rm -rf $$corpus' EXIT; cp Tests/Fuzz/$*/corpus/* $$corpus/; \
	extra=""; [ $* = sip ] && extra=Tests/SIPTests/Fixtures/rfc4475; \
	[ $* = sdp ] && cp Tests/SDPTests/Fixtures/*.sdp $$corpus/; \
	mkdir -p fuzz-artifacts; start=$$(date +%s); \
	TANDEM_FUZZ=$* SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=suppressions=Tests/Fuzz/asan.supp $(FUZZ_SCRATCH)/release/TandemFuzz -runs=$(FUZZ_RUNS) \
		-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=fuzz-artifacts/$*- $$corpus $$extra > fuzz-artifacts/$*.log 2>&1; \
	rc=$$?; if [ $$rc = 0 ]; then grep -E '^#[0-9]+ +DONE' fuzz-artifacts/$*.log; else tail -60 fuzz-artifacts/$*.log; fi; \
	echo "fuzz $*: exit $$rc after $$(( $$(date +%s) - start )) s (log: fuzz-artifacts/$*.log)"; exit $$rc

clean:
	rm -rf .build .build-asan .build-tsan $(FUZZ_SCRATCH) fuzz-artifacts soak-artifacts $(VENV)
