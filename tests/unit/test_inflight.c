// SPDX-License-Identifier: GPL-2.0-only
/*
 * A system call the dead kernel was inside is run again only if running it
 * again repeats nothing: an O_APPEND write whose bytes were in the page
 * cache, a TCP send that had queued part of its data, a TCP receive that
 * had copied bytes into the program were all restarted (issue 13, items 7
 * and 10: bytes twice in the file or on the peer, or lost). The part done
 * is now the call's result; a record that does not fit refuses.
 */
#include <stdlib.h>

#include "unit.h"
#include "../../lib/inflight.h"

#define ENOSYS_RET	((uint64_t)-38)
#define IP		0x401002ULL	/* after the syscall instruction */
#define FILE_ADDR	0xffff888001234500ULL
#define SOCK_ADDR	0xffff888005678900ULL

static struct dp_file files[2];
static struct dp_fd fds[2] = { { .fd = 3, .file = 0 }, { .fd = 4, .file = 1 } };
static struct dp_inet inet;
static struct dp_tcp tcp;
static struct dp_proc proc;

/*
 * A process with fd 3 a file of 8192 bytes at position 8192, opened
 * O_APPEND, and fd 4 a TCP connection; thread th in system call nr.
 */
static void setup(struct dp_thread *th, uint64_t nr, uint64_t fd, uint64_t count)
{
	memset(files, 0, sizeof(files));
	memset(&inet, 0, sizeof(inet));
	memset(&tcp, 0, sizeof(tcp));
	memset(&proc, 0, sizeof(proc));
	memset(th, 0, sizeof(*th));
	files[0] = (struct dp_file){ .addr = FILE_ADDR, .kind = DP_REG, .flags = 02001,
				     .pos = 8192, .size = 8192 };
	files[1] = (struct dp_file){ .addr = 0xffff888001239900ULL, .kind = DP_INET,
				     .inet = &inet };
	inet.sk = SOCK_ADDR;
	inet.tcp = &tcp;
	tcp.outq_seq = 1000;	/* write_seq */
	tcp.inq_seq = 5000;	/* rcv_nxt */
	tcp.inq_len = 100;	/* copied_seq 4900 */
	proc.files = files;
	proc.nfiles = 2;
	proc.fds = fds;
	proc.nfds = 2;
	th->tid = 77;
	th->regs.orig_ax = nr;
	th->regs.ax = ENOSYS_RET;
	th->regs.ip = IP;
	th->regs.di = fd;
	th->regs.dx = count;
}

static int resolve(struct dp_thread *th)
{
	char err[256] = "";

	return dp_inflight_resolve(&proc, th, err, sizeof(err));
}

TEST(inflight_an_append_in_the_page_cache_is_not_appended_again)
{
	struct dp_thread th;

	/* write(3, buf, 4096) on an O_APPEND file: all of it in the page cache. */
	setup(&th, 1, 3, 4096);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 4096 };
	files[0].size = 12288;
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED);
	CHECK(th.regs.ax == 4096);
	CHECK(th.regs.ip == IP);		/* resumes after the call */
	CHECK(files[0].pos == 12288);		/* write() moves the position */
}

TEST(inflight_the_file_size_counts_a_page_the_record_had_not)
{
	struct dp_thread th;

	/* Stopped between write_end (i_size) and the record's count. */
	setup(&th, 1, 3, 16384);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    16384, 4096 };
	files[0].size = 16384;
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED && th.regs.ax == 8192);
	CHECK(files[0].pos == 16384);
}

TEST(inflight_a_pwrite_leaves_the_position)
{
	struct dp_thread th;

	setup(&th, 18, 3, 4096);
	files[0].flags = 01;
	files[0].pos = 100;
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 0, 8192, 4096,
					    4096 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED && th.regs.ax == 4096);
	CHECK(files[0].pos == 100);
}

TEST(inflight_nothing_done_is_run_again)
{
	struct dp_thread th;

	/* A write that had not reached the page cache; a sleep with no record. */
	setup(&th, 1, 3, 4096);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 0 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_RESTART);
	CHECK(th.regs.ax == 1 && th.regs.ip == IP - 2);
	CHECK(files[0].pos == 8192);
	setup(&th, 35, 0, 0);
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_RESTART && th.regs.ax == 35 && th.regs.ip == IP - 2);
}

TEST(inflight_a_returned_call_or_user_code_is_left_alone)
{
	struct dp_thread th;

	setup(&th, 1, 3, 4096);
	th.regs.ax = 4096;			/* it had set its result */
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_NONE && th.regs.ax == 4096 && th.regs.ip == IP);
	setup(&th, (uint64_t)-1, 0, 0);		/* an interrupt, not a call */
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_NONE && th.regs.ip == IP);
}

TEST(inflight_a_tcp_send_returns_what_it_queued)
{
	struct dp_thread th;

	/* sendto(4, buf, 65536): 12000 bytes queued, across a wrap of write_seq. */
	setup(&th, 44, 4, 65536);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_SEND, SOCK_ADDR,
					    (uint32_t)(1000 - 12000), 0, 65536, 0 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED && th.regs.ax == 12000);
	/* Nothing queued yet: run again. */
	setup(&th, 1, 4, 65536);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_SEND, SOCK_ADDR, 1000, 0, 65536, 0 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_RESTART);
}

