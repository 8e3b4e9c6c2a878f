// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: IPv4 and IPv6 TCP and UDP sockets of a dead kernel (an IPv6
 * socket may carry IPv4 peers, v4-mapped). A TCP connection, established or
 * closing (FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING, or ended
 * after both FINs while its process still holds it), is read with its
 * sequence numbers, windows, options and the bytes still queued both ways
 * (received but not read; written but not acknowledged), so it can be
 * re-created with TCP_REPAIR and go on with the peer none the wiser.
 *
 * The FINs are counted the way CRIU's libsoccr counts them, since its
 * restore re-creates them: inq_seq and outq_seq are rcv_nxt and write_seq
 * with the FINs in them, the queue lengths are data bytes only.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "deadsock.h"

#define AF_INET_	2
#define AF_INET6_	10
/* TCP states, as numbered in include/net/tcp_states.h. */
#define TCP_ESTABLISHED_ 1
#define TCP_FIN_WAIT1_	4
#define TCP_FIN_WAIT2_	5
#define TCP_CLOSE_	7
#define TCP_CLOSE_WAIT_	8
#define TCP_LAST_ACK_	9
#define TCP_LISTEN_	10
#define TCP_CLOSING_	11
/* A state as a bit; the state a dead kernel gives may be any byte. */
#define S(st)		((st) < 32 ? 1u << (st) : 0u)
/* Our FIN is in write_seq; the peer's FIN is in rcv_nxt. */
#define FIN_OUT		(S(TCP_FIN_WAIT1_) | S(TCP_FIN_WAIT2_) | S(TCP_CLOSING_) | \
			 S(TCP_LAST_ACK_) | S(TCP_CLOSE_))
#define FIN_IN		(S(TCP_CLOSE_WAIT_) | S(TCP_LAST_ACK_) | S(TCP_CLOSING_) | S(TCP_CLOSE_))
#define CONNECTION	(S(TCP_ESTABLISHED_) | FIN_OUT | FIN_IN)
#define SOCK_DONE_	1	/* enum sock_flags: the peer's FIN came */
#define MAX_QUEUE	(64u << 20)	/* bytes queued on one socket, at most */
#define MAX_LONG	0x7fffffffffffffffULL	/* MAX_SCHEDULE_TIMEOUT: no time-out */
#define TCP_NAGLE_OFF	1
#define TCPI_OPT_TIMESTAMPS 1
#define TCPI_OPT_SACK	2
#define TCPI_OPT_WSCALE	4
#define H(x) ((unsigned long long)(x))

struct bits {
	uint32_t off, n;
};

struct sk_layout {
	uint32_t file_priv, sock_sk, sk_family, sk_state, sk_daddr, sk_saddr, sk_dport, sk_num;
	uint32_t sk_sport, sk_flags, sk_err, sk_shutdown;
	uint32_t sk_v6_daddr, sk_v6_saddr;
	struct bits sk_v6only;
	uint32_t sk_type, sk_protocol, sk_rcvbuf, sk_sndbuf, sk_rcvtimeo, sk_sndtimeo;
	uint32_t sk_backlog, sk_rq, sk_wq, sk_rtx;
	struct bits sk_reuse;
	uint32_t tp_rcv_nxt, tp_copied_seq, tp_rcv_wup, tp_snd_nxt, tp_snd_una, tp_write_seq;
	uint32_t tp_snd_wl1, tp_snd_wnd, tp_max_window, tp_rcv_wnd, tp_tsoffset, tp_mstamp;
	uint32_t tp_mss_clamp;
	struct bits tp_tstamp_ok, tp_wscale_ok, tp_sack_ok, tp_snd_wscale, tp_rcv_wscale;
	struct bits tp_nonagle;
	uint32_t skb_next, skb_rbnode, skb_len, skb_data_len, skb_head, skb_data, skb_end, skb_cb;
	uint32_t shinfo_nr_frags, shinfo_frag_list, shinfo_frags, frag_size;
	uint32_t bv_page, bv_len, bv_offset, rb_left, rb_right;
};

