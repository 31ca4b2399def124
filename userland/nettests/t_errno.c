/* t_errno.c: socket-call errors that need no connection (address independent). */

static void t_errno(void)
{
	long r;
	/* Families and types. Linux supports AF_INET6 and AF_UNIX; Keel answers EAFNOSUPPORT
	 * so programs fall back to IPv4 (README: what Keel answers). */
	r = R(socket(AF_INET6, SOCK_STREAM, 0));
	kt_expect_true("socket_inet6_succeeds_or_is_eafnosupport", r >= 0 || r == -EAFNOSUPPORT,
		       "a socket or EAFNOSUPPORT");
	if (r >= 0)
		close(r);
	r = R(socket(AF_UNIX, SOCK_STREAM, 0));
	kt_expect_true("socket_unix_succeeds_or_is_eafnosupport", r >= 0 || r == -EAFNOSUPPORT,
		       "a socket or EAFNOSUPPORT");
	if (r >= 0)
		close(r);
	kt_expect_err("socket_unknown_family_eafnosupport", R(socket(4000, SOCK_STREAM, 0)),
		      EAFNOSUPPORT);
	kt_expect_err("socket_bad_type_einval", R(socket(AF_INET, 99, 0)), EINVAL);
	kt_expect_err("socket_bad_flags_einval", R(socket(AF_INET, SOCK_STREAM | 0x100000, 0)),
		      EINVAL);
	kt_expect_err("socket_stream_udp_eprotonosupport",
		      R(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)), EPROTONOSUPPORT);
	kt_expect_err("socketpair_inet_eopnotsupp",
		      R(socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0, 0 })), EOPNOTSUPP);

	/* Not a socket, not an fd. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct sockaddr_in a = sin_of("127.0.0.1", 0);
	socklen_t al = sizeof a;
	kt_expect_err("bind_on_file_enotsock", R(bind(devnull, (struct sockaddr *)&a, sizeof a)),
		      ENOTSOCK);
	kt_expect_err("listen_bad_fd_ebadf", R(listen(-1, 1)), EBADF);
	kt_expect_err("shutdown_bad_fd_ebadf", R(shutdown(-1, SHUT_RDWR)), EBADF);
	kt_expect_err("shutdown_on_file_enotsock", R(shutdown(devnull, SHUT_RDWR)), ENOTSOCK);
	kt_expect_err("getsockname_on_file_enotsock",
		      R(getsockname(devnull, (struct sockaddr *)&a, &al)), ENOTSOCK);
	close(devnull);

	/* Addresses. */
	int s = tcp_socket();
	kt_expect_err("bind_short_address_einval", R(bind(s, (struct sockaddr *)&a, 8)), EINVAL);
	struct sockaddr_in six = a;
	six.sin_family = AF_INET6;
	kt_expect_err("bind_foreign_family_eafnosupport",
		      R(bind(s, (struct sockaddr *)&six, sizeof six)), EAFNOSUPPORT);
	struct sockaddr_in far = sin_of("192.0.2.1", 0);
	kt_expect_err("bind_foreign_address_eaddrnotavail",
		      R(bind(s, (struct sockaddr *)&far, sizeof far)), EADDRNOTAVAIL);
	al = sizeof a;
	kt_expect_ok("getsockname_unbound_ok", R(getsockname(s, (struct sockaddr *)&a, &al)));
	kt_expect_true("getsockname_unbound_is_any_port_0",
		       a.sin_port == 0 && a.sin_addr.s_addr == 0 && al == sizeof a,
		       "0.0.0.0:0 and length 16");
	kt_expect_err("getpeername_unconnected_enotconn",
		      R(getpeername(s, (struct sockaddr *)&a, &al)), ENOTCONN);
	char c;
	kt_expect_err("recv_unconnected_enotconn", R(recv(s, &c, 1, 0)), ENOTCONN);
	kt_expect_err("send_unconnected_epipe", R(send(s, "x", 1, MSG_NOSIGNAL)), EPIPE);
	kt_expect_err("shutdown_unconnected_enotconn", R(shutdown(s, SHUT_WR)), ENOTCONN);
	kt_expect_err("shutdown_bad_how_einval", R(shutdown(s, 7)), EINVAL);
	kt_expect_err("accept_not_listening_einval", R(accept(s, NULL, NULL)), EINVAL);
	a = sin_of("127.0.0.1", 0);
	kt_expect_ok("bind_port_zero_ok", R(bind(s, (struct sockaddr *)&a, sizeof a)));
	kt_expect_err("bind_twice_einval", R(bind(s, (struct sockaddr *)&a, sizeof a)), EINVAL);
	al = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &al);
	kt_expect_true("bind_port_zero_gets_a_port", ntohs(a.sin_port) != 0, "a port");
	int s2 = tcp_socket();
	kt_expect_err("bind_port_in_use_eaddrinuse", R(bind(s2, (struct sockaddr *)&a, sizeof a)),
		      EADDRINUSE);
	close(s2);
	close(s);

	/* SO_REUSEADDR on both lets two bind; only one may listen. */
	int one = 1, x = tcp_socket(), y = tcp_socket();
	setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	a = sin_of("127.0.0.1", 0);
	bind(x, (struct sockaddr *)&a, sizeof a);
	al = sizeof a;
	getsockname(x, (struct sockaddr *)&a, &al);
	kt_expect_ok("reuseaddr_both_bind_ok", R(bind(y, (struct sockaddr *)&a, sizeof a)));
	kt_expect_ok("reuseaddr_first_listen_ok", R(listen(x, 1)));
	kt_expect_err("reuseaddr_second_listen_eaddrinuse", R(listen(y, 1)), EADDRINUSE);
	close(x);
	close(y);

	/* UDP sockets do not listen or accept. */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	kt_expect_err("listen_udp_eopnotsupp", R(listen(u, 1)), EOPNOTSUPP);
	kt_expect_err("accept_udp_eopnotsupp", R(accept(u, NULL, NULL)), EOPNOTSUPP);
	kt_expect_err("sendto_udp_unconnected_no_address_edestaddrreq", R(send(u, "x", 1, 0)),
		      EDESTADDRREQ);
	kt_expect_err("shutdown_udp_unconnected_enotconn", R(shutdown(u, SHUT_RD)), ENOTCONN);
	kt_expect_err("setsockopt_tcp_option_on_udp_enoprotoopt",
		      R(setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)), ENOPROTOOPT);
	close(u);
}
