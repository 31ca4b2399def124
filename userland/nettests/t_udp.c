/* t_udp.c: UDP echo between processes, sources, truncation, connected filtering. */

static void t_udp(void)
{
	char buf[64];
	int srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = sin_of(cur_addr, 0), from;
	socklen_t al = sizeof a, fl;
	kt_expect_ok(N("udp_bind_ok"), R(bind(srv, (struct sockaddr *)&a, sizeof a)));
	getsockname(srv, (struct sockaddr *)&a, &al);
	pid_t p = fork();
	if (p == 0) {
		alarm(20);
		for (int i = 0; i < 3; i++) {
			struct sockaddr_in f;
			socklen_t l = sizeof f;
			int k = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&f, &l);
			if (k < 0 || sendto(srv, buf, k, 0, (struct sockaddr *)&f, l) != k)
				_exit(1);
		}
		_exit(0);
	}
	int c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	kt_expect_eq(N("udp_sendto_unbound_autobinds"),
		     R(sendto(c, "echo", 4, 0, (struct sockaddr *)&a, sizeof a)), 4);
	fl = sizeof from;
	kt_expect_eq(N("udp_echo_returns"), R(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl)), 4);
	kt_expect_true(N("udp_echo_source_is_server"),
		       from.sin_port == a.sin_port && from.sin_addr.s_addr == a.sin_addr.s_addr &&
			       fl == sizeof from,
		       "the server's address");
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	getsockname(c, (struct sockaddr *)&me, &ml);
	kt_expect_true(N("udp_autobind_port_nonzero"), me.sin_port != 0, "a port");
	/* Truncation: MSG_TRUNC reports the real length. */
	sendto(c, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a);
	kt_expect_eq(N("udp_recv_msg_trunc_real_length"), R(recv(c, buf, 4, MSG_TRUNC)), 10);
	/* Connected: send without an address, getpeername. */
	kt_expect_ok(N("udp_connect_ok"), R(connect(c, (struct sockaddr *)&a, sizeof a)));
	struct sockaddr_in pa;
	socklen_t pl = sizeof pa;
	kt_expect_ok(N("udp_getpeername_connected"), R(getpeername(c, (struct sockaddr *)&pa, &pl)));
	kt_expect_eq(N("udp_connected_send"), R(send(c, "abc", 3, 0)), 3);
	kt_expect_eq(N("udp_connected_recv"), R(recv(c, buf, sizeof buf, 0)), 3);
	expect_child_ok(N("udp_echo_server"), p);
	kt_expect_err(N("udp_recv_nonblocking_empty_eagain"), R(recv(c, buf, 1, MSG_DONTWAIT)), EAGAIN);
	/* sendmsg gathers two pieces into one datagram; recvmsg scatters it, names the sender
	 * and flags truncation. */
	int r2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in ra = sin_of(cur_addr, 0);
	socklen_t ral = sizeof ra;
	bind(r2, (struct sockaddr *)&ra, sizeof ra);
	getsockname(r2, (struct sockaddr *)&ra, &ral);
	struct iovec sv[2] = { { "gath", 4 }, { "ered", 4 } };
	struct msghdr sm = { .msg_name = &ra, .msg_namelen = sizeof ra, .msg_iov = sv, .msg_iovlen = 2 };
	kt_expect_eq(N("udp_sendmsg_two_pieces"), R(sendmsg(c, &sm, 0)), 8);
	char p1[3], p2[3];
	struct iovec rv[2] = { { p1, 3 }, { p2, 3 } };
	struct sockaddr_in src;
	struct msghdr rm = { .msg_name = &src, .msg_namelen = sizeof src, .msg_iov = rv, .msg_iovlen = 2 };
	revents(r2, POLLIN, 2000);
	kt_expect_eq(N("udp_recvmsg_scatters_six_of_eight"), R(recvmsg(r2, &rm, 0)), 6);
	kt_expect_true(N("udp_recvmsg_data_and_flags"),
		       memcmp(p1, "gat", 3) == 0 && memcmp(p2, "her", 3) == 0 &&
			       (rm.msg_flags & MSG_TRUNC) && rm.msg_namelen == sizeof src &&
			       src.sin_port == me.sin_port,
		       "\"gat\" \"her\", MSG_TRUNC, the sender's address");
	close(r2);
	/* Pieces whose lengths add up past 2^64 reach beyond user space: EFAULT from Linux's
	 * import_iovec before anything is sent (and no overflowed total). */
	struct iovec huge[3] = { { p1, (size_t)SSIZE_MAX }, { p1, (size_t)SSIZE_MAX }, { p1, 3 } };
	struct msghdr hm = { .msg_iov = huge, .msg_iovlen = 3 };
	kt_expect_err(N("udp_sendmsg_iov_lengths_overflowing_efault"), R(sendmsg(c, &hm, 0)), EFAULT);
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	kt_expect_ok(N("udp_connect_af_unspec_disconnects"), R(connect(c, &un, sizeof un)));
	kt_expect_err(N("udp_disconnected_getpeername_enotconn"),
		      R(getpeername(c, (struct sockaddr *)&pa, &pl)), ENOTCONN);
	close(c);
	close(srv);
}
