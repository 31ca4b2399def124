/* t_unix.c: AF_UNIX sockets (address independent): socketpair of each type, stream and
 * datagram semantics, names in the filesystem and in the abstract namespace, autobind,
 * listen/accept, credentials and options, descriptors passed with SCM_RIGHTS, SO_PASSCRED and
 * SCM_CREDENTIALS, readiness, and blocked calls woken from another process. Every expectation
 * is what Linux answers. */

#include <stddef.h>
#include <sys/un.h>

#define U_STREAM_PATH "/tmp/keel-unix-stream"
#define U_DGRAM_PATH "/tmp/keel-unix-dgram"
#define U_CLIENT_PATH "/tmp/keel-unix-client"
#define U_NONE_PATH "/tmp/keel-unix-none"
#define U_FILE_PATH "/tmp/keel-unix-file"
#define U_FAMILY_LEN ((socklen_t)offsetof(struct sockaddr_un, sun_path))

static volatile int u_sigpipes;
static void u_on_sigpipe(int s)
{
	(void)s;
	u_sigpipes++;
}

static void u_on_alarm(int s)
{
	(void)s;
}

/* A filesystem address; returns the length Linux stores for it: family, path and NUL. */
static socklen_t u_path(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, strlen(path));
	return U_FAMILY_LEN + strlen(path) + 1;
}

/* An abstract address: a NUL, then the name, no terminator; the length counts just those. */
static socklen_t u_abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return U_FAMILY_LEN + 1 + strlen(name);
}

#define SA(a) ((struct sockaddr *)(a))

static int u_opt(int s, int name)
{
	int v = -12345;
	socklen_t l = sizeof v;
	return getsockopt(s, SOL_SOCKET, name, &v, &l) < 0 ? -errno : v;
}

/* socketpair through the raw call: musl's wrapper retries without SOCK_CLOEXEC and
 * SOCK_NONBLOCK after EINVAL and emulates them with fcntl, hiding a kernel that refuses them. */
static long u_pair(int type, int sv[2])
{
	return kt_sys4(SYS_socketpair, AF_UNIX, type, 0, sv);
}

static int u_listener(struct sockaddr_un *a, const char *abstract_name)
{
	socklen_t al = u_abstract(a, abstract_name);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, SA(a), al) < 0 || listen(l, 4) < 0)
		printf("info: unix listener @%s: %s\n", abstract_name, strerror(errno));
	return l;
}

static void u_socketpair(void)
{
	static const struct {
		int type;
		const char *name;
	} types[] = { { SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" }, { SOCK_SEQPACKET, "seqpacket" } };
	char name[80], b1[16], b2[16];
	int sv[2];
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		snprintf(name, sizeof name, "unix_socketpair_%s_ok", types[i].name);
		if (kt_expect_ok(name, u_pair(types[i].type | SOCK_CLOEXEC, sv)) < 0)
			continue;
		long w1 = R(write(sv[0], "ping", 4)), r1 = R(read(sv[1], b1, sizeof b1));
		long w2 = R(send(sv[1], "pong!", 5, 0)), r2 = R(recv(sv[0], b2, sizeof b2, 0));
		snprintf(name, sizeof name, "unix_socketpair_%s_data_both_ways", types[i].name);
		kt_expect_true(name, w1 == 4 && r1 == 4 && w2 == 5 && r2 == 5 &&
				     memcmp(b1, "ping", 4) == 0 && memcmp(b2, "pong!", 5) == 0,
			       "ping one way, pong! the other");
		snprintf(name, sizeof name, "unix_socketpair_%s_so_type", types[i].name);
		kt_expect_eq(name, u_opt(sv[1], SO_TYPE), types[i].type);
		close(sv[0]);
		close(sv[1]);
	}
	if (kt_expect_ok("unix_socketpair_flags_ok",
			 u_pair(SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, sv)) == 0) {
		kt_expect_true("unix_socketpair_cloexec_sets_fd_cloexec",
			       (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) && (fcntl(sv[1], F_GETFD) & FD_CLOEXEC),
			       "FD_CLOEXEC on both ends");
		kt_expect_true("unix_socketpair_nonblock_sets_o_nonblock",
			       (fcntl(sv[0], F_GETFL) & O_NONBLOCK) && (fcntl(sv[1], F_GETFL) & O_NONBLOCK),
			       "O_NONBLOCK on both ends");
		close(sv[0]);
		close(sv[1]);
	}
	if (u_pair(SOCK_STREAM, sv) == 0) {
		kt_expect_true("unix_socketpair_no_flags_no_cloexec_no_nonblock",
			       fcntl(sv[0], F_GETFD) == 0 && !(fcntl(sv[1], F_GETFL) & O_NONBLOCK),
			       "neither flag");
		close(sv[0]);
		close(sv[1]);
	}
	kt_expect_err("unix_socketpair_inet_eopnotsupp",
		      kt_sys4(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
	kt_expect_err("unix_socketpair_type_out_of_range_einval", u_pair(99, sv), EINVAL);
	kt_expect_err("unix_socketpair_bad_flags_einval", u_pair(SOCK_STREAM | 0x100000, sv), EINVAL);
	kt_expect_err("unix_socketpair_rdm_esocktnosupport", u_pair(SOCK_RDM, sv), ESOCKTNOSUPPORT);
	/* Protocol 1 is PF_UNIX, which AF_UNIX accepts; anything else is refused. */
	long r = kt_sys4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 1, sv);
	kt_expect_ok("unix_socketpair_protocol_pf_unix_ok", r);
	if (r == 0) {
		close(sv[0]);
		close(sv[1]);
	}
	kt_expect_err("unix_socketpair_protocol_2_eprotonosupport",
		      kt_sys4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 2, sv), EPROTONOSUPPORT);
	kt_expect_err("unix_socketpair_bad_pointer_efault",
		      kt_sys4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 1), EFAULT);
}

static unsigned char u_pattern(unsigned long i)
{
	return (unsigned char)(i * 131 + (i >> 11));
}

