/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A synthetic dead kernel for the harnesses of the structure readers
 * (processes, sockets, the file cache, the network): an ELF core whose
 * direct map (DMAP, one 1 GiB page at physical 0) holds the input from
 * SYN_DATA on, and types and symbols made up by name instead of BTF and
 * kallsyms (dk_set_types). No build stands behind it, so the readers meet
 * every structure at a place the input decides:
 *
 *  - each member of a struct gets its own slot, in the order the readers
 *    ask for them (32 bytes apart, or 8 in the few types whose size the
 *    readers check; a tcp_sock's from 2048 on, past its sock's); a struct
 *    is 4096 bytes unless its size is known;
 *  - each symbol is a place 256 bytes apart near the start of the input,
 *    so a short input reaches every reader's roots;
 *  - each enumerator is its own small number.
 *
 * Pointers in the input are DMAP + SYN_DATA + offset (the dictionary
 * tests/fuzz/corpus/NAME.dict spells the common ones).
 */
#ifndef ORTHROS_FUZZ_SYNTH_H
#define ORTHROS_FUZZ_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/deadkernel.h"

#define SYN_DMAP	0xffff888000000000ULL
#define SYN_KIMG	0xffffffff80000000ULL
#define SYN_DATA	0x3000ULL		/* after the PGD, PUD and notes pages */
#define SYN_DATASZ	0x40000ULL		/* 256 KiB of input-made memory */

/* The core made of data (cut at SYN_DATASZ), opened; traps if it cannot be. */
struct dk *syn_open(const uint8_t *data, size_t len);

#endif
