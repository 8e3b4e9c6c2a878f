// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: Unix sockets of a dead kernel. A socket is read with what
 * CRIU's own dump takes from the live kernel (its type, state, name,
 * peer, shutdown, buffers, and the bytes and messages queued to it, not
 * yet read) so that CRIU's restore re-creates it: a pair by socketpair(),
 * a bound one by bind() and listen(), a client by connect() to its peer's
 * name, then each queue sent again by its peer.
 *
 * What that cannot re-create as it was is refused by name: file
 * descriptors in flight (SCM_RIGHTS), an out-of-band byte, datagrams
 * from a sender other than the socket's peer (they would come back from
 * another address), connections waiting to be accepted, a relative name,
 * time-outs, an error not yet read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadsock.h"
#include "deadunix.h"

#define SOCK_STREAM_	1
#define SOCK_DGRAM_	2
#define SOCK_SEQPACKET_	5
#define TCP_ESTABLISHED_ 1
#define TCP_CLOSE_	7
#define TCP_LISTEN_	10
#define SHUTDOWN_BOTH	3
#define SUN_FAMILY_SIZE	2	/* sa_family_t before sun_path */
#define MAX_QUEUE	(64u << 20)	/* bytes queued to one socket, at most */
#define MAX_PACKETS	65536
#define MAX_LONG	0x7fffffffffffffffULL	/* MAX_SCHEDULE_TIMEOUT: no time-out */
#define SOCK_PASSCRED_	3	/* struct socket's flags, include/linux/net.h */
#define SOCK_PASSSEC_	4

struct unix_layout {
	uint32_t file_priv, sock_sk, sock_flags, sk_socket, sk_type, sk_state, sk_shutdown, sk_err;
	uint32_t sk_rcvbuf, sk_sndbuf, sk_rcvtimeo, sk_sndtimeo, sk_backlog, sk_rq, rq_qlen;
	uint32_t u_addr, u_path, u_peer, path_mnt, path_dentry;
	uint32_t ua_len, ua_name, sun_path;
	uint32_t sa_socket, sa_inode, i_ino;
	uint32_t skb_next, skb_len, skb_sk, skb_cb, cb_fp, cb_consumed;
	uint32_t u_oob;			/* CONFIG_AF_UNIX_OOB; 0: the kernel has none */
};

static int layout(struct dk *dk, void *out)
{
	struct unix_layout *l = out;
	const struct dk_field f[] = {
		{ "struct file", "private_data", &l->file_priv },
		{ "struct socket", "sk", &l->sock_sk },
		{ "struct socket", "flags", &l->sock_flags },
		{ "struct sock", "sk_socket", &l->sk_socket },
		{ "struct sock", "sk_type", &l->sk_type },
		{ "struct sock", "__sk_common.skc_state", &l->sk_state },
		{ "struct sock", "sk_shutdown", &l->sk_shutdown },
		{ "struct sock", "sk_err", &l->sk_err },
		{ "struct sock", "sk_rcvbuf", &l->sk_rcvbuf },
		{ "struct sock", "sk_sndbuf", &l->sk_sndbuf },
		{ "struct sock", "sk_rcvtimeo", &l->sk_rcvtimeo },
		{ "struct sock", "sk_sndtimeo", &l->sk_sndtimeo },
		{ "struct sock", "sk_max_ack_backlog", &l->sk_backlog },
		{ "struct sock", "sk_receive_queue", &l->sk_rq },
		{ "struct sk_buff_head", "qlen", &l->rq_qlen },
		{ "struct unix_sock", "addr", &l->u_addr },
		{ "struct unix_sock", "path", &l->u_path },
		{ "struct unix_sock", "peer", &l->u_peer },
		{ "struct path", "mnt", &l->path_mnt },
		{ "struct path", "dentry", &l->path_dentry },
		{ "struct unix_address", "len", &l->ua_len },
		{ "struct unix_address", "name", &l->ua_name },
		{ "struct sockaddr_un", "sun_path", &l->sun_path },
		{ "struct socket_alloc", "socket", &l->sa_socket },
		{ "struct socket_alloc", "vfs_inode", &l->sa_inode },
		{ "struct inode", "i_ino", &l->i_ino },
		{ "struct sk_buff", "next", &l->skb_next },
		{ "struct sk_buff", "len", &l->skb_len },
		{ "struct sk_buff", "sk", &l->skb_sk },
		{ "struct sk_buff", "cb", &l->skb_cb },
		{ "struct unix_skb_parms", "fp", &l->cb_fp },
		{ "struct unix_skb_parms", "consumed", &l->cb_consumed },
	};
	const struct dk_field oob[] = { { "struct unix_sock", "oob_skb", &l->u_oob } };

	if (dk_offsets(dk, f, DK_NFIELDS(f)))
		return -1;
	if (dk_offsets(dk, oob, 1))
		l->u_oob = 0;
	return 0;
}