static void u_stream(void)
{
	char buf[64];
	int sv[2], avail = -1;
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) < 0)
		return;
	kt_expect_err("unix_stream_recv_dontwait_empty_eagain", R(recv(sv[0], buf, 1, MSG_DONTWAIT)),
		      EAGAIN);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	kt_expect_err("unix_stream_recv_nonblocking_empty_eagain", R(recv(sv[0], buf, 1, 0)), EAGAIN);
	kt_expect_eq("unix_stream_connected_polls_out_only",
		     revents(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0), POLLOUT);
	send(sv[1], "hello", 5, 0);
	send(sv[1], "abc", 3, 0);
	kt_expect_ok("unix_stream_fionread_ok", R(ioctl(sv[0], FIONREAD, &avail)));
	kt_expect_eq("unix_stream_fionread_counts_all_bytes", avail, 8);
	/* A stream keeps no boundaries: one recv takes both writes. */
	kt_expect_eq("unix_stream_recv_joins_writes", R(recv(sv[0], buf, sizeof buf, 0)), 8);
	kt_expect_true("unix_stream_data_intact", memcmp(buf, "helloabc", 8) == 0, "helloabc");

	/* Half close: the peer reads EOF, the other direction still carries data. */
	kt_expect_ok("unix_stream_shutdown_wr_ok", R(shutdown(sv[1], SHUT_WR)));
	kt_expect_eq("unix_stream_peer_shut_wr_polls_in_out_rdhup",
		     revents(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0), POLLIN | POLLOUT | POLLRDHUP);
	kt_expect_eq("unix_stream_peer_shut_wr_recv_eof", R(recv(sv[0], buf, sizeof buf, 0)), 0);
	kt_expect_eq("unix_stream_after_shut_wr_other_way_send", R(send(sv[0], "back", 4, 0)), 4);
	kt_expect_eq("unix_stream_after_shut_wr_other_way_recv", R(recv(sv[1], buf, sizeof buf, 0)), 4);
	kt_expect_err("unix_stream_send_after_own_shut_wr_epipe",
		      R(send(sv[1], "x", 1, MSG_NOSIGNAL)), EPIPE);

	/* Full close: EOF, POLLHUP, and EPIPE on writes, with SIGPIPE unless MSG_NOSIGNAL. */
	close(sv[1]);
	kt_expect_eq("unix_stream_peer_closed_polls_in_out_rdhup_hup",
		     revents(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0),
		     POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	kt_expect_eq("unix_stream_peer_closed_recv_eof", R(recv(sv[0], buf, sizeof buf, 0)), 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = u_on_sigpipe;
	sigaction(SIGPIPE, &sa, &old);
	u_sigpipes = 0;
	kt_expect_err("unix_stream_send_closed_peer_nosignal_epipe",
		      R(send(sv[0], "x", 1, MSG_NOSIGNAL)), EPIPE);
	kt_expect_eq("unix_stream_msg_nosignal_raises_no_sigpipe", u_sigpipes, 0);
	kt_expect_err("unix_stream_write_closed_peer_epipe", R(write(sv[0], "x", 1)), EPIPE);
	kt_expect_eq("unix_stream_epipe_raises_sigpipe", u_sigpipes, 1);
	sigaction(SIGPIPE, &old, NULL);
	close(sv[0]);

	/* Closing with unread data resets the peer: ECONNRESET once, then EOF. */
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) == 0) {
		send(sv[0], "unread", 6, 0);
		close(sv[1]);
		kt_expect_err("unix_stream_close_with_unread_data_econnreset",
			      R(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT)), ECONNRESET);
		kt_expect_eq("unix_stream_after_reset_recv_eof",
			     R(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT)), 0);
		close(sv[0]);
	}

	/* 4 MiB from a child in odd-sized writes; the reader hashes what arrives. */
	const unsigned long total = 4ul << 20;
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) == 0) {
		pid_t p = fork();
		if (p == 0) {
			static unsigned char chunk[70001];
			alarm(20);
			close(sv[0]);
			for (unsigned long off = 0; off < total;) {
				size_t n = total - off < sizeof chunk ? total - off : sizeof chunk;
				for (size_t k = 0; k < n; k++)
					chunk[k] = u_pattern(off + k);
				ssize_t w = write(sv[1], chunk, n);
				if (w <= 0)
					_exit(1);
				off += w;
			}
			_exit(0);
		}
		close(sv[1]);
		static unsigned char rb[50000];
		unsigned long got = 0;
		unsigned int h = 2166136261u, want = 2166136261u;
		for (unsigned long i = 0; i < total; i++)
			want = (want ^ u_pattern(i)) * 16777619u;
		for (;;) {
			ssize_t k = read(sv[0], rb, sizeof rb);
			if (k <= 0)
				break;
			for (ssize_t i = 0; i < k; i++)
				h = (h ^ rb[i]) * 16777619u;
			got += k;
		}
		kt_expect_true("unix_stream_4mib_transfer_intact", got == total && h == want,
			       "4 MiB with the writer's checksum");
		expect_child_ok("unix_stream_4mib_writer", p);
		close(sv[0]);
	}

	/* Fill a non-blocking stream: EAGAIN, no POLLOUT; drained: POLLOUT again. */
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, sv) == 0) {
		static char junk[65536];
		long sent = 0, r = 0;
		for (int i = 0; i < 1000 && (r = R(write(sv[0], junk, sizeof junk))) > 0; i++)
			sent += r;
		kt_expect_true("unix_stream_nonblocking_fill_takes_data", sent > 0, "some bytes");
		kt_expect_err("unix_stream_full_nonblocking_write_eagain", r, EAGAIN);
		kt_expect_eq("unix_stream_full_polls_not_out", revents(sv[0], POLLOUT, 0), 0);
		avail = -1;
		ioctl(sv[1], FIONREAD, &avail);
		kt_expect_eq("unix_stream_fionread_counts_full_buffer", avail, sent);
		long drained = 0;
		while ((r = read(sv[1], junk, sizeof junk)) > 0)
			drained += r;
		kt_expect_eq("unix_stream_drain_gets_every_byte", drained, sent);
		kt_expect_eq("unix_stream_drained_polls_out", revents(sv[0], POLLOUT, 0), POLLOUT);
		close(sv[0]);
		close(sv[1]);
	}
}