static int layout(struct dk *dk, void *out)
{
	struct sk_layout *l = out;
	const struct dk_field f[] = {
		{ "struct file", "private_data", &l->file_priv },
		{ "struct socket", "sk", &l->sock_sk },
		{ "struct sock", "__sk_common.skc_family", &l->sk_family },
		{ "struct sock", "__sk_common.skc_state", &l->sk_state },
		{ "struct sock", "__sk_common.skc_daddr", &l->sk_daddr },
		{ "struct sock", "__sk_common.skc_rcv_saddr", &l->sk_saddr },
		{ "struct sock", "__sk_common.skc_dport", &l->sk_dport },
		{ "struct sock", "__sk_common.skc_num", &l->sk_num },
		{ "struct inet_sock", "inet_sport", &l->sk_sport },
		{ "struct sock", "__sk_common.skc_flags", &l->sk_flags },
		{ "struct sock", "sk_err", &l->sk_err },
		{ "struct sock", "sk_shutdown", &l->sk_shutdown },
		{ "struct sock", "__sk_common.skc_v6_daddr", &l->sk_v6_daddr },
		{ "struct sock", "__sk_common.skc_v6_rcv_saddr", &l->sk_v6_saddr },
		{ "struct sock", "sk_type", &l->sk_type },
		{ "struct sock", "sk_protocol", &l->sk_protocol },
		{ "struct sock", "sk_rcvbuf", &l->sk_rcvbuf },
		{ "struct sock", "sk_sndbuf", &l->sk_sndbuf },
		{ "struct sock", "sk_rcvtimeo", &l->sk_rcvtimeo },
		{ "struct sock", "sk_sndtimeo", &l->sk_sndtimeo },
		{ "struct sock", "sk_max_ack_backlog", &l->sk_backlog },
		{ "struct sock", "sk_receive_queue", &l->sk_rq },
		{ "struct sock", "sk_write_queue", &l->sk_wq },
		{ "struct sock", "tcp_rtx_queue", &l->sk_rtx },
		{ "struct tcp_sock", "rcv_nxt", &l->tp_rcv_nxt },
		{ "struct tcp_sock", "copied_seq", &l->tp_copied_seq },
		{ "struct tcp_sock", "rcv_wup", &l->tp_rcv_wup },
		{ "struct tcp_sock", "snd_nxt", &l->tp_snd_nxt },
		{ "struct tcp_sock", "snd_una", &l->tp_snd_una },
		{ "struct tcp_sock", "write_seq", &l->tp_write_seq },
		{ "struct tcp_sock", "snd_wl1", &l->tp_snd_wl1 },
		{ "struct tcp_sock", "snd_wnd", &l->tp_snd_wnd },
		{ "struct tcp_sock", "max_window", &l->tp_max_window },
		{ "struct tcp_sock", "rcv_wnd", &l->tp_rcv_wnd },
		{ "struct tcp_sock", "tsoffset", &l->tp_tsoffset },
		{ "struct tcp_sock", "tcp_mstamp", &l->tp_mstamp },
		{ "struct tcp_sock", "rx_opt.mss_clamp", &l->tp_mss_clamp },
		{ "struct sk_buff", "next", &l->skb_next },
		{ "struct sk_buff", "rbnode", &l->skb_rbnode },
		{ "struct sk_buff", "len", &l->skb_len },
		{ "struct sk_buff", "data_len", &l->skb_data_len },
		{ "struct sk_buff", "head", &l->skb_head },
		{ "struct sk_buff", "data", &l->skb_data },
		{ "struct sk_buff", "end", &l->skb_end },
		{ "struct sk_buff", "cb", &l->skb_cb },
		{ "struct skb_shared_info", "nr_frags", &l->shinfo_nr_frags },
		{ "struct skb_shared_info", "frag_list", &l->shinfo_frag_list },
		{ "struct skb_shared_info", "frags", &l->shinfo_frags },
		{ "struct bio_vec", "bv_page", &l->bv_page },
		{ "struct bio_vec", "bv_len", &l->bv_len },
		{ "struct bio_vec", "bv_offset", &l->bv_offset },
		{ "struct rb_node", "rb_left", &l->rb_left },
		{ "struct rb_node", "rb_right", &l->rb_right },
	};
	const struct {
		const char *type, *path;
		struct bits *b;
	} b[] = {
		{ "struct sock", "__sk_common.skc_reuse", &l->sk_reuse },
		{ "struct sock", "__sk_common.skc_ipv6only", &l->sk_v6only },
		{ "struct tcp_sock", "rx_opt.tstamp_ok", &l->tp_tstamp_ok },
		{ "struct tcp_sock", "rx_opt.wscale_ok", &l->tp_wscale_ok },
		{ "struct tcp_sock", "rx_opt.sack_ok", &l->tp_sack_ok },
		{ "struct tcp_sock", "rx_opt.snd_wscale", &l->tp_snd_wscale },
		{ "struct tcp_sock", "rx_opt.rcv_wscale", &l->tp_rcv_wscale },
		{ "struct tcp_sock", "nonagle", &l->tp_nonagle },
	};
	unsigned int i;

	if (dk_offsets(dk, f, DK_NFIELDS(f)))
		return -1;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (dk_bitfield(dk, b[i].type, b[i].path, &b[i].b->off, &b[i].b->n))
			return -1;
	return dk_sizeof(dk, "struct bio_vec", &l->frag_size);
}

