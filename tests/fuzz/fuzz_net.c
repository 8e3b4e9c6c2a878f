// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network reader (dn_find_nic) on a synthetic dead kernel the input
 * fills (synth.h): the device list, a NIC's addresses and the FIB trie of
 * its routes. The NIC asked for has the MAC 52:54:00:12:34:56 (the lab's).
 * Every input must end in a NIC, none or an error: no crash, no hang, no
 * read outside the core.
 */
#include "fuzz.h"
#include "synth.h"

#include "../../lib/deadnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct dk *dk = syn_open(data, len);
	struct dn_nic nic;

	dn_find_nic(dk, mac, &nic);
	dk_close(dk);
	return 0;
}