static void u_datagrams(void)
{
	static const struct {
		int type;
		const char *name;
	} types[] = { { SOCK_DGRAM, "dgram" }, { SOCK_SEQPACKET, "seqpacket" } };
	char name[80], buf[64];
	int sv[2];
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		const char *t = types[i].name;
		int dgram = types[i].type == SOCK_DGRAM, avail = -1;
		if (u_pair(types[i].type | SOCK_CLOEXEC, sv) < 0)
			continue;
		send(sv[0], "abc", 3, 0);
		send(sv[0], "defgh", 5, 0);
		/* FIONREAD: the first datagram's size, but a seqpacket's whole queue. */
		ioctl(sv[1], FIONREAD, &avail);
		snprintf(name, sizeof name, "unix_%s_fionread", t);
		kt_expect_eq(name, avail, dgram ? 3 : 8);
		long r1 = R(recv(sv[1], buf, sizeof buf, 0)), r2 = R(recv(sv[1], buf + 3, sizeof buf - 3, 0));
		snprintf(name, sizeof name, "unix_%s_keeps_message_boundaries", t);
		kt_expect_true(name, r1 == 3 && r2 == 5 && memcmp(buf, "abcdefgh", 8) == 0,
			       "3 bytes then 5");

		send(sv[0], "0123456789", 10, 0);
		struct iovec iov = { buf, 4 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		long r = R(recvmsg(sv[1], &m, 0));
		snprintf(name, sizeof name, "unix_%s_short_buffer_truncates_msg_trunc", t);
		kt_expect_true(name, r == 4 && (m.msg_flags & MSG_TRUNC) && memcmp(buf, "0123", 4) == 0,
			       "4 bytes and MSG_TRUNC");
		snprintf(name, sizeof name, "unix_%s_truncated_rest_discarded", t);
		kt_expect_err(name, R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), EAGAIN);
		send(sv[0], "0123456789", 10, 0);
		snprintf(name, sizeof name, "unix_%s_recv_msg_trunc_returns_full_length", t);
		kt_expect_eq(name, R(recv(sv[1], buf, 4, MSG_TRUNC)), 10);

		struct iovec huge[3] = { { buf, (size_t)SSIZE_MAX }, { buf, (size_t)SSIZE_MAX }, { buf, 3 } };
		struct msghdr hm = { .msg_iov = huge, .msg_iovlen = 3 };
		snprintf(name, sizeof name, "unix_%s_sendmsg_iov_lengths_overflowing_efault", t);
		kt_expect_err(name, R(sendmsg(sv[0], &hm, MSG_DONTWAIT)), EFAULT);
		if (dgram) {
			kt_expect_eq("unix_dgram_send_zero_length", R(send(sv[0], "", 0, 0)), 0);
			kt_expect_eq("unix_dgram_zero_length_received_as_0",
				     R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), 0);
			kt_expect_err("unix_dgram_zero_length_was_one_datagram",
				      R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), EAGAIN);
			/* A datagram peer's close is no EOF; sending to it is refused once, and
			 * then the socket is simply unconnected. */
			close(sv[0]);
			kt_expect_err("unix_dgram_peer_closed_recv_eagain",
				      R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), EAGAIN);
			kt_expect_err("unix_dgram_send_closed_peer_econnrefused",
				      R(send(sv[1], "x", 1, MSG_NOSIGNAL)), ECONNREFUSED);
			kt_expect_err("unix_dgram_send_after_refusal_enotconn",
				      R(send(sv[1], "x", 1, MSG_NOSIGNAL)), ENOTCONN);
		} else {
			close(sv[0]);
			kt_expect_eq("unix_seqpacket_eof_after_close",
				     R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), 0);
			kt_expect_err("unix_seqpacket_send_closed_peer_epipe",
				      R(send(sv[1], "x", 1, MSG_NOSIGNAL)), EPIPE);
		}
		close(sv[1]);
	}
}

/* Empty datagrams cost their sender too: a flood of them to a peer (a socketpair, so no
 * queue-length limit) ends in EAGAIN instead of growing the queue without bound. */
static void u_empty_flood(void)
{
	int sv[2];
	long n = 0, r = 0;
	if (u_pair(SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, sv) < 0)
		return;
	while (n < 100000 && (r = R(send(sv[0], "", 0, 0))) == 0)
		n++;
	kt_expect_err("unix_dgram_empty_datagram_flood_eagain", r, EAGAIN);
	kt_expect_true("unix_dgram_empty_datagrams_queued_before_eagain", n > 0, "some");
	close(sv[0]);
	close(sv[1]);
}

/* write(2) and read(2) of a datagram larger than the kernel's 64 KiB copy steps: still
 * one datagram, read whole (and scattered whole by readv). */
static void u_big_datagram(void)
{
	static char out[100000], in[200000];
	int sv[2];
	if (u_pair(SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, sv) < 0)
		return;
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (char)(i * 7 + 3);
	kt_expect_eq("unix_seqpacket_write_100000_bytes", R(write(sv[0], out, sizeof out)), 100000);
	long r = R(read(sv[1], in, sizeof in));
	kt_expect_true("unix_seqpacket_read_whole_100000_byte_record",
		       r == 100000 && memcmp(in, out, sizeof out) == 0, "100000 bytes, intact");
	kt_expect_err("unix_seqpacket_write_was_one_record", R(read(sv[1], in, sizeof in)), EAGAIN);
	write(sv[0], out, sizeof out);
	struct iovec v[2] = { { in, 70000 }, { in + 70000, 70000 } };
	r = R(readv(sv[1], v, 2));
	kt_expect_true("unix_seqpacket_readv_scatters_one_record",
		       r == 100000 && memcmp(in, out, sizeof out) == 0, "100000 bytes over two buffers");
	close(sv[0]);
	close(sv[1]);
}