static int rd(struct dk *dk, uint64_t va, void *buf, size_t n)
{
	return dk_read(dk, va, buf, n);
}

static int rd32(struct dk *dk, uint64_t va, uint32_t *v)
{
	return dk_read(dk, va, v, 4);
}

static int rdbits(struct dk *dk, uint64_t base, struct bits b, uint32_t *v)
{
	uint64_t word = 0;

	if (b.n > 32 || dk_read(dk, base + b.off / 8, &word, (b.off % 8 + b.n + 7) / 8))
		return -1;
	*v = (word >> (b.off % 8)) & ((1ULL << b.n) - 1);
	return 0;
}

/* Bytes [from, to) of the stream out of one skb carrying [seq, end_seq). */
struct gather {
	const struct sk_layout *l;
	uint32_t from, to;		/* sequence numbers */
	unsigned char *buf;
	uint32_t covered;		/* bytes found so far */
	const char *why;		/* set on a problem */
};

/* Bytes [s0, s0 + n) of the stream at va (virtual, or physical if phys): take what overlaps. */
static int piece(struct dk *dk, struct gather *g, uint32_t s0, uint64_t va, uint32_t n, bool phys)
{
	uint32_t s1 = s0 + n;
	uint32_t a = (int32_t)(g->from - s0) > 0 ? g->from : s0;
	uint32_t b = (int32_t)(g->to - s1) < 0 ? g->to : s1;

	if ((int32_t)(b - a) <= 0)
		return 0;
	if (phys ? dk_read_phys(dk, va + (a - s0), g->buf + (a - g->from), b - a) :
		   dk_read(dk, va + (a - s0), g->buf + (a - g->from), b - a))
		return -1;
	g->covered += b - a;
	return 0;
}

#define FRAG_LIST_MAX	64	/* skbs chained on one skb's frag_list */

/*
 * An skb's payload, from sequence number seq: its linear part, its page
 * fragments, then the skbs on its frag_list (a receive queue coalesces
 * into those), each the same way, one level deep. Its bytes must add up
 * to its len.
 */