static const struct unix_layout *unix_layout(struct dk *dk)
{
	return dk_reader_layout(dk, layout, sizeof(struct unix_layout));
}

static int rd(struct dk *dk, uint64_t va, void *buf, size_t n)
{
	return dk_read(dk, va, buf, n);
}

/*
 * The name of socket sk as a string to show ("/run/x.sock", "@name"), or
 * "" if it has none or it cannot be read: only ever shown.
 */
static void sock_name(struct dk *dk, const struct unix_layout *l, uint64_t sk, char *out,
		      size_t max)
{
	unsigned char name[DP_UNIX_NAME_MAX + 1] = { 0 };
	uint64_t addr;
	int32_t len;
	size_t i;

	out[0] = 0;
	if (dk_read_u64(dk, sk + l->u_addr, &addr) || !addr || rd(dk, addr + l->ua_len, &len, 4) ||
	    len <= SUN_FAMILY_SIZE || len - SUN_FAMILY_SIZE > DP_UNIX_NAME_MAX ||
	    rd(dk, addr + l->ua_name + l->sun_path, name, len - SUN_FAMILY_SIZE))
		return;
	for (i = 1; i < (size_t)len - SUN_FAMILY_SIZE; i++)	/* printable, cut at a NUL */
		if (name[i] && (name[i] < 0x20 || name[i] > 0x7e))
			name[i] = '?';
	snprintf(out, max, "%s%s", name[0] ? "" : "@", name[0] ? (char *)name : (char *)name + 1);
}

/* The inode number of the socket sk belongs to; 0 if it has none (its file closed). */
static int sock_ino(struct dk *dk, const struct unix_layout *l, uint64_t sk, uint64_t *ino)
{
	uint64_t sock;

	*ino = 0;
	if (dk_read_u64(dk, sk + l->sk_socket, &sock))
		return -1;
	if (!sock)
		return 0;
	return dk_read_u64(dk, sock - l->sa_socket + l->sa_inode + l->i_ino, ino);
}

struct queue {
	const struct unix_layout *l;
	struct dp_unix *u;
	uint64_t bytes;
	const char *why;
};

/* One buffer of the receive queue: a message, or (stream) what is left of one. */
static int queued(struct dk *dk, uint64_t node, void *arg)
{
	struct queue *q = arg;
	const struct unix_layout *l = q->l;
	uint64_t skb = node - l->skb_next, fp, sender;
	uint32_t len, consumed = 0;
	struct dp_unix_packet *p;
	const char *why;
	int r;

	if (rd(dk, skb + l->skb_len, &len, 4) || dk_read_u64(dk, skb + l->skb_sk, &sender) ||
	    dk_read_u64(dk, skb + l->skb_cb + l->cb_fp, &fp) ||
	    (q->u->type == SOCK_STREAM_ &&
	     rd(dk, skb + l->skb_cb + l->cb_consumed, &consumed, 4)))
		return -1;
	if (fp)
		return q->why = "file descriptors in flight to it (SCM_RIGHTS)", 1;
	if (q->u->type != SOCK_STREAM_ && sender != q->u->peer_sk)
		return q->why = "messages queued from a sender other than its peer", 1;
	if (consumed > len || len - consumed > MAX_QUEUE - q->bytes ||
	    q->u->npackets == MAX_PACKETS)
		return q->why = "a corrupt or oversized receive queue", 1;
	if (len == consumed)
		return 0;
	p = realloc(q->u->packets, (q->u->npackets + 1) * sizeof(*p));
	if (!p)
		return q->why = "out of memory", 1;
	q->u->packets = p;
	p = &p[q->u->npackets];
	p->len = len - consumed;
	p->data = malloc(p->len);
	if (!p->data)
		return q->why = "out of memory", 1;
	q->u->npackets++;
	r = dp_skb_payload(dk, skb, consumed, p->len, p->data, &why);
	if (r > 0)
		q->why = why;
	q->bytes += p->len;
	return r;
}