static void u_named(void)
{
	struct sockaddr_un a, x, got;
	socklen_t al = u_path(&a, U_STREAM_PATH), gl;
	struct stat st;
	char buf[16];
	unlink(U_STREAM_PATH);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t mask = umask(022);
	/* The whole structure as the length: Linux stores the path's own length. */
	kt_expect_ok("unix_bind_path_ok", R(bind(l, SA(&a), sizeof a)));
	umask(mask);
	kt_expect_ok("unix_bound_path_stat_ok", R(stat(U_STREAM_PATH, &st)));
	kt_expect_true("unix_bound_path_is_s_ifsock", S_ISSOCK(st.st_mode), "S_IFSOCK");
	kt_expect_eq("unix_bound_path_mode_0777_less_umask_022", st.st_mode & 07777, 0755);
	/* Linux makes the node before it looks at the socket: its own path again is taken,
	 * a new path is EINVAL and the node made for it is removed. */
	kt_expect_err("unix_bind_bound_socket_same_path_eaddrinuse", R(bind(l, SA(&a), al)),
		      EADDRINUSE);
	unlink(U_NONE_PATH);
	kt_expect_err("unix_bind_bound_socket_new_path_einval",
		      R(bind(l, SA(&x), u_path(&x, U_NONE_PATH))), EINVAL);
	kt_expect_err("unix_bind_refused_leaves_no_file", R(stat(U_NONE_PATH, &st)), ENOENT);
	int b = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_bind_existing_path_eaddrinuse", R(bind(b, SA(&a), al)), EADDRINUSE);
	kt_expect_err("unix_open_socket_path_enxio", R(open(U_STREAM_PATH, O_RDONLY | O_CLOEXEC)),
		      ENXIO);
	gl = sizeof got;
	getsockname(l, SA(&got), &gl);
	kt_expect_true("unix_getsockname_bound_is_path_with_nul_length",
		       gl == al && strcmp(got.sun_path, U_STREAM_PATH) == 0, "the path, 2 + strlen + 1");
	kt_expect_err("unix_listen_unbound_einval", R(listen(b, 1)), EINVAL);
	kt_expect_err("unix_accept_not_listening_einval", R(accept(l, NULL, NULL)), EINVAL);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_connect_bound_not_listening_econnrefused", R(connect(c, SA(&a), al)),
		      ECONNREFUSED);
	kt_expect_err("unix_getpeername_unconnected_enotconn", R(getpeername(c, SA(&got), &gl)),
		      ENOTCONN);
	kt_expect_err("unix_stream_recv_unconnected_einval", R(recv(c, buf, 1, MSG_DONTWAIT)), EINVAL);
	kt_expect_err("unix_stream_send_unconnected_enotconn", R(send(c, "x", 1, MSG_NOSIGNAL)),
		      ENOTCONN);
	kt_expect_err("unix_stream_sendto_unconnected_eopnotsupp",
		      R(sendto(c, "x", 1, MSG_NOSIGNAL, SA(&a), al)), EOPNOTSUPP);
	kt_expect_ok("unix_listen_ok", R(listen(l, 4)));
	kt_expect_ok("unix_connect_path_ok", R(connect(c, SA(&a), al)));
	kt_expect_err("unix_connect_connected_eisconn", R(connect(c, SA(&a), al)), EISCONN);
	struct sockaddr_un pa;
	socklen_t pl = sizeof pa;
	int s = accept(l, SA(&pa), &pl);
	kt_expect_ok("unix_accept_ok", R(s));
	kt_expect_true("unix_accept_unbound_peer_is_family_only",
		       pl == U_FAMILY_LEN && pa.sun_family == AF_UNIX, "length 2, AF_UNIX");
	gl = sizeof got;
	getpeername(c, SA(&got), &gl);
	kt_expect_true("unix_getpeername_client_is_path",
		       gl == al && strcmp(got.sun_path, U_STREAM_PATH) == 0, "the listener's path");
	gl = sizeof got;
	getsockname(c, SA(&got), &gl);
	kt_expect_eq("unix_getsockname_unbound_client_length_2", gl, U_FAMILY_LEN);
	gl = sizeof got;
	getsockname(s, SA(&got), &gl);
	kt_expect_true("unix_getsockname_accepted_is_listener_path",
		       gl == al && strcmp(got.sun_path, U_STREAM_PATH) == 0, "the listener's path");
	gl = sizeof got;
	got.sun_family = 0;
	getpeername(s, SA(&got), &gl);
	kt_expect_true("unix_getpeername_accepted_unbound_client_length_2",
		       gl == U_FAMILY_LEN && got.sun_family == AF_UNIX, "length 2, AF_UNIX");
	send(c, "named", 5, 0);
	kt_expect_eq("unix_named_connection_carries_data", R(recv(s, buf, sizeof buf, 0)), 5);

	int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_connect_dgram_to_stream_eprototype", R(connect(d, SA(&a), al)),
		      EPROTOTYPE);
	close(d);
	int e = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(U_NONE_PATH);
	kt_expect_err("unix_connect_missing_path_enoent",
		      R(connect(e, SA(&x), u_path(&x, U_NONE_PATH))), ENOENT);
	close(open(U_FILE_PATH, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644));
	kt_expect_err("unix_connect_regular_file_econnrefused",
		      R(connect(e, SA(&x), u_path(&x, U_FILE_PATH))), ECONNREFUSED);
	unlink(U_FILE_PATH);
	u_path(&x, "/tmp/keel-unix-bad");
	kt_expect_err("unix_bind_addrlen_1_einval", R(bind(e, SA(&x), 1)), EINVAL);
	kt_expect_err("unix_bind_addrlen_too_long_einval", R(bind(e, SA(&x), sizeof x + 1)), EINVAL);
	x.sun_family = AF_INET;
	kt_expect_err("unix_bind_wrong_family_einval", R(bind(e, SA(&x), sizeof x)), EINVAL);
	kt_expect_err("unix_connect_wrong_family_einval", R(connect(e, SA(&x), sizeof x)), EINVAL);
	close(e);

	/* The path outlives the listener, but nobody answers there any more. */
	close(s);
	close(c);
	close(b);
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_connect_after_listener_closed_econnrefused", R(connect(c, SA(&a), al)),
		      ECONNREFUSED);
	kt_expect_ok("unix_path_outlives_listener", R(stat(U_STREAM_PATH, &st)));
	close(c);
	unlink(U_STREAM_PATH);

	/* sun_path filled to all 108 bytes with no NUL: Linux takes it, and reports 111. */
	char longp[sizeof a.sun_path + 1];
	memset(longp, 'u', sizeof longp - 1);
	memcpy(longp, "/tmp/", 5);
	longp[sizeof longp - 1] = 0;
	unlink(longp);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, longp, sizeof a.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_ok("unix_bind_108_byte_path_without_nul_ok", R(bind(l, SA(&a), sizeof a)));
	struct sockaddr_storage big;
	socklen_t bl = sizeof big;
	getsockname(l, SA(&big), &bl);
	kt_expect_true("unix_getsockname_108_byte_path_length_111",
		       bl == U_FAMILY_LEN + sizeof a.sun_path + 1 &&
			       memcmp(((struct sockaddr_un *)&big)->sun_path, longp, sizeof a.sun_path) == 0,
		       "length 111 and the path");
	kt_expect_ok("unix_108_byte_path_exists", R(stat(longp, &st)));
	close(l);
	unlink(longp);
}

