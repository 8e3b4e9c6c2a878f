/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadproc: files of the kernel's anonymous inode kinds (deadanon.c). */
#ifndef ORTHROS_LIB_DEADANON_H
#define ORTHROS_LIB_DEADANON_H

#include "deadkernel.h"
#include "deadproc.h"

/*
 * If the struct file at file, whose f_op is fop, is one of the anonymous
 * inode kinds deadanon.c knows (eventfd, signalfd, timerfd, inotify, ...):
 * set f->kind and f->what, read what a carried kind needs, and return 1
 * with *why NULL, or why it cannot be carried. 0 if it is none of them;
 * -1 if the kernel's symbols cannot be read (dk_error).
 */
int dp_read_anon(struct dk *dk, uint64_t file, uint64_t fop, struct dp_file *f, const char **why);

#endif
