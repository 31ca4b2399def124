/* t_tcp.c: TCP connections over the address under test: connect outcomes, data, close and
 * reset, EPIPE with SIGPIPE, non-blocking calls, accept4 flags, sendfile, readv/writev. */

static volatile int sigpipes;
static void on_sigpipe(int s)
{
	(void)s;
	sigpipes++;
}

static void t_tcp(void)
{
	char buf[256];
	int c, s, port, one = 1;
	struct sockaddr_in a;
	socklen_t al;

	/* Refused: blocking, then non-blocking with EINPROGRESS and SO_ERROR. */
	int cp = closed_port();
	c = tcp_socket();
	a = sin_of(cur_addr, cp);
	kt_expect_err(N("connect_closed_port_econnrefused"),
		      R(connect(c, (struct sockaddr *)&a, sizeof a)), ECONNREFUSED);
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	long r = R(connect(c, (struct sockaddr *)&a, sizeof a));
	kt_expect_true(N("connect_nonblocking_refused_einprogress_or_refused"),
		       r == -EINPROGRESS || r == -ECONNREFUSED, "EINPROGRESS (or ECONNREFUSED)");
	if (r == -EINPROGRESS) {
		short ev = revents(c, POLLOUT, 5000);
		kt_expect_true(N("connect_refused_polls_out_err_hup"),
			       (ev & (POLLOUT | POLLERR | POLLHUP)) == (POLLOUT | POLLERR | POLLHUP),
			       "POLLOUT|POLLERR|POLLHUP");
		kt_expect_eq(N("connect_refused_so_error_econnrefused"), so_error(c), ECONNREFUSED);
		kt_expect_eq(N("so_error_cleared_after_read"), so_error(c), 0);
	}
	close(c);

	/* Non-blocking connect to a listener: EINPROGRESS, POLLOUT, SO_ERROR 0, then connect
	 * says 0 once and EISCONN after. */
	int l = listener(8, &port);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	a = sin_of(cur_addr, port);
	r = R(connect(c, (struct sockaddr *)&a, sizeof a));
	kt_expect_true(N("connect_nonblocking_einprogress"), r == -EINPROGRESS || r == 0,
		       "EINPROGRESS");
	kt_expect_true(N("connect_nonblocking_completes_pollout"),
		       revents(c, POLLOUT, 5000) & POLLOUT, "POLLOUT");
	kt_expect_eq(N("connect_nonblocking_so_error_0"), so_error(c), 0);
	if (r == -EINPROGRESS)
		kt_expect_ok(N("connect_again_after_completion_ok"),
			     R(connect(c, (struct sockaddr *)&a, sizeof a)));
	kt_expect_err(N("connect_connected_eisconn"), R(connect(c, (struct sockaddr *)&a, sizeof a)),
		      EISCONN);
	kt_expect_err(N("listen_on_connected_einval"), R(listen(c, 1)), EINVAL);
	kt_expect_err(N("connect_on_listener_eisconn"),
		      R(connect(l, (struct sockaddr *)&a, sizeof a)), EISCONN);
	struct sockaddr_in peer;
	al = sizeof peer;
	s = accept4(l, (struct sockaddr *)&peer, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
	kt_expect_ok(N("accept4_ok"), R(s));
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	getsockname(c, (struct sockaddr *)&me, &ml);
	kt_expect_true(N("accept_peer_is_client_address"),
		       peer.sin_port == me.sin_port && peer.sin_addr.s_addr == me.sin_addr.s_addr &&
			       al == sizeof peer,
		       "the client's getsockname");
	kt_expect_true(N("accept4_sock_nonblock_sets_o_nonblock"),
		       fcntl(s, F_GETFL) & O_NONBLOCK, "O_NONBLOCK");
	kt_expect_true(N("accept4_sock_cloexec_sets_fd_cloexec"), fcntl(s, F_GETFD) & FD_CLOEXEC,
		       "FD_CLOEXEC");
	/* Raw: musl's accept4 wrapper does not pass unknown flags through. */
	kt_expect_err(N("accept4_bad_flags_einval"), kt_sys4(SYS_accept4, l, 0, 0, 0x1), EINVAL);
	fcntl(l, F_SETFL, O_NONBLOCK);
	kt_expect_err(N("accept_nonblocking_empty_eagain"), R(accept4(l, NULL, NULL, 0)),
		      EAGAIN);
	fcntl(l, F_SETFL, 0);
	al = sizeof a;
	getpeername(s, (struct sockaddr *)&a, &al);
	kt_expect_true(N("getpeername_of_accepted_is_client"), a.sin_port == me.sin_port,
		       "the client's port");
	kt_expect_err(N("recv_nonblocking_empty_eagain"), R(recv(s, buf, 1, 0)), EAGAIN);
	kt_expect_eq(N("send_data"), R(send(c, "hello", 5, 0)), 5);
	revents(s, POLLIN, 5000);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	kt_expect_eq(N("fionread_counts_bytes"), avail, 5);
	kt_expect_eq(N("recv_msg_peek_leaves_data"), R(recv(s, buf, 5, MSG_PEEK)), 5);
	kt_expect_eq(N("recv_after_peek_gets_data"), R(recv(s, buf, sizeof buf, 0)), 5);
	kt_expect_true(N("recv_data_intact"), memcmp(buf, "hello", 5) == 0, "hello");
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
	kt_expect_err(N("recv_msg_dontwait_eagain"), R(recv(c, buf, 1, MSG_DONTWAIT)), EAGAIN);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	kt_expect_err(N("fcntl_o_nonblock_makes_recv_eagain"), R(recv(c, buf, 1, 0)), EAGAIN);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);

	/* readv/writev and read/write. */
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	kt_expect_eq(N("writev_on_socket"), R(writev(c, iov, 2)), 5);
	char x1[3], x2[2];
	struct iovec in[2] = { { x1, 3 }, { x2, 2 } };
	revents(s, POLLIN, 5000);
	kt_expect_eq(N("readv_on_socket"), R(readv(s, in, 2)), 5);
	kt_expect_true(N("readv_data_intact"), memcmp(x1, "abc", 3) == 0 && memcmp(x2, "de", 2) == 0,
		       "abcde");
	/* sendmsg/recvmsg on a stream. */
	struct iovec mv[2] = { { "sm", 2 }, { "sg", 2 } };
	struct msghdr mh = { .msg_iov = mv, .msg_iovlen = 2 };
	kt_expect_eq(N("sendmsg_stream_two_pieces"), R(sendmsg(c, &mh, 0)), 4);
	char m1[4];
	struct iovec mr = { m1, 4 };
	struct msghdr rh = { .msg_iov = &mr, .msg_iovlen = 1 };
	revents(s, POLLIN, 5000);
	kt_expect_eq(N("recvmsg_stream"), R(recvmsg(s, &rh, MSG_WAITALL)), 4);
	kt_expect_true(N("recvmsg_stream_data"), memcmp(m1, "smsg", 4) == 0, "smsg");
	/* select sees a readable socket. */
	send(c, "s", 1, 0);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(s, &rs);
	struct timeval stv = { 2, 0 };
	kt_expect_eq(N("select_socket_readable"), R(select(s + 1, &rs, NULL, NULL, &stv)), 1);
	recv(s, buf, 1, 0);
	/* sendfile onto a socket. */
	int hf = open(HELLO_TXT, O_RDONLY | O_CLOEXEC);
	kt_expect_eq(N("sendfile_onto_socket"), R(sendfile(c, hf, NULL, 100)),
		     (long)strlen(HELLO_CONTENT));
	close(hf);
	fcntl(s, F_SETFL, 0);
	int got = 0;
	while (got < (int)strlen(HELLO_CONTENT)) {
		int k = read(s, buf + got, sizeof buf - got);
		if (k <= 0)
			break;
		got += k;
	}
	kt_expect_true(N("sendfile_data_arrives"), got == (int)strlen(HELLO_CONTENT) &&
			       memcmp(buf, HELLO_CONTENT, got) == 0, HELLO_CONTENT);

	/* Graceful close: data then end of stream; POLLRDHUP on half close. */
	send(s, "bye", 3, 0);
	kt_expect_ok(N("shutdown_wr_ok"), R(shutdown(s, SHUT_WR)));
	short ev = revents(c, POLLIN | POLLRDHUP, 5000);
	kt_expect_true(N("peer_shutdown_wr_polls_in_rdhup"),
		       (ev & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "POLLIN|POLLRDHUP");
	kt_expect_eq(N("data_before_fin_arrives"), R(recv(c, buf, sizeof buf, 0)), 3);
	kt_expect_eq(N("fin_reads_as_zero"), R(recv(c, buf, sizeof buf, 0)), 0);
	kt_expect_eq(N("send_after_peer_fin_still_works"), R(send(c, "z", 1, 0)), 1);
	close(c);
	close(s);

	/* EPIPE and SIGPIPE: the peer is gone; a write gets a reset, the next one EPIPE. */
	signal(SIGPIPE, on_sigpipe);
	if (pair(&c, &s) == 0) {
		close(s);
		revents(c, POLLRDHUP, 2000);
		int e = 0;
		for (int i = 0; i < 100 && e == 0; i++) {
			if (send(c, "x", 1, 0) < 0)
				e = errno;
			else
				msleep(10);
		}
		kt_expect_eq(N("write_to_closed_peer_epipe"), e, EPIPE);
		kt_expect_true(N("epipe_raises_sigpipe"), sigpipes > 0, "SIGPIPE delivered");
		int before = sigpipes;
		kt_expect_err(N("msg_nosignal_epipe_without_signal"),
			      R(send(c, "x", 1, MSG_NOSIGNAL)), EPIPE);
		kt_expect_eq(N("msg_nosignal_sends_no_sigpipe"), sigpipes, before);
		close(c);
	}
	signal(SIGPIPE, SIG_DFL);

	/* ECONNRESET: the peer closes with SO_LINGER 0 (a reset); then reads give 0. */
	if (pair(&c, &s) == 0) {
		struct linger lg = { 1, 0 };
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(s);
		revents(c, POLLIN, 2000);
		kt_expect_err(N("reset_peer_recv_econnreset"), R(recv(c, buf, 1, 0)), ECONNRESET);
		kt_expect_eq(N("after_reset_recv_is_zero"), R(recv(c, buf, 1, 0)), 0);
		close(c);
	}
	/* Unread data at close is a reset too. */
	if (pair(&c, &s) == 0) {
		send(c, "unread", 6, 0);
		revents(s, POLLIN, 2000);
		close(s);
		revents(c, POLLIN, 2000);
		kt_expect_err(N("close_with_unread_data_resets"), R(recv(c, buf, 1, 0)), ECONNRESET);
		close(c);
	}
	/* MSG_WAITALL collects pieces sent apart. */
	if (pair(&c, &s) == 0) {
		pid_t p = fork();
		if (p == 0) {
			for (int i = 0; i < 3; i++) {
				msleep(30);
				send(s, "abc", 3, 0);
			}
			_exit(0);
		}
		kt_expect_eq(N("recv_msg_waitall_fills_buffer"), R(recv(c, buf, 9, MSG_WAITALL)), 9);
		reap(p);
		close(c);
		close(s);
	}
	/* SO_RCVTIMEO: a blocking recv gives up with EAGAIN. */
	if (pair(&c, &s) == 0) {
		struct timeval tv = { 0, 100000 };
		kt_expect_ok(N("so_rcvtimeo_set"), R(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)));
		long t0 = now_ms();
		kt_expect_err(N("so_rcvtimeo_recv_eagain"), R(recv(c, buf, 1, 0)), EAGAIN);
		long dt = now_ms() - t0;
		kt_expect_true(N("so_rcvtimeo_waits_about_100ms"), dt >= 90 && dt < 2000,
			       "between 90 ms and 2 s");
		close(c);
		close(s);
	}
	/* A bigger transfer in both directions with TCP_NODELAY. */
	if (pair(&c, &s) == 0) {
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		static char big[300000], back[300000];
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = (char)(i * 7);
		pid_t p = fork();
		if (p == 0) {
			size_t n = 0;
			while (n < sizeof big) {
				ssize_t k = write(c, big + n, sizeof big - n);
				if (k <= 0)
					_exit(1);
				n += k;
			}
			_exit(0);
		}
		size_t n = 0;
		while (n < sizeof back) {
			ssize_t k = read(s, back + n, sizeof back - n);
			if (k <= 0)
				break;
			n += k;
		}
		kt_expect_true(N("transfer_300k_intact"), n == sizeof back && memcmp(big, back, n) == 0,
			       "300000 bytes in order");
		expect_child_ok(N("transfer_300k_writer"), p);
		close(c);
		close(s);
	}
	close(l);
}
