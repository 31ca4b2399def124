/* t_opts.c: socket options: what is honoured, what is reported, what is refused. */

static int geti(int s, int level, int name)
{
	int v = -12345;
	socklen_t l = sizeof v;
	if (getsockopt(s, level, name, &v, &l) < 0)
		return -errno - 100000;
	return v;
}

static void t_opts(void)
{
	int s = tcp_socket(), one = 1;
	kt_expect_eq("so_type_stream", geti(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	kt_expect_eq("so_domain_inet", geti(s, SOL_SOCKET, SO_DOMAIN), AF_INET);
	kt_expect_eq("so_protocol_tcp", geti(s, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	kt_expect_eq("so_error_fresh_0", geti(s, SOL_SOCKET, SO_ERROR), 0);
	kt_expect_eq("so_acceptconn_fresh_0", geti(s, SOL_SOCKET, SO_ACCEPTCONN), 0);
	kt_expect_eq("so_reuseaddr_default_0", geti(s, SOL_SOCKET, SO_REUSEADDR), 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	kt_expect_eq("so_reuseaddr_set_1", geti(s, SOL_SOCKET, SO_REUSEADDR), 1);
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	kt_expect_eq("so_keepalive_set_1", geti(s, SOL_SOCKET, SO_KEEPALIVE), 1);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	kt_expect_eq("tcp_nodelay_set_1", geti(s, IPPROTO_TCP, TCP_NODELAY), 1);
	int sz = 32768;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	kt_expect_eq("so_rcvbuf_reported_doubled", geti(s, SOL_SOCKET, SO_RCVBUF), 65536);
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	kt_expect_eq("so_sndbuf_reported_doubled", geti(s, SOL_SOCKET, SO_SNDBUF), 65536);
	int tos = 0x48;
	kt_expect_ok("ip_tos_set", R(setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof tos)));
	kt_expect_eq("ip_tos_get", geti(s, IPPROTO_IP, IP_TOS), 0x48);
	struct linger lg = { 1, 5 }, lo;
	socklen_t ll = sizeof lo;
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	getsockopt(s, SOL_SOCKET, SO_LINGER, &lo, &ll);
	kt_expect_true("so_linger_round_trips", lo.l_onoff == 1 && lo.l_linger == 5 && ll == sizeof lo,
		       "{1, 5}");
	struct timeval tv = { 2, 500000 }, to;
	socklen_t tl = sizeof to;
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &to, &tl);
	kt_expect_true("so_sndtimeo_round_trips", to.tv_sec == 2 && to.tv_usec == 500000, "2.5 s");
	struct timeval bad = { 0, 1000000 };
	kt_expect_err("so_rcvtimeo_bad_usec_edom",
		      R(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad)), EDOM);
	kt_expect_err("setsockopt_short_int_einval",
		      R(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 2)), EINVAL);
	kt_expect_err("setsockopt_unknown_enoprotoopt",
		      R(setsockopt(s, SOL_SOCKET, 9999, &one, sizeof one)), ENOPROTOOPT);
	kt_expect_err("getsockopt_unknown_enoprotoopt", geti(s, SOL_SOCKET, 9999) + 100000,
		      ENOPROTOOPT);
	int tc = 0x48;
	kt_expect_err("ipv6_tclass_on_ipv4_socket_enoprotoopt",
		      R(setsockopt(s, IPPROTO_IPV6, 67 /* IPV6_TCLASS */, &tc, sizeof tc)), ENOPROTOOPT);
	kt_expect_err("so_type_readonly_enoprotoopt",
		      R(setsockopt(s, SOL_SOCKET, SO_TYPE, &one, sizeof one)), ENOPROTOOPT);
	kt_expect_ok("tcp_cork_accepted", R(setsockopt(s, IPPROTO_TCP, TCP_CORK, &one, sizeof one)));
	int port;
	int l = listener(1, &port);
	kt_expect_eq("so_acceptconn_listening_1", geti(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	close(l);
	close(s);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	kt_expect_eq("so_type_dgram", geti(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	kt_expect_eq("so_protocol_udp", geti(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
	close(u);
	struct stat st;
	s = tcp_socket();
	fstat(s, &st);
	kt_expect_true("fstat_socket_is_s_ifsock", S_ISSOCK(st.st_mode), "S_IFSOCK");
	close(s);
}