static int u_is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static void u_abstract_names(void)
{
	struct sockaddr_un a, got;
	socklen_t al = u_abstract(&a, "keel-unix-abstract"), gl = sizeof got;
	struct stat st;
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_ok("unix_abstract_bind_ok", R(bind(l, SA(&a), al)));
	getsockname(l, SA(&got), &gl);
	kt_expect_true("unix_abstract_getsockname_exact_length",
		       gl == al && memcmp(&got, &a, al) == 0, "the name at the length given");
	kt_expect_true("unix_abstract_creates_no_file",
		       stat("keel-unix-abstract", &st) < 0 && stat("/keel-unix-abstract", &st) < 0 &&
			       stat("/tmp/keel-unix-abstract", &st) < 0,
		       "no file named after it");
	int b = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_abstract_bind_twice_eaddrinuse", R(bind(b, SA(&a), al)), EADDRINUSE);
	struct sockaddr_un other;
	kt_expect_err("unix_abstract_bind_bound_socket_einval",
		      R(bind(l, SA(&other), u_abstract(&other, "keel-unix-other"))), EINVAL);
	close(b);
	listen(l, 4);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_ok("unix_abstract_connect_ok", R(connect(c, SA(&a), al)));
	int s = accept(l, NULL, NULL);
	kt_expect_ok("unix_abstract_accept_ok", R(s));
	gl = sizeof got;
	getpeername(c, SA(&got), &gl);
	kt_expect_true("unix_abstract_getpeername_exact_length", gl == al && memcmp(&got, &a, al) == 0,
		       "the listener's name");
	char ch = 0;
	send(s, "A", 1, 0);
	kt_expect_true("unix_abstract_connection_carries_data", recv(c, &ch, 1, 0) == 1 && ch == 'A',
		       "A");
	close(s);
	close(c);
	close(l);
	/* The name goes with its last socket. */
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_abstract_connect_unbound_econnrefused", R(connect(c, SA(&a), al)),
		      ECONNREFUSED);
	kt_expect_ok("unix_abstract_name_free_after_close", R(bind(c, SA(&a), al)));
	close(c);

	/* Autobind: a bare family gets a NUL and five hex digits, length 8. */
	int x = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int y = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un fam = { .sun_family = AF_UNIX }, ga, gb;
	kt_expect_ok("unix_autobind_ok", R(bind(x, SA(&fam), U_FAMILY_LEN)));
	bind(y, SA(&fam), U_FAMILY_LEN);
	socklen_t la = sizeof ga, lb = sizeof gb;
	getsockname(x, SA(&ga), &la);
	getsockname(y, SA(&gb), &lb);
	int hex = 1;
	for (int i = 1; i < 6; i++)
		hex &= u_is_hex(ga.sun_path[i]);
	kt_expect_eq("unix_autobind_getsockname_length_8", la, 8);
	kt_expect_true("unix_autobind_name_nul_and_five_hex_digits", ga.sun_path[0] == 0 && hex,
		       "\\0 and 5 lowercase hex digits");
	kt_expect_true("unix_autobind_names_differ", lb == 8 && memcmp(&ga, &gb, 8) != 0,
		       "two different names");
	close(x);
	close(y);
}

static void u_dgram_names(void)
{
	struct sockaddr_un a, x, from;
	socklen_t al = u_path(&a, U_DGRAM_PATH), xl, fl;
	char buf[16];
	unlink(U_DGRAM_PATH);
	unlink(U_CLIENT_PATH);
	int srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	kt_expect_ok("unix_dgram_bind_path_ok", R(bind(srv, SA(&a), al)));
	int c = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_dgram_send_unconnected_enotconn", R(send(c, "x", 1, MSG_NOSIGNAL)),
		      ENOTCONN);
	kt_expect_err("unix_dgram_sendto_missing_path_enoent",
		      R(sendto(c, "x", 1, 0, SA(&x), u_path(&x, U_NONE_PATH))), ENOENT);
	kt_expect_eq("unix_dgram_sendto_path", R(sendto(c, "hi", 2, 0, SA(&a), al)), 2);
	/* An unbound sender has no name: Linux reports a zero address length. */
	fl = sizeof from;
	memset(&from, 0x55, sizeof from);
	kt_expect_eq("unix_dgram_recvfrom", R(recvfrom(srv, buf, sizeof buf, 0, SA(&from), &fl)), 2);
	kt_expect_eq("unix_dgram_unbound_sender_address_length_0", fl, 0);
	xl = u_path(&x, U_CLIENT_PATH);
	bind(c, SA(&x), xl);
	sendto(c, "hi", 2, 0, SA(&a), al);
	fl = sizeof from;
	recvfrom(srv, buf, sizeof buf, 0, SA(&from), &fl);
	kt_expect_true("unix_dgram_bound_sender_address_is_path",
		       fl == xl && strcmp(from.sun_path, U_CLIENT_PATH) == 0, "the client's path");
	int z = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un fam = { .sun_family = AF_UNIX };
	bind(z, SA(&fam), U_FAMILY_LEN);
	sendto(z, "hi", 2, 0, SA(&a), al);
	fl = sizeof from;
	recvfrom(srv, buf, sizeof buf, 0, SA(&from), &fl);
	kt_expect_true("unix_dgram_autobound_sender_address_length_8",
		       fl == 8 && from.sun_path[0] == 0, "length 8, abstract");
	close(z);
	kt_expect_ok("unix_dgram_connect_ok", R(connect(c, SA(&a), al)));
	kt_expect_eq("unix_dgram_connected_send", R(send(c, "conn", 4, 0)), 4);
	kt_expect_eq("unix_dgram_connected_send_arrives", R(recv(srv, buf, sizeof buf, 0)), 4);
	fl = sizeof from;
	getpeername(c, SA(&from), &fl);
	kt_expect_true("unix_dgram_getpeername_connected_is_path",
		       fl == al && strcmp(from.sun_path, U_DGRAM_PATH) == 0, "the server's path");
	/* The server answers the client by its bound name. */
	kt_expect_eq("unix_dgram_reply_to_bound_client", R(sendto(srv, "re", 2, 0, SA(&x), xl)), 2);
	kt_expect_eq("unix_dgram_reply_arrives", R(recv(c, buf, sizeof buf, 0)), 2);
	close(c);
	close(srv);
	unlink(U_DGRAM_PATH);
	unlink(U_CLIENT_PATH);
}