const char *dp_read_unix(struct dk *dk, uint64_t file, struct dp_unix *u)
{
	const struct unix_layout *l = unix_layout(dk);
	uint64_t sock, sk, addr, rcvtimeo, sndtimeo, flags, oob = 0;
	struct queue q = { .l = l, .u = u };
	uint16_t type;
	uint8_t state, shutdown;
	int32_t err, len;
	uint32_t qlen;

	memset(u, 0, sizeof(*u));
	if (!l)
		return dk_error(dk);
	if (dk_read_u64(dk, file + l->file_priv, &sock) || dk_read_u64(dk, sock + l->sock_sk, &sk) ||
	    dk_read_u64(dk, sock + l->sock_flags, &flags) || rd(dk, sk + l->sk_type, &type, 2) || rd(dk, sk + l->sk_state, &state, 1) ||
	    rd(dk, sk + l->sk_shutdown, &shutdown, 1) || rd(dk, sk + l->sk_err, &err, 4) ||
	    rd(dk, sk + l->sk_rcvbuf, &u->rcvbuf, 4) || rd(dk, sk + l->sk_sndbuf, &u->sndbuf, 4) ||
	    dk_read_u64(dk, sk + l->sk_rcvtimeo, &rcvtimeo) ||
	    dk_read_u64(dk, sk + l->sk_sndtimeo, &sndtimeo) ||
	    rd(dk, sk + l->sk_backlog, &u->backlog, 4) ||
	    rd(dk, sk + l->sk_rq + l->rq_qlen, &qlen, 4) ||
	    dk_read_u64(dk, sk + l->u_addr, &addr) ||
	    dk_read_u64(dk, sk + l->u_path + l->path_mnt, &u->path_mnt) ||
	    dk_read_u64(dk, sk + l->u_path + l->path_dentry, &u->path_dentry) ||
	    dk_read_u64(dk, sk + l->u_peer, &u->peer_sk) ||
	    (l->u_oob && dk_read_u64(dk, sk + l->u_oob, &oob)))
		return "Unix socket unreadable";
	u->sk = sk;
	u->type = type;
	u->state = state;
	u->shutdown = shutdown & SHUTDOWN_BOTH;
	u->passcred = flags & (1ULL << SOCK_PASSCRED_);
	u->passsec = flags & (1ULL << SOCK_PASSSEC_);
	if (type != SOCK_STREAM_ && type != SOCK_DGRAM_ && type != SOCK_SEQPACKET_)
		return "a Unix socket of an unknown type";
	if (state != TCP_ESTABLISHED_ && state != TCP_CLOSE_ &&
	    !(state == TCP_LISTEN_ && type != SOCK_DGRAM_))
		return "a Unix socket in a state the kernel does not keep";
	if (rcvtimeo != MAX_LONG || sndtimeo != MAX_LONG)
		return "a socket with a send or receive time-out";
	if (err)
		return "a socket with an error its process has not read yet";
	if (oob)
		return "an out-of-band byte (MSG_OOB) not yet read";
	if (addr) {
		if (rd(dk, addr + l->ua_len, &len, 4))
			return "Unix socket unreadable";
		if (len <= SUN_FAMILY_SIZE || len - SUN_FAMILY_SIZE > DP_UNIX_NAME_MAX)
			return "a Unix socket with a corrupt name";
		u->namelen = len - SUN_FAMILY_SIZE;
		if (rd(dk, addr + l->ua_name + l->sun_path, u->name, u->namelen))
			return "Unix socket unreadable";
		if (u->name[0] && u->name[0] != '/')
			return "a Unix socket bound to a relative path";
		if (u->name[0] && !u->path_dentry)
			return "a Unix socket with a path name and no file";
	}
	if (u->peer_sk && sock_ino(dk, l, u->peer_sk, &u->peer_ino))
		return "Unix socket unreadable";
	if (u->peer_sk)
		sock_name(dk, l, u->peer_sk, u->peer_name, sizeof(u->peer_name));
	/* Its peer closed, not both ways shut down: a dangling connection (CRIU's word). */
	if (type != SOCK_DGRAM_ && state == TCP_ESTABLISHED_ && !u->peer_ino &&
	    u->shutdown != SHUTDOWN_BOTH)
		return "a Unix connection whose peer is gone";
	if (state == TCP_LISTEN_) {
		if (qlen)
			return "a listening Unix socket with connections not yet accepted";
		return NULL;
	}
	if (dk_list_walk(dk, sk + l->sk_rq, queued, &q))
		return q.why ? q.why : "receive queue unreadable";
	return NULL;
}

void dp_unix_free(struct dp_unix *u)
{
	unsigned int i;

	if (!u)
		return;
	for (i = 0; i < u->npackets; i++)
		free(u->packets[i].data);
	free(u->packets);
	free(u->dir);
	free(u);
}
