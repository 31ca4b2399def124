/* t_poll.c: readiness of sockets through poll and epoll (level- and edge-triggered), and
 * blocked calls in two processes woken by the right events. */

static void on_usr1(int s)
{
	(void)s;
}

static void t_poll(void)
{
	int port, c, s;
	char buf[64];
	int fresh = tcp_socket();
	short ev = revents(fresh, POLLIN | POLLOUT, 0);
	kt_expect_eq(N("fresh_socket_polls_out_hup"), ev, POLLOUT | POLLHUP);
	close(fresh);

	int l = listener(4, &port);
	kt_expect_eq(N("idle_listener_polls_nothing"), revents(l, POLLIN | POLLOUT, 0), 0);
	c = dial(port);
	kt_expect_true(N("listener_polls_in_with_a_connection"), revents(l, POLLIN, 2000) & POLLIN,
		       "POLLIN");
	s = accept(l, NULL, NULL);
	kt_expect_eq(N("connected_polls_out_only"), revents(c, POLLIN | POLLOUT, 0), POLLOUT);

	/* epoll, level-triggered: reported while data is there. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = s }, out[4];
	kt_expect_ok(N("epoll_ctl_add_socket"), R(epoll_ctl(ep, EPOLL_CTL_ADD, s, &e)));
	kt_expect_eq(N("epoll_nothing_yet"), R(epoll_wait(ep, out, 4, 0)), 0);
	send(c, "1", 1, 0);
	kt_expect_eq(N("epoll_lt_reports_data"), R(epoll_wait(ep, out, 4, 2000)), 1);
	kt_expect_eq(N("epoll_lt_reports_again"), R(epoll_wait(ep, out, 4, 0)), 1);
	recv(s, buf, sizeof buf, 0);
	kt_expect_eq(N("epoll_lt_quiet_after_read"), R(epoll_wait(ep, out, 4, 0)), 0);
	/* Edge-triggered: once per arrival. */
	e.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &e);
	send(c, "2", 1, 0);
	kt_expect_eq(N("epoll_et_reports_arrival"), R(epoll_wait(ep, out, 4, 2000)), 1);
	kt_expect_eq(N("epoll_et_not_again"), R(epoll_wait(ep, out, 4, 0)), 0);
	send(c, "3", 1, 0);
	kt_expect_eq(N("epoll_et_reports_next_arrival"), R(epoll_wait(ep, out, 4, 2000)), 1);
	/* A listening socket in epoll. */
	struct epoll_event le = { .events = EPOLLIN, .data.fd = l };
	epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &le);
	int c2 = dial(port);
	kt_expect_true(N("epoll_listener_reports_connection"),
		       epoll_wait(ep, out, 4, 2000) == 1 && out[0].data.fd == l, "the listener");
	int s2 = accept(l, NULL, NULL);
	kt_expect_eq(N("epoll_listener_quiet_after_accept"), R(epoll_wait(ep, out, 4, 0)), 0);
	close(ep);
	/* Peer closes: POLLIN|POLLRDHUP, and both halves shut: POLLHUP. */
	close(c2);
	ev = revents(s2, POLLIN | POLLRDHUP, 2000);
	kt_expect_true(N("peer_close_polls_in_rdhup"), (ev & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP),
		       "POLLIN|POLLRDHUP");
	shutdown(s2, SHUT_WR);
	ev = revents(s2, POLLIN, 2000);
	kt_expect_true(N("both_halves_shut_polls_hup"), ev & POLLHUP, "POLLHUP");
	close(s2);
	close(c);
	close(s);

	/* Two processes blocked, one in accept and one in read, each woken by its own event. */
	if (pair(&c, &s) == 0) {
		pid_t pa = fork();
		if (pa == 0) {
			alarm(20);
			int x = accept(l, NULL, NULL);
			_exit(x >= 0 ? 0 : 1);
		}
		pid_t pr = fork();
		if (pr == 0) {
			alarm(20);
			char b;
			_exit(read(s, &b, 1) == 1 && b == 'r' ? 0 : 2);
		}
		msleep(100);
		send(c, "r", 1, 0);
		expect_child_ok(N("blocked_reader_woken_by_data"), pr);
		int c3 = dial(port);
		expect_child_ok(N("blocked_accept_woken_by_connection"), pa);
		close(c3);
		close(c);
		close(s);
	}
	/* A blocked read interrupted by a signal without SA_RESTART: EINTR. */
	if (pair(&c, &s) == 0) {
		pid_t p = fork();
		if (p == 0) {
			struct sigaction h;
			memset(&h, 0, sizeof h);
			h.sa_handler = on_usr1; /* no SA_RESTART */
			sigaction(SIGUSR1, &h, NULL);
			alarm(20);
			char b;
			_exit(read(s, &b, 1) < 0 && errno == EINTR ? 0 : 3);
		}
		msleep(150);
		kill(p, SIGUSR1);
		expect_child_ok(N("blocked_read_interrupted_eintr"), p);
		close(c);
		close(s);
	}
	close(l);
}
