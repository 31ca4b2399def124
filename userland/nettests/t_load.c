/* t_load.c: more concurrent connects than the backlog, many sequential connects. */

static void t_load(void)
{
	int port;
	/* Backlog 16, 64 clients connecting at once: none refused (a full backlog drops SYNs,
	 * the clients retransmit), all accepted. */
	int l = listener(16, &port);
	pid_t p = fork();
	if (p == 0) {
		alarm(60);
		int n = 0;
		while (n < 64) {
			int s = accept(l, NULL, NULL);
			if (s < 0)
				_exit(1);
			close(s);
			n++;
		}
		_exit(0);
	}
	int cs[64], refused = 0, ok = 0;
	struct sockaddr_in a = sin_of(cur_addr, port);
	for (int i = 0; i < 64; i++) {
		cs[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(cs[i], (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
			refused++;
	}
	long t0 = now_ms();
	for (int i = 0; i < 64; i++) {
		short ev = revents(cs[i], POLLOUT, (int)(30000 - (now_ms() - t0)));
		int e = so_error(cs[i]);
		if ((ev & POLLOUT) && e == 0)
			ok++;
		else if (e == ECONNREFUSED)
			refused++;
	}
	/* A byte on each: where Linux dropped the handshake's last ACK for a full queue, the
	 * data (retransmitted until taken) completes the connection as the queue drains. */
	for (int i = 0; i < 64; i++)
		send(cs[i], "k", 1, MSG_NOSIGNAL);
	kt_expect_eq(N("backlog16_64_clients_none_refused"), refused, 0);
	kt_expect_eq(N("backlog16_64_clients_all_connected"), ok, 64);
	expect_child_ok(N("backlog16_64_clients_all_accepted"), p);
	for (int i = 0; i < 64; i++)
		close(cs[i]);
	close(l);

	/* 1000 sequential connects: distinct ephemeral ports, never one in use. */
	l = listener(128, &port);
	static unsigned short ports[1000];
	int fails = 0, dups = 0;
	for (int i = 0; i < 1000; i++) {
		int c = dial(port);
		if (c < 0) {
			fails++;
			continue;
		}
		struct sockaddr_in me;
		socklen_t ml = sizeof me;
		getsockname(c, (struct sockaddr *)&me, &ml);
		ports[i] = ntohs(me.sin_port);
		int s = accept(l, NULL, NULL);
		close(c);
		if (s >= 0)
			close(s);
	}
	for (int i = 0; i < 1000; i++)
		for (int j = i + 1; j < 1000; j++)
			if (ports[i] && ports[i] == ports[j])
				dups++;
	kt_expect_eq(N("connect_1000_sequential_all_succeed"), fails, 0);
	kt_expect_eq(N("connect_1000_sequential_distinct_ports"), dups, 0);
	close(l);
}