static int skb_tree(struct dk *dk, struct gather *g, uint64_t skb, uint32_t seq, int depth)
{
	const struct sk_layout *l = g->l;
	uint32_t len, data_len, end, done, i, k;
	uint64_t head, data, frag_list = 0;
	uint8_t nr = 0;

	if (rd32(dk, skb + l->skb_len, &len) || rd32(dk, skb + l->skb_data_len, &data_len) ||
	    dk_read_u64(dk, skb + l->skb_head, &head) || dk_read_u64(dk, skb + l->skb_data, &data) ||
	    rd32(dk, skb + l->skb_end, &end) || rd(dk, head + end + l->shinfo_nr_frags, &nr, 1) ||
	    dk_read_u64(dk, head + end + l->shinfo_frag_list, &frag_list))
		return -1;
	if (data_len > len || nr > 17 || (frag_list && depth > 0)) {
		g->why = "a corrupt socket buffer";
		return 1;
	}
	done = len - data_len;
	if (piece(dk, g, seq, data, done, false))
		return -1;
	for (i = 0; i < nr; i++) {
		uint64_t fr = head + end + l->shinfo_frags + (uint64_t)i * l->frag_size, page, pfn;
		uint32_t n, off;

		if (dk_read_u64(dk, fr + l->bv_page, &page) || rd32(dk, fr + l->bv_len, &n) ||
		    rd32(dk, fr + l->bv_offset, &off) || dk_page_to_pfn(dk, page, &pfn))
			return -1;
		if (n > len - done) {
			g->why = "a corrupt socket buffer";
			return 1;
		}
		if (piece(dk, g, seq + done, pfn * 4096 + off, n, true))
			return -1;
		done += n;
	}
	for (k = 0; frag_list && k < FRAG_LIST_MAX; k++) {
		uint32_t n;
		int r;

		if (rd32(dk, frag_list + l->skb_len, &n))
			return -1;
		if (n > len - done) {
			g->why = "a corrupt socket buffer";
			return 1;
		}
		r = skb_tree(dk, g, frag_list, seq + done, depth + 1);
		if (r)
			return r;
		done += n;
		if (dk_read_u64(dk, frag_list + l->skb_next, &frag_list))
			return -1;
	}
	if (done != len || frag_list) {
		g->why = "a corrupt socket buffer";
		return 1;
	}
	return 0;
}

static int skb_bytes(struct dk *dk, struct gather *g, uint64_t skb)
{
	uint32_t seq;

	if (rd32(dk, skb + g->l->skb_cb, &seq))
		return -1;
	return skb_tree(dk, g, skb, seq, 0);
}

static int list_skb(struct dk *dk, uint64_t node, void *arg)
{
	struct gather *g = arg;

	return skb_bytes(dk, g, node - g->l->skb_next);
}

static int rb_skb(struct dk *dk, uint64_t node, void *arg)
{
	struct gather *g = arg;

	return skb_bytes(dk, g, node - g->l->skb_rbnode);
}

/* n less the FIN's sequence number, if the FIN is in the n (a FIN read or acknowledged is not). */
static uint32_t less_fin(uint32_t n, bool fin)
{
	return fin && n ? n - 1 : n;
}

static const char *read_tcp(struct dk *dk, const struct sk_layout *l, uint64_t sk, uint8_t state,
			    struct dp_tcp *t)
{
	uint32_t copied, snd_una, snd_nxt, tsoffset, v;
	bool fin_out = S(state) & FIN_OUT, fin_in = S(state) & FIN_IN;
	struct gather g = { .l = l };
	uint64_t mstamp;