TEST(inflight_a_tcp_receive_returns_what_it_copied)
{
	struct dp_thread th;

	/* read(4, buf, 4096): copied_seq moved from 4000 to 4900. */
	setup(&th, 0, 4, 4096);
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_RECV, SOCK_ADDR, 4000, 0, 4096, 0 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED && th.regs.ax == 900);
	CHECK(th.regs.ip == IP);
}

/* Each record that does not fit refuses, with the registers untouched. */
static void refused(struct dp_thread *th, const char *why)
{
	struct dp_regs before = th->regs;
	char err[256] = "";

	CHECK(dp_inflight_resolve(&proc, th, err, sizeof(err)) == -1);
	CHECK(!memcmp(&before, &th->regs, sizeof(before)));
	CHECK(strstr(err, "thread 77: in system call") != NULL);
	if (!strstr(err, why))
		CHECK_STR(err, why);
}

TEST(inflight_a_record_that_does_not_fit_refuses)
{
	struct dp_thread th;

	setup(&th, 1, 3, 4096);		/* the record names another file */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR + 8, 8192, 8192,
					    4096, 4096 };
	refused(&th, "another file");
	setup(&th, 1, 9, 4096);		/* fd 9 is not open */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 4096 };
	refused(&th, "not open");
	setup(&th, 1, 3, 100);		/* counts more than write() asked for */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 4096 };
	refused(&th, "more bytes than it asked");
	setup(&th, 1, 3, 4096);		/* done beyond its count */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 1ULL << 40 };
	refused(&th, "more done");
	setup(&th, 1, 3, 4096);		/* the file grew more than the write */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 0 };
	files[0].size = 1ULL << 40;
	refused(&th, "does not fit");
	setup(&th, 40, 3, 4096);	/* sendfile into a file: no result to give */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 8192, 8192,
					    4096, 4096 };
	refused(&th, "a file write");
	setup(&th, 1, 3, 4096);		/* a kind this reader does not know */
	th.inflight.kind = DP_INFLIGHT_UNKNOWN;
	refused(&th, "unknown kind");
	setup(&th, 44, 4, 65536);	/* another socket */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_SEND, SOCK_ADDR + 64, 0, 0, 65536,
					    0 };
	refused(&th, "does not fit");
	setup(&th, 44, 4, 65536);	/* queued more than it asked: a garbage start */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_SEND, SOCK_ADDR, 1000 + 70000, 0,
					    65536, 0 };
	refused(&th, "more done");
	setup(&th, 45, 3, 4096);	/* a TCP receive on a file */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_TCP_RECV, SOCK_ADDR, 4000, 0, 4096, 0 };
	refused(&th, "does not fit");
	setup(&th, 1, 3, 4096);		/* write() on a file not O_APPEND, moved */
	files[0].flags = 01;
	files[0].pos = 0;
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_FILE_WRITE, FILE_ADDR, 4096, 8192,
					    4096, 4096 };
	refused(&th, "position");
}

/* fd 3 made a pipe's end (the record names the struct file). */
static void make_pipe(void)
{
	files[0] = (struct dp_file){ .addr = FILE_ADDR, .kind = DP_PIPE, .flags = 01 };
}

TEST(inflight_a_pipe_write_returns_what_it_put_in_the_pipe)
{
	struct dp_thread th;

	/* write(3, buf, 1 MiB) to a full pipe: 64 KiB in it, waiting for room. */
	setup(&th, 1, 3, 1 << 20);
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 0, 0, 1 << 20,
					    65536 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED);
	CHECK(th.regs.ax == 65536 && th.regs.ip == IP);
	CHECK(files[0].pos == 0);		/* a pipe has no position */
	/* Nothing in the pipe yet: run it again. */
	setup(&th, 1, 3, 1 << 20);
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 0, 0, 1 << 20, 0 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_RESTART && th.regs.ip == IP - 2);
}

TEST(inflight_a_pipe_read_returns_what_it_took)
{
	struct dp_thread th;

	/* readv(3, iov, 2) took 4096 bytes into the program, then the kernel died. */
	setup(&th, 19, 3, 2);
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_READ, FILE_ADDR, 0, 0, 8192, 4096 };
	CHECK(resolve(&th) == 0);
	CHECK(th.syscall == DP_SYSCALL_COMPLETED && th.regs.ax == 4096);
}

TEST(inflight_a_pipe_record_that_does_not_fit_refuses)
{
	struct dp_thread th;

	setup(&th, 1, 3, 4096);		/* a pipe record on a regular file */
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 0, 0, 4096, 4096 };
	refused(&th, "does not fit");
	setup(&th, 1, 3, 4096);		/* another pipe than its fd's */
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR + 8, 0, 0, 4096,
					    4096 };
	refused(&th, "another file");
	setup(&th, 1, 3, 4096);		/* a position or size: not a pipe's record */
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 4096, 0, 4096,
					    4096 };
	refused(&th, "does not fit");
	setup(&th, 0, 3, 4096);		/* a pipe write record in read() */
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 0, 0, 4096, 4096 };
	refused(&th, "a pipe write");
	setup(&th, 275, 3, 4096);	/* splice: no result this reader can give */
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_READ, FILE_ADDR, 0, 0, 4096, 4096 };
	refused(&th, "a pipe read");
	setup(&th, 1, 3, 4096);		/* more done than asked */
	make_pipe();
	th.inflight = (struct dp_inflight){ DP_INFLIGHT_PIPE_WRITE, FILE_ADDR, 0, 0, 4096, 8192 };
	refused(&th, "more done");
}