static void u_listen(void)
{
	struct sockaddr_un a;
	socklen_t al = u_abstract(&a, "keel-unix-listen");
	int l = u_listener(&a, "keel-unix-listen"), d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_listen_dgram_eopnotsupp", R(listen(d, 1)), EOPNOTSUPP);
	kt_expect_err("unix_accept_dgram_eopnotsupp", R(accept(d, NULL, NULL)), EOPNOTSUPP);
	close(d);
	kt_expect_eq("unix_so_acceptconn_listener_1", u_opt(l, SO_ACCEPTCONN), 1);
	int avail = -1;
	kt_expect_err("unix_fionread_listener_einval", R(ioctl(l, FIONREAD, &avail)), EINVAL);
	kt_expect_eq("unix_idle_listener_polls_nothing", revents(l, POLLIN | POLLOUT, 0), 0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	kt_expect_err("unix_accept_nonblocking_empty_eagain", R(accept(l, NULL, NULL)), EAGAIN);
	/* A connect completes at once, before accept: the backlog holds it. */
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_ok("unix_connect_before_accept_ok", R(connect(c, SA(&a), al)));
	kt_expect_eq("unix_listener_polls_in_with_pending_connection",
		     revents(l, POLLIN | POLLOUT, 2000), POLLIN);
	kt_expect_eq("unix_send_before_accept", R(send(c, "early", 5, 0)), 5);
	/* Raw accept4: musl's wrapper would emulate the flags after EINVAL. */
	int s = kt_sys4(SYS_accept4, l, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK);
	kt_expect_ok("unix_accept4_ok", s);
	if (s >= 0) {
		kt_expect_true("unix_accept4_sock_cloexec_sets_fd_cloexec", fcntl(s, F_GETFD) & FD_CLOEXEC,
			       "FD_CLOEXEC");
		kt_expect_true("unix_accept4_sock_nonblock_sets_o_nonblock",
			       fcntl(s, F_GETFL) & O_NONBLOCK, "O_NONBLOCK");
		char buf[8];
		kt_expect_eq("unix_data_sent_before_accept_arrives", R(recv(s, buf, sizeof buf, 0)), 5);
		close(s);
	}
	close(c);
	close(l);
}

static void u_creds(void)
{
	struct ucred cr;
	socklen_t cl = sizeof cr;
	int sv[2];
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) < 0)
		return;
	getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	kt_expect_true("unix_peercred_socketpair_is_self",
		       cl == sizeof cr && cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(),
		       "this process's pid, uid and gid");
	kt_expect_eq("unix_so_type_stream", u_opt(sv[0], SO_TYPE), SOCK_STREAM);
	kt_expect_eq("unix_so_domain_af_unix", u_opt(sv[0], SO_DOMAIN), AF_UNIX);
	kt_expect_eq("unix_so_protocol_0", u_opt(sv[0], SO_PROTOCOL), 0);
	kt_expect_eq("unix_so_acceptconn_connected_0", u_opt(sv[0], SO_ACCEPTCONN), 0);
	kt_expect_eq("unix_so_error_0", u_opt(sv[0], SO_ERROR), 0);
	kt_expect_true("unix_so_sndbuf_positive", u_opt(sv[0], SO_SNDBUF) > 0, "> 0");
	close(sv[0]);
	close(sv[1]);
	/* Nobody at the other end: pid 0 and ids -1. */
	int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cl = sizeof cr;
	getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	kt_expect_true("unix_peercred_unconnected_pid_0_ids_minus_1",
		       cr.pid == 0 && cr.uid == (uid_t)-1 && cr.gid == (gid_t)-1, "{0, -1, -1}");
	close(u);

	/* Across processes: each end sees the other's pid. The child waits for a byte so
	 * that its pid stays its own while the parent looks. */
	struct sockaddr_un a;
	socklen_t al = u_abstract(&a, "keel-unix-cred");
	int l = u_listener(&a, "keel-unix-cred");
	pid_t parent = getpid(), p = fork();
	if (p == 0) {
		alarm(20);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		struct ucred pc;
		socklen_t pcl = sizeof pc;
		char b;
		if (connect(c, SA(&a), al) < 0 ||
		    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &pc, &pcl) < 0 || pc.pid != parent)
			_exit(1);
		_exit(read(c, &b, 1) == 1 ? 0 : 2);
	}
	int s = accept(l, NULL, NULL);
	cl = sizeof cr;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	kt_expect_eq("unix_peercred_accepted_is_connecting_child", cr.pid, p);
	write(s, "k", 1);
	expect_child_ok("unix_peercred_client_sees_listener_pid", p);
	close(s);
	close(l);
}

static long u_send_fds(int s, const int *fds, int n)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	memset(&u, 0, sizeof u);
	struct iovec iov = { "F", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return R(sendmsg(s, &m, MSG_NOSIGNAL));
}

/* What one recvmsg of the single byte sent with descriptors brings back. */
struct u_fds {
	long r;
	int flags, level, type, nfds, fds[4];
	size_t len;
};

static struct u_fds u_recv_fds(int s, size_t controllen, int flags)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = controllen ? u.b : NULL,
			    .msg_controllen = controllen };
	struct u_fds f = { .level = -1, .type = -1 };
	memset(&u, 0, sizeof u);
	f.r = R(recvmsg(s, &m, flags));
	f.flags = m.msg_flags;
	struct cmsghdr *c = f.r >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c) {
		f.level = c->cmsg_level;
		f.type = c->cmsg_type;
		f.len = c->cmsg_len;
		f.nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(f.fds, CMSG_DATA(c), f.nfds * sizeof(int));
	}
	return f;
}