	if (rd32(dk, sk + l->tp_rcv_nxt, &t->inq_seq) || rd32(dk, sk + l->tp_copied_seq, &copied) ||
	    rd32(dk, sk + l->tp_snd_una, &snd_una) || rd32(dk, sk + l->tp_snd_nxt, &snd_nxt) ||
	    rd32(dk, sk + l->tp_write_seq, &t->outq_seq) || rd32(dk, sk + l->tp_snd_wl1, &t->snd_wl1) ||
	    rd32(dk, sk + l->tp_snd_wnd, &t->snd_wnd) || rd32(dk, sk + l->tp_max_window, &t->max_window) ||
	    rd32(dk, sk + l->tp_rcv_wnd, &t->rcv_wnd) || rd32(dk, sk + l->tp_rcv_wup, &t->rcv_wup) ||
	    rd32(dk, sk + l->tp_tsoffset, &tsoffset) || dk_read_u64(dk, sk + l->tp_mstamp, &mstamp) ||
	    rd(dk, sk + l->tp_mss_clamp, &t->mss_clamp, 2))
		return "TCP state unreadable";
	t->mss_clamp &= 0xffff;
	t->inq_len = t->inq_seq - copied;
	t->outq_len = t->outq_seq - snd_una;
	t->unsq_len = t->outq_seq - snd_nxt;
	t->snd_nxt = snd_nxt;
	if (t->inq_len > MAX_QUEUE || t->outq_len > MAX_QUEUE || t->unsq_len > t->outq_len)
		return "TCP sequence numbers out of range";
	/* An ended connection has its FIN acknowledged: nothing left to send. */
	if (state == TCP_CLOSE_ && t->outq_len)
		return "an ended TCP connection with data not acknowledged";
	t->inq_len = less_fin(t->inq_len, fin_in);
	t->outq_len = less_fin(t->outq_len, fin_out);
	t->unsq_len = less_fin(t->unsq_len, fin_out);
	/* The kernel's TCP clock is in ms since boot, plus the connection's offset. */
	t->timestamp = (uint32_t)(mstamp / 1000) + tsoffset;
	if (rdbits(dk, sk, l->tp_tstamp_ok, &v))
		return "TCP options unreadable";
	t->opt_mask = v ? TCPI_OPT_TIMESTAMPS : 0;
	if (rdbits(dk, sk, l->tp_sack_ok, &v))
		return "TCP options unreadable";
	t->opt_mask |= v ? TCPI_OPT_SACK : 0;
	if (rdbits(dk, sk, l->tp_wscale_ok, &v))
		return "TCP options unreadable";
	t->opt_mask |= v ? TCPI_OPT_WSCALE : 0;
	if (rdbits(dk, sk, l->tp_snd_wscale, &t->snd_wscale) ||
	    rdbits(dk, sk, l->tp_rcv_wscale, &t->rcv_wscale) || rdbits(dk, sk, l->tp_nonagle, &v))
		return "TCP options unreadable";
	t->nodelay = v & TCP_NAGLE_OFF;
	t->inq = calloc(1, t->inq_len + 1);
	t->outq = calloc(1, t->outq_len + 1);
	if (!t->inq || !t->outq)
		return "out of memory";
	/* Received, not read: [copied_seq, rcv_nxt) from the receive queue, less a FIN. */
	g.from = copied, g.to = copied + t->inq_len, g.buf = t->inq;
	if (dk_list_walk(dk, sk + l->sk_rq, list_skb, &g))
		return g.why ? g.why : "receive queue unreadable";
	if (g.covered != t->inq_len)
		return "received data missing from the receive queue";
	/* Not acknowledged: sent ones in the retransmit tree, then unsent, less a FIN. */
	g.from = snd_una, g.to = snd_una + t->outq_len, g.buf = t->outq, g.covered = 0;
	if (dk_rb_walk(dk, sk + l->sk_rtx, l->rb_left, l->rb_right, rb_skb, &g) ||
	    dk_list_walk(dk, sk + l->sk_wq, list_skb, &g))
		return g.why ? g.why : "send queues unreadable";
	if (g.covered != t->outq_len)
		return "unacknowledged data missing from the send queues";
	return NULL;
}

/* The layout of this dead kernel's sockets, read once; NULL (dk_error) if it has none. */
static const struct sk_layout *sk_layout(struct dk *dk)
{
	return dk_reader_layout(dk, layout, sizeof(struct sk_layout));
}

int dp_sock_family(struct dk *dk, uint64_t file)
{
	const struct sk_layout *l = sk_layout(dk);
	uint64_t sock, sk;
	uint16_t family;

	if (!l || dk_read_u64(dk, file + l->file_priv, &sock) ||
	    dk_read_u64(dk, sock + l->sock_sk, &sk) || rd(dk, sk + l->sk_family, &family, 2))
		return -1;
	return family;
}

int dp_skb_payload(struct dk *dk, uint64_t skb, uint32_t from, uint32_t n, unsigned char *buf,
		   const char **why)
{
	const struct sk_layout *l = sk_layout(dk);
	struct gather g = { .l = l, .from = from, .to = from + n, .buf = buf };
	int r;

	if (!l)
		return -1;
	r = skb_tree(dk, &g, skb, 0, 0);
	if (!r && g.covered != n)
		g.why = "a socket buffer shorter than its length", r = 1;
	*why = g.why;
	return r;
}

