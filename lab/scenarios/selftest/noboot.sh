# noboot
# A lab machine whose 1stOS cannot boot (no root disk): must fail at step 1.
SCENARIO_TIER=selftest
SCENARIO_TIMEOUT=300

scenario() {
	step 200 "boot the 1stOS" boot_broken
	step 30 "never reached" touch "$RUN/step-2-ran"
}

boot_broken() {
	ORTHROS_CMDLINE="console=ttyS0,115200 root=/dev/vdz rw panic=0" boot_1stos
}