static void u_rights(void)
{
	int sv[2], p[2], q[2];
	char buf[64];
	struct stat s1, s2;
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	write(p[1], HELLO_CONTENT, strlen(HELLO_CONTENT));
	kt_expect_eq("unix_scm_rights_sendmsg", u_send_fds(sv[0], &p[0], 1), 1);
	struct u_fds f = u_recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0);
	kt_expect_eq("unix_scm_rights_recvmsg", f.r, 1);
	kt_expect_true("unix_scm_rights_cmsg_header",
		       f.level == SOL_SOCKET && f.type == SCM_RIGHTS && f.len == CMSG_LEN(sizeof(int)) &&
			       !(f.flags & MSG_CTRUNC),
		       "SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(4), no MSG_CTRUNC");
	int fd = f.nfds == 1 ? f.fds[0] : -1;
	fstat(p[0], &s1);
	kt_expect_true("unix_scm_rights_new_descriptor_same_pipe",
		       fd >= 0 && fd != p[0] && fd != p[1] && fstat(fd, &s2) == 0 &&
			       s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev,
		       "a new number for the same pipe");
	kt_expect_eq("unix_scm_rights_received_fd_not_cloexec", fcntl(fd, F_GETFD), 0);
	long n = R(read(fd, buf, sizeof buf));
	kt_expect_true("unix_scm_rights_descriptor_reads_content",
		       n == (long)strlen(HELLO_CONTENT) && memcmp(buf, HELLO_CONTENT, n) == 0,
		       HELLO_CONTENT);
	close(fd);

	u_send_fds(sv[0], &p[0], 1);
	f = u_recv_fds(sv[1], CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC);
	kt_expect_true("unix_scm_rights_msg_cmsg_cloexec_sets_fd_cloexec",
		       f.nfds == 1 && fcntl(f.fds[0], F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC");
	if (f.nfds == 1)
		close(f.fds[0]);
	close(p[0]);
	close(p[1]);

	/* Two at once; the sender closes its copies while they are in flight. */
	pipe2(q, O_CLOEXEC);
	kt_expect_eq("unix_scm_rights_two_fds_sendmsg", u_send_fds(sv[0], q, 2), 1);
	close(q[0]);
	close(q[1]);
	f = u_recv_fds(sv[1], CMSG_SPACE(2 * sizeof(int)), 0);
	kt_expect_true("unix_scm_rights_two_fds_cmsg", f.r == 1 && f.nfds == 2 &&
			       f.len == CMSG_LEN(2 * sizeof(int)), "CMSG_LEN(8), 2 descriptors");
	if (f.nfds == 2) {
		write(f.fds[1], "q", 1);
		kt_expect_true("unix_scm_rights_two_fds_survive_sender_close",
			       read(f.fds[0], buf, 1) == 1 && buf[0] == 'q', "q through the pipe");
		close(f.fds[0]);
		close(f.fds[1]);
	}

	struct iovec one = { "F", 1 };
	struct msghdr nullctl = { .msg_iov = &one, .msg_iovlen = 1, .msg_controllen = 24 };
	/* Raw calls: musl's sendmsg copies the control buffer itself (and refuses > 1024). */
	kt_expect_err("unix_sendmsg_null_control_with_length_efault",
		      kt_sys3(SYS_sendmsg, sv[0], &nullctl, 0), EFAULT);
	nullctl.msg_control = buf;
	nullctl.msg_controllen = 1 << 20;
	kt_expect_err("unix_sendmsg_control_over_optmem_enobufs",
		      kt_sys3(SYS_sendmsg, sv[0], &nullctl, 0), ENOBUFS);
	int bad = 9999;
	kt_expect_err("unix_scm_rights_bad_fd_ebadf", u_send_fds(sv[0], &bad, 1), EBADF);
	kt_expect_err("unix_scm_rights_bad_fd_sends_nothing",
		      R(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)), EAGAIN);

	/* Room for one descriptor of two: one arrives, MSG_CTRUNC; no room at all: MSG_CTRUNC. */
	pipe2(q, O_CLOEXEC);
	u_send_fds(sv[0], q, 2);
	f = u_recv_fds(sv[1], CMSG_LEN(sizeof(int)), 0);
	kt_expect_true("unix_scm_rights_short_control_msg_ctrunc",
		       f.r == 1 && (f.flags & MSG_CTRUNC) && f.nfds == 1, "1 descriptor and MSG_CTRUNC");
	if (f.nfds >= 1)
		close(f.fds[0]);
	u_send_fds(sv[0], q, 2);
	f = u_recv_fds(sv[1], 0, 0);
	kt_expect_true("unix_scm_rights_no_control_msg_ctrunc", f.r == 1 && (f.flags & MSG_CTRUNC),
		       "the byte and MSG_CTRUNC");
	close(q[0]);
	close(q[1]);
	close(sv[0]);
	close(sv[1]);
}

static void u_readiness(void)
{
	int sv[2];
	char b;
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) < 0)
		return;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT, .data.fd = sv[0] }, out[4];
	kt_expect_ok("unix_epoll_ctl_add", R(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e)));
	kt_expect_true("unix_epoll_initially_out_only",
		       epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLOUT, "EPOLLOUT");
	write(sv[1], "e", 1);
	kt_expect_true("unix_epoll_in_after_peer_write",
		       epoll_wait(ep, out, 4, 2000) == 1 && out[0].events == (EPOLLIN | EPOLLOUT),
		       "EPOLLIN|EPOLLOUT");
	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(sv[0], &rs);
	FD_SET(sv[0], &ws);
	struct timeval tv = { 2, 0 };
	kt_expect_eq("unix_select_readable_and_writable", R(select(sv[0] + 1, &rs, &ws, NULL, &tv)), 2);
	read(sv[0], &b, 1);
	kt_expect_true("unix_epoll_out_only_after_read",
		       epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLOUT, "EPOLLOUT");
	close(ep);
	close(sv[0]);
	close(sv[1]);
}

static void u_blocking(void)
{
	int sv[2];
	char buf[8];
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) == 0) {
		pid_t p = fork();
		if (p == 0) {
			alarm(20);
			msleep(100);
			_exit(write(sv[1], "w", 1) == 1 ? 0 : 1);
		}
		alarm(10);
		long t0 = now_ms(), r = R(recv(sv[0], buf, sizeof buf, 0)), dt = now_ms() - t0;
		alarm(20);
		kt_expect_eq("unix_blocked_recv_woken_by_write", r, 1);
		kt_expect_true("unix_blocked_recv_waited_for_it", dt >= 90, "at least 90 ms");
		expect_child_ok("unix_blocked_recv_writer", p);
		close(sv[0]);
		close(sv[1]);
	}
	struct sockaddr_un a;
	socklen_t al = u_abstract(&a, "keel-unix-block");
	int l = u_listener(&a, "keel-unix-block");
	pid_t p = fork();
	if (p == 0) {
		alarm(20);
		msleep(100);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(c, SA(&a), al) == 0 ? 0 : 1);
	}
	alarm(10);
	long t0 = now_ms(), s = R(accept(l, NULL, NULL)), dt = now_ms() - t0;
	alarm(20);
	kt_expect_ok("unix_blocked_accept_woken_by_connect", s);
	kt_expect_true("unix_blocked_accept_waited_for_it", dt >= 90, "at least 90 ms");
	expect_child_ok("unix_blocked_accept_connector", p);
	if (s >= 0)
		close(s);
	close(l);

	/* shutdown(SHUT_RD) on a listener from another process ends a blocked accept, and
	 * later connections are refused. */
	al = u_abstract(&a, "keel-unix-shut");
	l = u_listener(&a, "keel-unix-shut");
	p = fork();
	if (p == 0) {
		alarm(20);
		msleep(100);
		_exit(shutdown(l, SHUT_RD) == 0 ? 0 : 1);
	}
	alarm(10);
	s = R(accept(l, NULL, NULL));
	alarm(20);
	kt_expect_err("unix_blocked_accept_ended_by_shutdown_einval", s, EINVAL);
	expect_child_ok("unix_listener_shutdown_rd", p);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	kt_expect_err("unix_connect_shut_listener_econnrefused", R(connect(c, SA(&a), al)), ECONNREFUSED);
	close(c);
	close(l);
}