const char *dp_read_inet(struct dk *dk, uint64_t file, struct dp_inet *in)
{
	const struct sk_layout *l = sk_layout(dk);
	uint64_t sock, sk, rcvtimeo, sndtimeo, flags;
	uint16_t family, type, proto, dport, num, sport;
	uint32_t reuse, v6only = 0;
	uint8_t state, shutdown;
	int32_t err;

	if (!l)
		return dk_error(dk);
	memset(in, 0, sizeof(*in));
	if (dk_read_u64(dk, file + l->file_priv, &sock) || dk_read_u64(dk, sock + l->sock_sk, &sk) ||
	    rd(dk, sk + l->sk_family, &family, 2) || rd(dk, sk + l->sk_state, &state, 1) ||
	    rd(dk, sk + l->sk_type, &type, 2) || rd(dk, sk + l->sk_protocol, &proto, 2))
		return "socket unreadable";
	if (family != AF_INET_ && family != AF_INET6_)
		return "a socket of a family other than IPv4 and IPv6";
	in->sk = sk;
	in->family = family;
	if (family == AF_INET6_ &&
	    (rd(dk, sk + l->sk_v6_daddr, in->dst6, 16) || rd(dk, sk + l->sk_v6_saddr, in->src6, 16) ||
	     rdbits(dk, sk, l->sk_v6only, &v6only)))
		return "socket unreadable";
	in->v6only = v6only;
	if (rd32(dk, sk + l->sk_daddr, &in->dst_addr) || rd32(dk, sk + l->sk_saddr, &in->src_addr) ||
	    rd(dk, sk + l->sk_dport, &dport, 2) || rd(dk, sk + l->sk_num, &num, 2) ||
	    rd(dk, sk + l->sk_sport, &sport, 2) || dk_read_u64(dk, sk + l->sk_flags, &flags) ||
	    rd(dk, sk + l->sk_err, &err, 4) || rd(dk, sk + l->sk_shutdown, &shutdown, 1) ||
	    rd32(dk, sk + l->sk_rcvbuf, &in->rcvbuf) || rd32(dk, sk + l->sk_sndbuf, &in->sndbuf) ||
	    dk_read_u64(dk, sk + l->sk_rcvtimeo, &rcvtimeo) ||
	    dk_read_u64(dk, sk + l->sk_sndtimeo, &sndtimeo) ||
	    rd32(dk, sk + l->sk_backlog, &in->backlog) || rdbits(dk, sk, l->sk_reuse, &reuse))
		return "socket unreadable";
	if (rcvtimeo != MAX_LONG || sndtimeo != MAX_LONG)
		return "a socket with a send or receive time-out";
	/* No system call sets it on a new socket: one the process has not read yet would be lost. */
	if (err)
		return "a socket with an error its process has not read yet";
	in->type = type;
	in->proto = proto;
	in->state = state;
	in->src_port = num;
	in->dst_port = ntohs(dport);
	in->reuseaddr = reuse;
	in->shutdown = shutdown & 3;
	if (proto == 17)	/* UDP: bound, perhaps connected */
		return state == TCP_CLOSE_ || state == TCP_ESTABLISHED_ ? NULL : "a UDP socket in a strange state";
	if (proto != 6)
		return "a socket of a protocol other than TCP and UDP";
	if (state == TCP_LISTEN_)
		return NULL;
	/*
	 * Closed: an ended connection (the peer's FIN came, SOCK_DONE, so a
	 * read says end of file) keeps its queue and is re-created through its
	 * FINs; any other (never connected, or reset and the error read: a
	 * read says ENOTCONN) is a new socket, not connected, as CRIU dumps it.
	 */
	if (state == TCP_CLOSE_ && (!in->dst_port || !(flags & (1ULL << SOCK_DONE_)))) {
		in->dst_port = 0;
		in->dst_addr = 0;
		memset(in->dst6, 0, sizeof(in->dst6));
		return NULL;
	}
	if (!(S(state) & CONNECTION))
		return "a TCP connection being opened, or in a state the kernel does not keep on a file";
	/* The port a connection's end leaves behind (skc_num) when it closes; inet_sport stays. */
	in->src_port = ntohs(sport);
	if (!in->dst_port || !in->src_port)
		return "a TCP connection without its ports";
	in->tcp = calloc(1, sizeof(*in->tcp));
	if (!in->tcp)
		return "out of memory";
	return read_tcp(dk, l, sk, state, in->tcp);
}

void dp_inet_free(struct dp_inet *in)
{
	if (in && in->tcp) {
		free(in->tcp->inq);
		free(in->tcp->outq);
		free(in->tcp);
	}
	free(in);
}