/* One recvmsg of a single byte with room for credentials and four descriptors. */
static long u_recv_ctl(int s, struct msghdr *m, void *ctl, size_t ctllen, char *byte)
{
	static struct iovec iov;
	iov.iov_base = byte;
	iov.iov_len = 1;
	memset(m, 0, sizeof *m);
	m->msg_iov = &iov;
	m->msg_iovlen = 1;
	m->msg_control = ctl;
	m->msg_controllen = ctllen;
	return R(recvmsg(s, m, 0));
}

static long u_send_cred(int s, pid_t pid, uid_t uid, gid_t gid)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} u;
	struct ucred cr = { pid, uid, gid };
	struct iovec iov = { "C", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof u.b };
	memset(&u, 0, sizeof u);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof cr);
	memcpy(CMSG_DATA(c), &cr, sizeof cr);
	return R(sendmsg(s, &m, MSG_NOSIGNAL));
}

/* SO_PASSCRED: every message received reports its sender as SCM_CREDENTIALS. */
static void u_passcred(void)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr m;
	struct ucred cr;
	char byte, buf[8];
	int sv[2], one = 1, v = -1;
	socklen_t vl = sizeof v;
	if (u_pair(SOCK_DGRAM | SOCK_CLOEXEC, sv) < 0)
		return;
	send(sv[0], "a", 1, 0);
	kt_expect_eq("unix_passcred_off_recvmsg", u_recv_ctl(sv[1], &m, u.b, sizeof u.b, &byte), 1);
	kt_expect_eq("unix_passcred_off_no_control", (long)m.msg_controllen, 0);
	kt_expect_ok("unix_so_passcred_set", R(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one)));
	getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vl);
	kt_expect_eq("unix_so_passcred_get_1", v, 1);
	send(sv[0], "b", 1, 0);
	kt_expect_eq("unix_passcred_recvmsg", u_recv_ctl(sv[1], &m, u.b, sizeof u.b, &byte), 1);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	memset(&cr, 0xff, sizeof cr);
	if (c && c->cmsg_type == SCM_CREDENTIALS)
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
	kt_expect_true("unix_passcred_scm_credentials_is_sender",
		       c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
			       c->cmsg_len == CMSG_LEN(sizeof cr) && cr.pid == getpid() &&
			       cr.uid == getuid() && cr.gid == getgid(),
		       "SCM_CREDENTIALS with this process's pid, uid and gid");
	kt_expect_eq("unix_passcred_controllen_one_cmsg_space", (long)m.msg_controllen,
		     (long)CMSG_SPACE(sizeof cr));
	send(sv[0], "c", 1, 0);
	u_recv_ctl(sv[1], &m, NULL, 0, &byte);
	kt_expect_true("unix_passcred_no_control_buffer_msg_ctrunc", m.msg_flags & MSG_CTRUNC, "MSG_CTRUNC");

	/* Credentials first, then the descriptors. */
	u_send_fds(sv[0], &sv[0], 1);
	u_recv_ctl(sv[1], &m, u.b, sizeof u.b, &byte);
	c = CMSG_FIRSTHDR(&m);
	struct cmsghdr *c2 = c ? CMSG_NXTHDR(&m, c) : NULL;
	kt_expect_true("unix_passcred_with_rights_credentials_then_rights",
		       c && c->cmsg_type == SCM_CREDENTIALS && c2 && c2->cmsg_type == SCM_RIGHTS,
		       "SCM_CREDENTIALS, then SCM_RIGHTS");
	if (c2 && c2->cmsg_type == SCM_RIGHTS) {
		int fd;
		memcpy(&fd, CMSG_DATA(c2), sizeof fd);
		close(fd);
	}

	/* An explicit SCM_CREDENTIALS with the sender's own ids arrives as given; a process
	 * that is not root may not claim another pid. */
	kt_expect_eq("unix_scm_credentials_own_ids_sendmsg", u_send_cred(sv[0], getpid(), getuid(), getgid()), 1);
	u_recv_ctl(sv[1], &m, u.b, sizeof u.b, &byte);
	c = CMSG_FIRSTHDR(&m);
	kt_expect_true("unix_scm_credentials_own_ids_delivered",
		       c && c->cmsg_type == SCM_CREDENTIALS && memcmp(CMSG_DATA(c), &(struct ucred){ getpid(), getuid(), getgid() }, sizeof cr) == 0,
		       "the ids sent");
	pid_t p = fork();
	if (p == 0) {
		alarm(20);
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		_exit(u_send_cred(sv[0], 1, 65534, 65534) == -EPERM ? 0 : 1);
	}
	expect_child_ok("unix_scm_credentials_other_pid_unprivileged_eperm", p);

	/* The sender autobinds when it has SO_PASSCRED itself. */
	struct sockaddr_un a;
	socklen_t al = sizeof a;
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	send(sv[0], "d", 1, 0);
	getsockname(sv[0], SA(&a), &al);
	kt_expect_eq("unix_passcred_sender_autobinds_on_send", (long)al, 8);
	close(sv[0]);
	close(sv[1]);

	/* A stream with SO_PASSCRED does not glue bytes of different senders. */
	if (u_pair(SOCK_STREAM | SOCK_CLOEXEC, sv) < 0)
		return;
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	p = fork();
	if (p == 0)
		_exit(write(sv[0], "x", 1) == 1 ? 0 : 1);
	expect_child_ok("unix_passcred_stream_child_writes", p);
	write(sv[0], "y", 1);
	long r1 = R(recv(sv[1], buf, sizeof buf, 0));
	char b1 = buf[0];
	long r2 = R(recv(sv[1], buf, sizeof buf, 0));
	kt_expect_true("unix_passcred_stream_senders_not_glued", r1 == 1 && b1 == 'x' && r2 == 1 && buf[0] == 'y',
		       "x alone, then y");
	close(sv[0]);
	close(sv[1]);
}

static void t_unix(void)
{
	static void (*const sections[])(void) = {
		u_socketpair, u_stream, u_datagrams, u_empty_flood, u_big_datagram, u_named, u_abstract_names, u_dgram_names,
		u_listen, u_creds, u_rights, u_passcred, u_readiness, u_blocking,
	};
	/* SIGALRM without SA_RESTART bounds every section: a call that blocks for a wakeup
	 * that never comes ends in EINTR, a FAIL rather than a hung suite. Children inherit
	 * the handler and arm their own alarm. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = u_on_alarm;
	sigaction(SIGALRM, &sa, &old);
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		alarm(20);
		sections[i]();
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
}
